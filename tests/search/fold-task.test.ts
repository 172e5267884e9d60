/** One fold task: the validation rows are scored block by block, with the answers of one whole pass. */
import { describe, expect, it } from "vitest";
import type { Classifier, Matrix } from "../../src/models/classifier.ts";
import { createModel } from "../../src/models/registry.ts";
import { PREDICT_BLOCK_ROWS, predictRows, takeRows } from "../../src/search/fold-task.ts";
import { mulberry32 } from "../../src/stats/rng.ts";

function randomMatrix(rows: number, cols: number, seed: number): { x: Matrix; y: Uint8Array } {
  const rng = mulberry32(seed);
  const values = Float64Array.from({ length: rows * cols }, () => rng.int(3) - 1);
  const y = Uint8Array.from({ length: rows }, (_, r) => (values[r * cols] + values[r * cols + 1] + (rng.int(10) === 0 ? 2 : 0) > 0 ? 1 : 0));
  return { x: { values, rows, cols }, y };
}

describe("fold task", () => {
  it("predicts the validation rows in blocks of at most PREDICT_BLOCK_ROWS copied rows, with the answers of one whole copy", async () => {
    const rows = 6 * PREDICT_BLOCK_ROWS + 123;
    const { x, y } = randomMatrix(rows, 6, 3);
    const model = createModel("logistic_regression", { C: 1 });
    await model.fit(x, y);
    // every third row, as a fold's validation part lists them
    const valid = Int32Array.from({ length: Math.ceil(rows / 3) }, (_, i) => i * 3);
    const whole = model.predictProba(takeRows(x, valid));
    const seen: number[] = [];
    const spy: Classifier = { ...model, family: model.family, params: model.params, predict: (m) => model.predict(m), toJSON: () => model.toJSON(), fit: (a, b) => model.fit(a, b), predictProba: (m) => (seen.push(m.rows), model.predictProba(m)) };
    const blocks = predictRows(spy, x, valid);
    expect(Array.from(blocks)).toEqual(Array.from(whole));
    expect(Math.max(...seen)).toBe(PREDICT_BLOCK_ROWS);
    expect(seen.reduce((a, b) => a + b, 0)).toBe(valid.length);
  });
});
