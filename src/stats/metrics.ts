/**
 * Binary classification metrics on class indices (0/1) with a chosen positive class, computed
 * as scikit-learn 1.9 does (same formulas, same order of floating-point operations, numpy's
 * pairwise summation):
 *   accuracy_score, precision_score / recall_score / f1_score(pos_label=positive),
 *   f1_score(average="macro"), roc_auc_score, average_precision_score (= pr_auc), log_loss,
 *   confusion_matrix, roc_curve(drop_intermediate=True), precision_recall_curve.
 * Undefined values follow sklearn's zero_division="warn": 0, and a message in `warnings`
 * (ROC AUC with one class in y_true is NaN, as sklearn returns). `probPositive` is the
 * probability of the positive class. No IO.
 */
import { NetsecError } from "../errors.ts";
import { pairwiseSum } from "./special.ts";

export type Labels = ArrayLike<number>;
export type Scores = ArrayLike<number>;

export interface ConfusionMatrix {
  /** Class indices of the rows (true) and columns (predicted), sorted as sklearn: [0, 1]. */
  labels: [number, number];
  matrix: [[number, number], [number, number]];
}

export interface ClassificationMetrics {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  f1_macro: number;
  roc_auc: number;
  pr_auc: number;
  log_loss: number;
  confusion: ConfusionMatrix;
  support: { positive: number; negative: number };
  /** Undefined metrics set to 0 (or NaN for ROC AUC), as sklearn warns. */
  warnings: string[];
}

export function classificationMetrics(yTrue: Labels, yPred: Labels, probPositive: Scores, positive: 0 | 1): ClassificationMetrics {
  checkLabels(yTrue, "yTrue");
  checkLabels(yPred, "yPred");
  checkLength(yTrue, yPred, "yPred");
  checkLength(yTrue, probPositive, "probPositive");
  const warnings: string[] = [];
  const confusion = confusionMatrix(yTrue, yPred);
  const positives = countOf(yTrue, positive);
  return {
    accuracy: accuracyScore(yTrue, yPred),
    precision: precisionScore(yTrue, yPred, positive, warnings),
    recall: recallScore(yTrue, yPred, positive, warnings),
    f1: f1Score(yTrue, yPred, positive, warnings),
    f1_macro: f1Macro(yTrue, yPred),
    roc_auc: rocAuc(yTrue, probPositive, positive, warnings),
    pr_auc: averagePrecision(yTrue, probPositive, positive, warnings),
    log_loss: logLoss(yTrue, probPositive, positive),
    confusion,
    support: { positive: positives, negative: yTrue.length - positives },
    warnings,
  };
}

// ---- label metrics ---------------------------------------------------------------------------

export function accuracyScore(yTrue: Labels, yPred: Labels): number {
  checkLength(yTrue, yPred, "yPred");
  let same = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) same++;
  return same / yTrue.length;
}

/** Counts for one class: true positives, predicted count, true count. */
function classCounts(yTrue: Labels, yPred: Labels, label: number): { tp: number; predSum: number; trueSum: number } {
  checkLength(yTrue, yPred, "yPred");
  let tp = 0;
  let predSum = 0;
  let trueSum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i] === label;
    const p = yPred[i] === label;
    if (t) trueSum++;
    if (p) predSum++;
    if (t && p) tp++;
  }
  return { tp, predSum, trueSum };
}

function divide(numerator: number, denominator: number, warnings: string[] | undefined, message: string): number {
  if (denominator === 0) {
    warnings?.push(message);
    return 0;
  }
  return numerator / denominator;
}

export function precisionScore(yTrue: Labels, yPred: Labels, positive: 0 | 1, warnings?: string[]): number {
  const { tp, predSum } = classCounts(yTrue, yPred, positive);
  return divide(tp, predSum, warnings, "precision is ill-defined (no predicted samples of the positive class): set to 0");
}

export function recallScore(yTrue: Labels, yPred: Labels, positive: 0 | 1, warnings?: string[]): number {
  const { tp, trueSum } = classCounts(yTrue, yPred, positive);
  return divide(tp, trueSum, warnings, "recall is ill-defined (no true samples of the positive class): set to 0");
}

