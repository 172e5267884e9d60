/** One fold task: the validation rows are scored block by block, with the answers of one whole pass. */
import { describe, expect, it, vi } from "vitest";
import type { Classifier, Matrix } from "../../src/models/classifier.ts";
import { createModel } from "../../src/models/registry.ts";
import { type FoldData, PREDICT_BLOCK_ROWS, predictRows, releaseFoldScratch, runFoldTask, takeRows } from "../../src/search/fold-task.ts";
import { LogisticRegression } from "../../src/models/families/logistic-regression.ts";
import { stratifiedFolds } from "../../src/search/folds.ts";
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

  it("copies a fold's training rows into one buffer the thread reuses from task to task", async () => {
    const { x, y } = randomMatrix(3_000, 5, 4);
    const fold = stratifiedFolds(y, 3, 1);
    const data: FoldData = { values: x.values, rows: x.rows, cols: x.cols, y, fold, positive: 1, scoring: "f1" };
    const seen: { buffer: ArrayBufferLike; first: number[]; rows: number }[] = [];
    const fit = vi.spyOn(LogisticRegression.prototype, "fit").mockImplementation(function (this: LogisticRegression, m: Matrix) {
      seen.push({ buffer: m.values.buffer, first: Array.from(m.values.subarray(0, 5)), rows: m.rows });
    });
    vi.spyOn(LogisticRegression.prototype, "predictProba").mockImplementation((m: Matrix) => new Float64Array(m.rows).fill(0.5));
    try {
      for (let f = 0; f < 3; f++) await runFoldTask(data, { id: f, family: "logistic_regression", params: {}, fold: f });
    } finally {
      vi.restoreAllMocks();
      releaseFoldScratch();
    }
    expect(fit).toHaveBeenCalledTimes(3);
    expect(seen[1].buffer).toBe(seen[0].buffer);
    expect(seen[2].buffer).toBe(seen[0].buffer);
    // and each fit saw its own fold's rows: the first training row of fold f is the first row not in fold f
    for (let f = 0; f < 3; f++) {
      const r = Array.from(fold).findIndex((g) => g !== f);
      expect(seen[f].first).toEqual(Array.from(x.values.subarray(r * 5, r * 5 + 5)));
      expect(seen[f].rows).toBe(Array.from(fold).filter((g) => g !== f).length);
    }
  });
});
