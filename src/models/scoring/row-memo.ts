/**
 * A bounded cache of P(class 1) by row, for scoring data with repeated rows (the phishing
 * features are 30 values in {-1, 0, 1}; 42% of the UCI rows repeat an earlier row exactly).
 * Only rows whose every value is -1, 0 or 1 are cached (key: `ternaryRowKey`); a row repeated
 * within one batch is scored once. The answer is the model's own, so results are identical with
 * and without the cache. When the cache holds `limit` rows it is cleared, so memory stays bounded
 * whatever the input size.
 */
import type { Matrix } from "../classifier.ts";
import { ternaryRowKey } from "./row-key.ts";

export class RowMemo {
  private readonly cache = new Map<number, number>();

  constructor(private readonly score: (x: Matrix) => Float64Array, private readonly limit = 1 << 20) {}

  get size(): number {
    return this.cache.size;
  }

  predict(x: Matrix): Float64Array {
    const out = new Float64Array(x.rows);
    // Rows the cache cannot answer: the first of each distinct key (or every uncacheable row)
    // goes to the model; later rows with the same key copy its answer.
    const missRows: number[] = [];
    const missKeys: number[] = [];
    const sameAs = new Map<number, number>(); // key → index in missRows
    const copies: number[] = []; // pairs (row, index in missRows)
    for (let r = 0; r < x.rows; r++) {
      const key = ternaryRowKey(x.values, r * x.cols, x.cols);
      if (key >= 0) {
        const hit = this.cache.get(key);
        if (hit !== undefined) {
          out[r] = hit;
          continue;
        }
        const first = sameAs.get(key);
        if (first !== undefined) {
          copies.push(r, first);
          continue;
        }
        sameAs.set(key, missRows.length);
      }
      missRows.push(r);
      missKeys.push(key);
    }
    if (missRows.length === 0) return out;
    const sub = new Float64Array(missRows.length * x.cols);
    missRows.forEach((r, i) => sub.set(x.values.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols));
    const p = this.score({ values: sub, rows: missRows.length, cols: x.cols });
    if (this.cache.size + missRows.length > this.limit) this.cache.clear();
    missRows.forEach((r, i) => {
      out[r] = p[i];
      if (missKeys[i] >= 0) this.cache.set(missKeys[i], p[i]);
    });
    for (let i = 0; i < copies.length; i += 2) out[copies[i]] = p[copies[i + 1]];
    return out;
  }
}