/** F1 = 2·tp / (true count + predicted count), sklearn's form. */
export function f1Score(yTrue: Labels, yPred: Labels, positive: 0 | 1, warnings?: string[]): number {
  const { tp, predSum, trueSum } = classCounts(yTrue, yPred, positive);
  return divide(2 * tp, trueSum + predSum, warnings, "F1 is ill-defined (no true nor predicted samples of the positive class): set to 0");
}

/** Unweighted mean of the F1 of every label present in yTrue or yPred (f1_score average="macro"). */
export function f1Macro(yTrue: Labels, yPred: Labels): number {
  const present = [0, 1].filter((label) => countOf(yTrue, label) > 0 || countOf(yPred, label) > 0);
  const scores = present.map((label) => {
    const { tp, predSum, trueSum } = classCounts(yTrue, yPred, label);
    return (2 * tp) / (trueSum + predSum);
  });
  return scores.length === 0 ? 0 : pairwiseSum(scores) / scores.length;
}

export function confusionMatrix(yTrue: Labels, yPred: Labels): ConfusionMatrix {
  checkLength(yTrue, yPred, "yPred");
  const m: [[number, number], [number, number]] = [[0, 0], [0, 0]];
  for (let i = 0; i < yTrue.length; i++) m[yTrue[i]! as 0 | 1][yPred[i]! as 0 | 1]++;
  return { labels: [0, 1], matrix: m };
}

// ---- score metrics ---------------------------------------------------------------------------

interface ClfCurve {
  fps: number[];
  tps: number[];
  thresholds: number[];
}

/**
 * sklearn's `_binary_clf_curve`: for each distinct score (descending), the number of false and
 * true positives among the samples scored at least that high.
 */
function binaryClfCurve(yTrue: Labels, scores: Scores, positive: 0 | 1): ClfCurve {
  checkLength(yTrue, scores, "probPositive");
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < yTrue.length; i++) {
    const s = scores[i]!;
    if (Number.isNaN(s)) throw new NetsecError("DATA_INVALID", `score ${i} is NaN`);
    (yTrue[i] === positive ? pos : neg).push(s);
  }
  const p = Float64Array.from(pos).sort();
  const q = Float64Array.from(neg).sort();
  let i = p.length - 1;
  let j = q.length - 1;
  let tp = 0;
  let fp = 0;
  const curve: ClfCurve = { fps: [], tps: [], thresholds: [] };
  while (i >= 0 || j >= 0) {
    const v = j < 0 || (i >= 0 && p[i]! >= q[j]!) ? p[i]! : q[j]!;
    while (i >= 0 && p[i] === v) { tp++; i--; }
    while (j >= 0 && q[j] === v) { fp++; j--; }
    curve.tps.push(tp);
    curve.fps.push(fp);
    curve.thresholds.push(v);
  }
  return curve;
}

/** = sklearn roc_curve(y_true, score, pos_label=positive) (drop_intermediate=True); thresholds[0] = Infinity. */
/** ROC points: false and true positive rates at each threshold (decreasing). */
export interface RocCurve { fpr: number[]; tpr: number[]; thresholds: number[] }
/** Precision-recall points at each threshold. */
export interface PrCurve { precision: number[]; recall: number[]; thresholds: number[] }

export function rocCurve(yTrue: Labels, probPositive: Scores, positive: 0 | 1, warnings?: string[]): RocCurve {
  let { fps, tps, thresholds } = binaryClfCurve(yTrue, probPositive, positive);
  if (fps.length > 2) {
    const keep: number[] = [0];
    for (let i = 1; i < fps.length - 1; i++) {
      const d2f = (fps[i + 1]! - fps[i]!) - (fps[i]! - fps[i - 1]!);
      const d2t = (tps[i + 1]! - tps[i]!) - (tps[i]! - tps[i - 1]!);
      if (d2f !== 0 || d2t !== 0) keep.push(i);
    }
    keep.push(fps.length - 1);
    fps = keep.map((i) => fps[i]!);
    tps = keep.map((i) => tps[i]!);
    thresholds = keep.map((i) => thresholds[i]!);
  }
  fps = [0, ...fps];
  tps = [0, ...tps];
  thresholds = [Infinity, ...thresholds];
  const lastF = fps[fps.length - 1]!;
  const lastT = tps[tps.length - 1]!;
  if (lastF <= 0) warnings?.push("no negative samples in y_true: false positive rate is meaningless (NaN)");
  if (lastT <= 0) warnings?.push("no positive samples in y_true: true positive rate is meaningless (NaN)");
  return {
    fpr: fps.map((f) => (lastF <= 0 ? NaN : f / lastF)),
    tpr: tps.map((t) => (lastT <= 0 ? NaN : t / lastT)),
    thresholds,
  };
}

