// Learning curve: growing training subsets per stratified fold, train and validation scores.
import { describe, expect, it } from "vitest";
import { learningCurve } from "../../src/report/learning-curve.ts";
import { runSearch } from "../../src/search/search.ts";
import { matrixGroups } from "../../src/stats/vector-groups.ts";

// 120 rows, 3 features in {-1, 0, 1}; the label follows feature 0 except for every 7th row (noise).
function data() {
  const rows = 120;
  const values = new Float64Array(rows * 3);
  const y = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    values[r * 3] = r % 2 === 0 ? 1 : -1;
    values[r * 3 + 1] = (r % 3) - 1;
    values[r * 3 + 2] = ((r * 5) % 3) - 1;
    y[r] = (values[r * 3] > 0 ? 1 : 0) ^ (r % 7 === 0 ? 1 : 0);
  }
  return { x: { values, rows, cols: 3 }, y };
}

describe("learningCurve", () => {
  it("gives one point per size with one score per fold, sizes growing, same result twice", async () => {
    const { x, y } = data();
    const options = { family: "logistic_regression", sizes: [0.25, 0.5, 1], folds: 3, seed: 7, grouped: false };
    const points = await learningCurve(x, y, 1, options);
    expect(points.map((p) => p.trainSize)).toEqual([20, 40, 80]);
    for (const p of points) {
      expect(p.trainScores).toHaveLength(3);
      expect(p.validScores).toHaveLength(3);
      for (const s of [...p.trainScores, ...p.validScores]) expect(s).toBeGreaterThanOrEqual(0), expect(s).toBeLessThanOrEqual(1);
    }
    // the label is feature 0 up to ~1/7 noise: validation F1 on the full share is high
    expect(Math.min(...points[2].validScores)).toBeGreaterThan(0.75);
    expect(await learningCurve(x, y, 1, options)).toEqual(points);
  });

  it("uses the search's grouped folds by default: at the full share its validation scores are the search's fold scores", async () => {
    const { x, y } = data();
    const groups = matrixGroups(x.values, x.rows, x.cols).group;
    const search = await runSearch(x, y, 1, { seed: 7, folds: 3, groups, protocol: "grouped", scoring: "f1", workers: 0, candidates: [{ family: "logistic_regression", grid: {} }] });
    const grouped = await learningCurve(x, y, 1, { family: "logistic_regression", sizes: [1], folds: 3, seed: 7 });
    expect(grouped[0].validScores).toEqual(search.best.foldScores);
    // row-by-row folds give other numbers on data this repetitive (18 distinct vectors in 120 rows)
    const leaky = await learningCurve(x, y, 1, { family: "logistic_regression", sizes: [1], folds: 3, seed: 7, grouped: false });
    expect(leaky[0].validScores).not.toEqual(search.best.foldScores);
  });
});
