import { describe, expect, it } from "vitest";
import { createModel } from "../../src/models/registry.ts";
import { sumLeaves, sumLeavesPlain, treesFromJSON } from "../../src/models/trees/tree-ensemble.ts";
import { compileTrees, sumBitsliced, sumCompiled } from "../../src/models/scoring/compiled-trees.ts";
import { mulberry32 } from "../../src/stats/rng.ts";
import { syntheticData } from "./synthetic.ts";

describe("compiled tree walk", () => {
  it("gives exactly the plain walk's sums, also for values between the training values and NaN", () => {
    const { x, y } = syntheticData(500, 30, 4);
    for (const [family, params] of [["hist_forest", { n_estimators: 15 }], ["hist_gbt", { n_estimators: 20 }]] as const) {
      const model = createModel(family, params);
      model.fit(x, y);
      const trees = treesFromJSON((model.toJSON().state as { trees: Parameters<typeof treesFromJSON>[0] }).trees, 30);
      const rng = mulberry32(99);
      const rows = 1003; // not a multiple of the 4-row groups
      const values = new Float64Array(rows * 30);
      for (let i = 0; i < values.length; i++) {
        const u = rng.next();
        values[i] = u < 0.02 ? NaN : u < 0.1 ? rng.next() * 2 - 1 : rng.int(3) - 1;
      }
      const test = { values, rows, cols: 30 };
      const plain = Array.from(sumLeavesPlain(trees, test));
      expect(Array.from(sumLeaves(trees, test))).toEqual(plain);
      const compiled = compileTrees(trees, 30)!;
      expect(Array.from(sumCompiled(compiled, test))).toEqual(plain);
      expect(Array.from(sumBitsliced(compiled, test))).toEqual(plain);
    }
  });
});
