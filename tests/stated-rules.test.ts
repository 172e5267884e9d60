// Rules the code states in its comments, each pinned by a small hand-built case that fails when the
// rule is changed (issue 22: each of these mutations passed the whole relevant suite before):
//   stats/ks.ts         exact p-value when max(n1, n2) <= 10000   (`<=` → `<`)
//   stats/threshold.ts  ties go to the higher threshold           (`>` → `>=`)
//   search/folds.ts     among equally even folds, the fewest rows (tie-break dropped)
//   stages/split.ts     a group's stratum: ties to the first key in sorted order
//   serve/json-rows.ts  JSON nesting limit 8                      (8 → 9)
//   stages/push.ts      a set file the new set lacks is removed   (removal dropped)
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ksTwoSample } from "../src/stats/ks.ts";
import { chooseThreshold } from "../src/stats/threshold.ts";
import { assignGroupFolds } from "../src/search/folds.ts";
import { groupedStratifiedSplit } from "../src/stages/split.ts";
import { parseJsonRows } from "../src/serve/json-rows.ts";
import { writeModelSet } from "../src/stages/push.ts";
import { tempDir } from "./helpers/env.ts";

/** Deterministic pseudo-uniform sample, reproduced in Python as ((i*mul) % mod)/mod + off. */
function seq(n: number, mul: number, mod: number, off = 0): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i * mul) % mod) / mod + off;
  return out;
}

describe("stats/ks.ts: exact when max(n1, n2) <= 10000", () => {
  // scipy 1.17.1: ks_2samp(seq(n1, 7919, 10007), seq(500, 104729, 9973, 0.03)) (method="auto"):
  //   n1 = 10000 → statistic 0.0485, pvalue 0.2064912196099039 (= method="exact"; "asymp" gives 0.20602599733183014)
  //   n1 = 10001 → statistic 0.04851554844515546, pvalue 0.20572901091703477 (= method="asymp")
  it("a sample of exactly 10,000 gets scipy's exact p-value", () => {
    const r = ksTwoSample(seq(10_000, 7919, 10007), seq(500, 104729, 9973, 0.03));
    expect(r.method).toBe("exact");
    expect(r.statistic).toBe(0.0485);
    expect(Math.abs(r.pValue - 0.2064912196099039) / 0.2064912196099039).toBeLessThan(1e-10);
  });
  it("a sample of 10,001 gets scipy's asymptotic p-value", () => {
    const r = ksTwoSample(seq(10_001, 7919, 10007), seq(500, 104729, 9973, 0.03));
    expect(r.method).toBe("asymp");
    expect(Math.abs(r.pValue - 0.20572901091703477) / 0.20572901091703477).toBeLessThan(1e-10);
  });
});

describe("stats/threshold.ts: ties go to the higher threshold", () => {
  // Scores 0.9 (positive), 0.8 (negative), 0.7 (negative), 0.6 (positive), by hand:
  //   at ≥ 0.9: tp 1, fp 0, fn 1 → F1 2/3, cost FN+FP 1;  at ≥ 0.8: F1 1/2, cost 2;
  //   at ≥ 0.7: F1 2/5, cost 3;                            at ≥ 0.6: tp 2, fp 2 → F1 2/3, cost 2.
  const y = Uint8Array.from([1, 0, 0, 1]);
  const p = [0.9, 0.8, 0.7, 0.6];
  it("best F1 tied at 0.9 and 0.6: the higher wins (threshold halfway to the next score, 0.85)", () => {
    const c = chooseThreshold(y, p, 1, "best_f1");
    expect(c.threshold).toBeCloseTo(0.85, 12);
    expect([c.tp, c.fp, c.fn, c.tn]).toEqual([1, 0, 1, 2]);
  });
  it("lowest cost (FN 1, FP 0.5) tied at 0.9 and 0.6: the higher wins", () => {
    // FN 1, FP 0.5: ≥0.9 → 1; ≥0.8 → 1.5; ≥0.7 → 2; ≥0.6 → 1 (tie with 0.9)
    const c = chooseThreshold(y, p, 1, { false_negative: 1, false_positive: 0.5 });
    expect(c.threshold).toBeCloseTo(0.85, 12);
    expect(c.cost).toBe(1);
  });
});