/** = sklearn precision_recall_curve(y_true, score, pos_label=positive): last point (recall 0, precision 1). */
export function prCurve(yTrue: Labels, probPositive: Scores, positive: 0 | 1, warnings?: string[]): PrCurve {
  const { fps, tps, thresholds } = binaryClfCurve(yTrue, probPositive, positive);
  const lastT = tps[tps.length - 1] ?? 0;
  if (lastT === 0) warnings?.push("no positive samples in y_true: recall set to 1 for all thresholds");
  const precision = tps.map((t, i) => (t + fps[i]! !== 0 ? t / (t + fps[i]!) : 0)).reverse();
  const recall = tps.map((t) => (lastT === 0 ? 1 : t / lastT)).reverse();
  return { precision: [...precision, 1], recall: [...recall, 0], thresholds: [...thresholds].reverse() };
}

/** Area under the ROC curve (trapezoids over rocCurve, numpy.trapezoid); NaN with one class in yTrue. */
export function rocAuc(yTrue: Labels, probPositive: Scores, positive: 0 | 1, warnings?: string[]): number {
  const positives = countOf(yTrue, positive);
  if (positives === 0 || positives === yTrue.length) {
    warnings?.push("only one class is present in y_true: ROC AUC is not defined (NaN)");
    return NaN;
  }
  const { fpr, tpr } = rocCurve(yTrue, probPositive, positive);
  const parts = new Float64Array(fpr.length - 1);
  for (let i = 0; i < parts.length; i++) parts[i] = ((fpr[i + 1]! - fpr[i]!) * (tpr[i + 1]! + tpr[i]!)) / 2;
  return pairwiseSum(parts);
}

/** Average precision = sum over thresholds of (R_n − R_{n−1}) · P_n (sklearn, not interpolated). */
export function averagePrecision(yTrue: Labels, probPositive: Scores, positive: 0 | 1, warnings?: string[]): number {
  const { precision, recall } = prCurve(yTrue, probPositive, positive, warnings);
  const parts = new Float64Array(recall.length - 1);
  for (let i = 0; i < parts.length; i++) parts[i] = (recall[i + 1]! - recall[i]!) * precision[i]!;
  return Math.max(0, -pairwiseSum(parts));
}

/** Mean negative log-likelihood; probabilities clipped to [eps, 1 − eps] as sklearn's log_loss. */
export function logLoss(yTrue: Labels, probPositive: Scores, positive: 0 | 1): number {
  checkLength(yTrue, probPositive, "probPositive");
  const eps = 2 ** -52;
  const losses = new Float64Array(yTrue.length);
  for (let i = 0; i < yTrue.length; i++) {
    const p = probPositive[i]!;
    if (!(p >= 0 && p <= 1)) throw new NetsecError("DATA_INVALID", `log-loss: probability ${i} is ${p}, expected a value in [0, 1]`);
    const q = yTrue[i] === positive ? p : 1 - p;
    losses[i] = -Math.log(Math.min(Math.max(q, eps), 1 - eps));
  }
  return pairwiseSum(losses) / yTrue.length;
}

// ---- checks ----------------------------------------------------------------------------------

function countOf(values: Labels, label: number): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === label) n++;
  return n;
}

function checkLength(yTrue: Labels, other: ArrayLike<number>, name: string): void {
  if (yTrue.length === 0) throw new NetsecError("DATA_INVALID", "metrics need at least one sample (yTrue is empty)");
  if (other.length !== yTrue.length) {
    throw new NetsecError("DATA_INVALID", `${name} has ${other.length} values but yTrue has ${yTrue.length}`);
  }
}

function checkLabels(values: Labels, name: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== 0 && v !== 1) throw new NetsecError("DATA_INVALID", `${name}[${i}] is ${v}, expected a class index 0 or 1`);
  }
}
