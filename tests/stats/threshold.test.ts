/** The decision threshold rules against scikit-learn's precision_recall_curve / confusion_matrix. */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/env.ts";
import { chooseThreshold, classesAt, confusionAt, type ThresholdRule } from "../../src/stats/threshold.ts";

// Written by tests/references/learners.py (scikit-learn 1.9.1): 400 scores with ties, and for each
// rule the best of precision_recall_curve's thresholds, scanned from the highest.
const ref = JSON.parse(readFileSync(join(ROOT, "tests", "references", "learners.json"), "utf8")).threshold;
const y = Uint8Array.from(ref.y as number[]);
const scores = Float64Array.from(ref.scores as number[]);

describe("decision threshold", () => {
  const cases: [string, ThresholdRule][] = [["best_f1", "best_f1"], ["recall_0.95", { recall: 0.95 }], ["precision_0.9", { precision: 0.9 }], ["cost_fn10_fp1", { false_negative: 10, false_positive: 1 }]];
  for (const [name, rule] of cases) {
    it(`${name}: the confusion scikit-learn finds best, at a threshold between the chosen score and the next lower one`, () => {
      const expected = ref[name] as { threshold: number; precision: number; recall: number; tp: number; fp: number; fn: number; tn: number };
      const choice = chooseThreshold(y, scores, 1, rule);
      expect({ tp: choice.tp, fp: choice.fp, fn: choice.fn, tn: choice.tn }).toEqual({ tp: expected.tp, fp: expected.fp, fn: expected.fn, tn: expected.tn });
      expect(choice.precision).toBeCloseTo(expected.precision, 12);
      expect(choice.recall).toBeCloseTo(expected.recall, 12);
      expect(choice.met).toBe(true);
      expect(choice.threshold).toBeLessThanOrEqual(expected.threshold);
      const below = Math.max(...Array.from(scores).filter((s) => s < expected.threshold));
      expect(choice.threshold).toBeGreaterThan(below);
      // the threshold reproduces the confusion on these rows
      expect(confusionAt(y, scores, 1, choice.threshold)).toEqual({ tp: expected.tp, fp: expected.fp, fn: expected.fn, tn: expected.tn });
    });
  }

  it("works for a positive class at index 0 (phishing = -1 → class 0): rows at or above the threshold are class 0", () => {
    const flipped = Uint8Array.from(y, (v) => 1 - v);
    const a = chooseThreshold(flipped, scores, 0, "best_f1");
    const b = chooseThreshold(y, scores, 1, "best_f1");
    expect([a.tp, a.fp, a.threshold]).toEqual([b.tp, b.fp, b.threshold]);
    expect(Array.from(classesAt([0.9, 0.5, 0.1], 0, 0.5))).toEqual([0, 0, 1]);
    expect(Array.from(classesAt([0.9, 0.5, 0.1], 1, 0.5))).toEqual([1, 1, 0]);
  });

  it("an unattainable constraint returns the closest threshold with met: false; a number is used as given", () => {
    // the top score is a negative: precision never reaches 0.9; the best precision (2/3) is at 0.4
    const choice = chooseThreshold(Uint8Array.from([0, 1, 1]), [0.9, 0.5, 0.4], 1, { precision: 0.9 });
    expect(choice.met).toBe(false);
    expect(choice.precision).toBeCloseTo(2 / 3, 12);
    expect(choice.threshold).toBe(0.4);
    const fixed = chooseThreshold(y, scores, 1, 0.5);
    expect(fixed.threshold).toBe(0.5);
    expect(fixed.rule).toBe("fixed at 0.5");
  });

  it("rows without a score (NaN) are left out", () => {
    const withGaps = Float64Array.from(scores, (s, i) => (i % 10 === 0 ? NaN : s));
    expect(chooseThreshold(y, withGaps, 1).rows).toBe(360);
  });
});