describe("search/folds.ts: among equally even folds, the one with the fewest rows", () => {
  it("a tie between folds holding 2 rows and 0 rows goes to the empty one (scikit-learn 1.9.1's StratifiedGroupKFold)", () => {
    // groups [0,0,1,2,2,2], y [0,0,1,0,0,1]: group 0 = two class-0 rows, group 1 = one class-1 row,
    // group 2 = two class-0 rows and one class-1 row. StratifiedGroupKFold(n_splits=3) (no
    // shuffle) puts the rows in folds [0, 0, 1, 2, 2, 2]: group 1 ties on evenness in every fold
    // and goes to fold 1, not to fold 0 which already holds group 0's two rows.
    const counts = Float64Array.from([2, 0, 0, 1, 2, 1]);
    expect(Array.from(assignGroupFolds(counts, [0, 1, 2], 3))).toEqual([0, 1, 2]);
  });
});

describe("stages/split.ts: a group's stratum, ties to the first key in sorted order", () => {
  it("a group with one row of each class belongs to the first class in sorted order", () => {
    // Group 0 = rows 0 ("1") and 1 ("-1"): a tie, so it belongs to "-1" (sorted before "1"), alone
    // in that stratum: target round(0.5 × 2) = 1, and its 2 rows land as close to 1 as 0 rows do,
    // so it is taken. Stratum "1": 3 singletons, round(1.5) = 2 taken. Test = 4 rows, rows 0 and 1
    // among them, whatever the seed. (With the tie going to "1": 5 rows there, round(2.5) = 3.)
    const strata = [1, -1, 1, 1, 1];
    const group = [0, 0, 1, 2, 3];
    for (const seed of [1, 2, 3, 42]) {
      const { test, train } = groupedStratifiedSplit(strata, group, 0.5, seed);
      expect(test.length).toBe(4);
      expect(Array.from(test).slice(0, 2)).toEqual([0, 1]);
      expect(train.length).toBe(1);
    }
  });
});

describe("serve/json-rows.ts: JSON nesting limit 8", () => {
  const nested = (arrays: number) => new TextEncoder().encode(`[{"a": ${"[".repeat(arrays)}1${"]".repeat(arrays)}}]`);
  it("8 levels pass the depth check (the cell is then refused as not a number)", async () => {
    // outer array 1, row object 2, six arrays: levels 3..8
    await expect(parseJsonRows(nested(6))).rejects.toMatchObject({ code: "NOT_A_NUMBER", message: 'row 1, column a: got an array of 1 value, expected a number (or null for a missing value)' });
  });
  it("9 levels are refused before parsing, at the byte that opens level 9", async () => {
    await expect(parseJsonRows(nested(7))).rejects.toMatchObject({ status: 400, code: "JSON_TOO_DEEP", message: "the body nests deeper than 8 levels (byte offset 13): rows are objects or arrays of numbers" });
  });
});

describe("stages/push.ts: a file the new set does not hold is not left beside it", () => {
  it("model.onnx of the previous set is removed when the next set has none", async () => {
    const dir = tempDir("netsec-rules-push-");
    mkdirSync(dir, { recursive: true });
    await writeModelSet(dir, 1, [["model.json", "{\"v\":1}\n"], ["model.onnx", new Uint8Array([1, 2, 3])], ["manifest.json", "{}\n"]]);
    expect(readFileSync(join(dir, "model.onnx"))).toEqual(Buffer.from([1, 2, 3]));
    await writeModelSet(dir, 2, [["model.json", "{\"v\":2}\n"], ["manifest.json", "{}\n"]]);
    expect(readFileSync(join(dir, "model.json"), "utf8")).toBe("{\"v\":2}\n");
    expect(existsSync(join(dir, "model.onnx"))).toBe(false);
    // not even a dangling link
    expect(() => lstatSync(join(dir, "model.onnx"))).toThrow();
    // the old set keeps its file; nothing staged is left
    expect(existsSync(join(dir, "versions", "1", "model.onnx"))).toBe(true);
    expect(readdirSync(join(dir, "versions")).sort()).toEqual(["1", "2"]);
  });
});
