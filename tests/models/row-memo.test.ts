import { describe, expect, it } from "vitest";
import { RowMemo } from "../../src/models/row-memo.ts";
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
});
