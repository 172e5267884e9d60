/** A small seeded data set shaped like the phishing data: features in {-1, 0, 1}, a noisy rule for the label. */
import { mulberry32 } from "../../src/stats/rng.ts";
import type { Matrix } from "../../src/models/classifier.ts";

export function syntheticData(rows: number, cols = 30, seed = 7): { x: Matrix; y: Uint8Array } {
  const rng = mulberry32(seed);
  const values = new Float64Array(rows * cols);
  const y = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const v = c % 3 === 0 ? (rng.next() < 0.5 ? -1 : 1) : rng.int(3) - 1;
      values[r * cols + c] = v;
      if (c < 6) s += v * (6 - c);
    }
    y[r] = s + (rng.next() - 0.5) * 6 > 0 ? 1 : 0;
  }
  return { x: { values, rows, cols }, y };
}
