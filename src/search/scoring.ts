/**
 * The search's scoring: one number per fold from labels and probabilities, for the experiment's
 * `search.scoring`. Always a classification metric of the positive class (F1 by default; never r²),
 * computed by the same functions as the evaluate stage (src/stats/metrics.ts), so a CV score and a
 * test score of the same name mean the same thing.
 */
import { classesOf } from "../models/params.ts";
import { accuracyScore, averagePrecision, f1Macro, f1Score, precisionScore, recallScore, rocAuc } from "../stats/metrics.ts";
import { classesAt } from "../stats/threshold.ts";
import type { Scoring } from "./types.ts";

/**
 * yTrue / p1: class indices and probability of class index 1; `positive`: the positive class
 * index. Hard predictions use `threshold` on P(positive) when given (positive when ≥), else 0.5.
 */
export function score(scoring: Scoring, yTrue: Uint8Array, p1: Float64Array, positive: 0 | 1, threshold?: number): number {
  if (scoring === "roc_auc" || scoring === "pr_auc") {
    const probPositive = positive === 1 ? p1 : p1.map((p) => 1 - p);
    return scoring === "roc_auc" ? rocAuc(yTrue, probPositive, positive) : averagePrecision(yTrue, probPositive, positive);
  }
  const yPred = threshold === undefined ? classesOf(p1) : classesAt(positive === 1 ? p1 : p1.map((p) => 1 - p), positive, threshold);
  switch (scoring) {
    case "accuracy": return accuracyScore(yTrue, yPred);
    case "precision": return precisionScore(yTrue, yPred, positive);
    case "recall": return recallScore(yTrue, yPred, positive);
    case "f1_macro": return f1Macro(yTrue, yPred);
    default: return f1Score(yTrue, yPred, positive);
  }
}
