/**
 * The search's scoring: one number per fold from labels and probabilities, for the experiment's
 * `search.scoring`. Always a classification metric of the positive class (F1 by default; never r²).
 * Kept here, small and allocation-free, because it runs once per fold; the evaluate stage reports
 * the full set with src/stats/metrics.ts.
 */
import type { Scoring } from "./types.ts";

/** yTrue / p1: class indices and probability of class index 1; `positive`: the positive class index. */
export function score(scoring: Scoring, yTrue: Uint8Array, p1: Float64Array, positive: 0 | 1): number {
  if (scoring === "roc_auc") return rocAuc(yTrue, p1, positive);
  if (scoring === "pr_auc") return averagePrecision(yTrue, p1, positive);
  let tp = 0, fp = 0, fn = 0, tn = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const pred = p1[i] > 0.5 ? 1 : 0;
    const isPos = yTrue[i] === positive;
    if (pred === positive) isPos ? tp++ : fp++;
    else isPos ? fn++ : tn++;
  }
  const f1 = (t: number, f: number, n: number) => (2 * t + f + n === 0 ? 0 : (2 * t) / (2 * t + f + n));
  switch (scoring) {
    case "accuracy": return (tp + tn) / yTrue.length;
    case "precision": return tp + fp === 0 ? 0 : tp / (tp + fp);
    case "recall": return tp + fn === 0 ? 0 : tp / (tp + fn);
    case "f1_macro": return (f1(tp, fp, fn) + f1(tn, fn, fp)) / 2;
    default: return f1(tp, fp, fn);
  }
}

/** Scores of the positive class, sorted descending with their labels (1 = positive). */
function ranked(yTrue: Uint8Array, p1: Float64Array, positive: 0 | 1): { s: Float64Array; pos: Uint8Array } {
  const n = yTrue.length;
  const order = Array.from({ length: n }, (_, i) => i);
  const s0 = new Float64Array(n);
  for (let i = 0; i < n; i++) s0[i] = positive === 1 ? p1[i] : 1 - p1[i];
  order.sort((a, b) => s0[b] - s0[a]);
  const s = new Float64Array(n);
  const pos = new Uint8Array(n);
  order.forEach((i, k) => {
    s[k] = s0[i];
    pos[k] = yTrue[i] === positive ? 1 : 0;
  });
  return { s, pos };
}

/** Area under the ROC curve (ties counted half, as scikit-learn's roc_auc_score). */
export function rocAuc(yTrue: Uint8Array, p1: Float64Array, positive: 0 | 1): number {
  const { s, pos } = ranked(yTrue, p1, positive);
  let P = 0;
  for (const v of pos) P += v;
  const N = pos.length - P;
  if (P === 0 || N === 0) return NaN;
  let area = 0, tp = 0, fp = 0;
  for (let i = 0; i < s.length; ) {
    let j = i, dtp = 0, dfp = 0;
    while (j < s.length && s[j] === s[i]) {
      pos[j] ? dtp++ : dfp++;
      j++;
    }
    area += dfp * (tp + dtp / 2);
    tp += dtp;
    fp += dfp;
    i = j;
  }
  return area / (P * N);
}

/** Average precision (scikit-learn's average_precision_score: Σ (R_n − R_{n−1}) P_n over thresholds). */
export function averagePrecision(yTrue: Uint8Array, p1: Float64Array, positive: 0 | 1): number {
  const { s, pos } = ranked(yTrue, p1, positive);
  let P = 0;
  for (const v of pos) P += v;
  if (P === 0) return NaN;
  let ap = 0, tp = 0, seen = 0, prevRecall = 0;
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j < s.length && s[j] === s[i]) {
      tp += pos[j];
      seen++;
      j++;
    }
    const recall = tp / P;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
    i = j;
  }
  return ap;
}
