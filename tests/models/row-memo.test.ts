import { describe, expect, it } from "vitest";
import { RowMemo } from "../../src/models/scoring/row-memo.ts";
import { createModel } from "../../src/models/registry.ts";
import { syntheticData } from "./synthetic.ts";

describe("row cache", () => {
  it("answers repeated rows with exactly the model's numbers, stays bounded, and skips non-{-1,0,1} rows", () => {
    const { x, y } = syntheticData(400, 30, 21);
    const model = createModel("hist_gbt", { n_estimators: 20 });
    model.fit(x, y);
    let scored = 0;
    const memo = new RowMemo((m) => {
      scored += m.rows;
      return model.predictProba(m);
    }, 300);
    const direct = Array.from(model.predictProba(x));
    expect(Array.from(memo.predict(x))).toEqual(direct);
    const firstPass = scored;
    expect(Array.from(memo.predict(x))).toEqual(direct); // cache was cleared at 300 → some rows again
    expect(memo.size).toBeLessThanOrEqual(400);
    const odd = { values: x.values.map((v, i) => (i === 0 ? 0.5 : v)), rows: 400, cols: 30 };
    expect(Array.from(memo.predict(odd))).toEqual(Array.from(model.predictProba(odd)));
    expect(firstPass).toBeLessThanOrEqual(400);
  });

  it("scores a row repeated within one batch once, and every copy gets its answer", () => {
    const { x, y } = syntheticData(50, 30, 5);
    const model = createModel("hist_gbt", { n_estimators: 10 });
    model.fit(x, y);
    const rowsScored: number[] = [];
    const memo = new RowMemo((m) => {
      rowsScored.push(m.rows);
      return model.predictProba(m);
    });
    // rows 0, 1, 0, 0, 1, 2 of the synthetic data, plus one row with a missing value (not cacheable) twice
    const pick = [0, 1, 0, 0, 1, 2];
    const values = new Float64Array((pick.length + 2) * 30);
    pick.forEach((r, i) => values.set(x.values.subarray(r * 30, r * 30 + 30), i * 30));
    for (const i of [6, 7]) {
      values.set(x.values.subarray(3 * 30, 4 * 30), i * 30);
      values[i * 30 + 4] = NaN;
    }
    const batch = { values, rows: 8, cols: 30 };
    expect(Array.from(memo.predict(batch))).toEqual(Array.from(model.predictProba(batch)));
    expect(rowsScored).toEqual([5]); // rows 0, 1, 2 and the two uncacheable rows
    expect(memo.size).toBe(3);
  });

  it("groups a batch into its distinct rows: one answer per distinct row, cached rows included, uncacheable rows on their own", () => {
    const { x, y } = syntheticData(60, 30, 9);
    const model = createModel("hist_gbt", { n_estimators: 10 });
    model.fit(x, y);
    const memo = new RowMemo((m) => model.predictProba(m));
    memo.predict({ values: x.values.slice(0, 30), rows: 1, cols: 30 }); // row 0 is now cached
    const pick = [0, 4, 0, 4, 7];
    const values = new Float64Array((pick.length + 2) * 30);
    pick.forEach((r, i) => values.set(x.values.subarray(r * 30, r * 30 + 30), i * 30));
    for (const i of [5, 6]) {
      values.set(x.values.subarray(2 * 30, 3 * 30), i * 30);
      values[i * 30] = NaN; // not cacheable: each such row is its own group
    }
    const batch = { values, rows: 7, cols: 30 };
    const grouped = memo.predictGrouped(batch);
    expect(Array.from(grouped.group)).toEqual([0, 1, 0, 1, 2, 3, 4]);
    expect(grouped.distinct).toBe(5);
    const direct = model.predictProba(batch);
    for (let r = 0; r < 7; r++) expect(grouped.p1[grouped.group[r]]).toBe(direct[r]);
  });
});
