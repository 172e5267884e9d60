/** Grouped folds: scikit-learn's StratifiedGroupKFold assignment rule, and the seeded folds the search uses. */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/env.ts";
import { assignGroupFolds, stratifiedFolds, stratifiedGroupFolds } from "../../src/search/folds.ts";
import { matrixGroups } from "../../src/stats/vector-groups.ts";
import { syntheticData } from "../models/synthetic.ts";

// Written by tests/references/learners.py (scikit-learn 1.9.1): 300 rows in 40 groups, 3 folds,
// StratifiedGroupKFold(n_splits=3) without shuffling.
const ref = JSON.parse(readFileSync(join(ROOT, "tests", "references", "learners.json"), "utf8")).stratified_group_kfold as { groups: number[]; y: number[]; k: number; fold: number[] };

describe("grouped folds", () => {
  it("assign groups as scikit-learn's StratifiedGroupKFold does (groups in id order, no shuffle)", () => {
    const groups = Math.max(...ref.groups) + 1;
    const counts = new Float64Array(groups * 2);
    ref.groups.forEach((g, i) => counts[g * 2 + ref.y[i]]++);
    // np.unique order of the group labels = id order; groups absent from the data have no rows
    const present = Array.from({ length: groups }, (_, g) => g).filter((g) => counts[2 * g] + counts[2 * g + 1] > 0);
    const fold = assignGroupFolds(counts, present, ref.k);
    expect(ref.groups.map((g) => fold[g])).toEqual(ref.fold);
  });

  it("stratifiedGroupFolds: identical feature vectors share a fold, classes spread evenly, seeded", () => {
    const { x, y } = syntheticData(600, 8, 3); // 8 ternary/binary columns: many repeated rows
    const { group, groups } = matrixGroups(x.values, x.rows, x.cols);
    expect(groups).toBeLessThan(600);
    const fold = stratifiedGroupFolds(y, group, 3, 42);
    const foldOf = new Map<number, number>();
    group.forEach((g, i) => {
      if (foldOf.has(g)) expect(fold[i]).toBe(foldOf.get(g));
      else foldOf.set(g, fold[i]);
    });
    const ones = y.reduce((a, b) => a + b, 0);
    for (let f = 0; f < 3; f++) {
      const rows = fold.filter((v) => v === f).length;
      const pos = y.filter((_, i) => fold[i] === f).reduce((a, b) => a + b, 0);
      expect(Math.abs(rows - 200)).toBeLessThan(30);
      expect(Math.abs(pos / rows - ones / 600)).toBeLessThan(0.05);
    }
    expect(Array.from(stratifiedGroupFolds(y, group, 3, 42))).toEqual(Array.from(fold));
    expect(Array.from(stratifiedGroupFolds(y, group, 3, 43))).not.toEqual(Array.from(fold));
  });

  it("row-by-row folds put copies of a row into different folds (the leak grouped folds avoid)", () => {
    const { x, y } = syntheticData(600, 8, 3);
    const { group } = matrixGroups(x.values, x.rows, x.cols);
    const fold = stratifiedFolds(y, 3, 42);
    const folds = new Map<number, Set<number>>();
    group.forEach((g, i) => (folds.get(g) ?? folds.set(g, new Set()).get(g)!).add(fold[i]));
    expect([...folds.values()].some((s) => s.size > 1)).toBe(true);
  });

  it("refuses more folds than distinct feature vectors, naming the count", () => {
    const y = Uint8Array.from([0, 1, 0, 1, 0, 1]);
    const group = Int32Array.from([0, 0, 1, 1, 0, 1]);
    expect(() => stratifiedGroupFolds(y, group, 3, 1)).toThrow(/cannot make 3 folds of distinct feature vectors: the training rows hold only 2/);
  });
});
