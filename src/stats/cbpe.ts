/**
 * Confidence-based performance estimation (pure), after NannyML's CBPE for binary classification:
 * with calibrated probabilities c_i = P(positive | row i) and the model's decisions (positive when
 * its probability ≥ its threshold), the expected confusion matrix of a set of unlabelled rows is
 *
 *   TP = Σ_{predicted positive} c_i    FP = Σ_{predicted positive} (1 − c_i)
 *   FN = Σ_{predicted negative} c_i    TN = Σ_{predicted negative} (1 − c_i)
 *
 * and precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = TP / (TP + ½ (FP + FN)) follow
 * (NannyML `estimate_precision` / `estimate_recall` / `estimate_f1`).
 *
 * Confidence interval (NannyML's sampling error): from the labelled reference rows, each metric is
 * a mean of per-row values over the rows it depends on — precision over the predicted positives
 * (1 for a TP, 0 for an FP), recall over the true positives (1 for a TP, 0 for an FN), F1 over
 * TP ∪ FP ∪ FN (1 for a TP, 0 otherwise, scaled by |TP ∪ FP ∪ FN| / (|TP| + ½(|FP| + |FN|)) so
 * that its mean is the F1). The reference keeps their standard deviation σ (numpy `std`, ddof 0)
 * and the share f of all rows they make up; on a window of n rows the standard error is
 * σ / √(n · f), and the interval is estimate ± 3 standard errors (NannyML's default band),
 * clipped to [0, 1]. It covers sampling noise only: it assumes the probabilities are calibrated
 * on the window too (no concept drift), see `src/monitor/analysis.ts` for when the estimate is
 * flagged as not to be trusted.
 */
import { NetsecError } from "../errors.ts";

export type CbpeMetric = "precision" | "recall" | "f1";
export const CBPE_METRICS: readonly CbpeMetric[] = ["precision", "recall", "f1"];
/** Standard errors on each side of the estimate (NannyML's default band). */
export const CBPE_INTERVAL_SIGMAS = 3;

export interface ExpectedConfusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** Per metric: σ of the per-row values on the reference and the share of rows they come from. */
export type SamplingComponents = Record<CbpeMetric, { std: number; fraction: number }>;

export interface CbpeEstimate {
  metric: CbpeMetric;
  value: number;
  /** σ / √(n · f) on this window (NaN when the reference gives no component). */
  standardError: number;
  lower: number;
  upper: number;
}

/** Expected confusion from calibrated probabilities and the decisions (1 = predicted positive). */
export function expectedConfusion(calibrated: ArrayLike<number>, predictedPositive: ArrayLike<number>): ExpectedConfusion {
  if (calibrated.length !== predictedPositive.length) throw new NetsecError("DATA_INVALID", `CBPE: ${calibrated.length} probabilities for ${predictedPositive.length} decisions`);
  const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (let i = 0; i < calibrated.length; i++) {
    const p = calibrated[i]!;
    if (!(p >= 0 && p <= 1)) throw new NetsecError("DATA_INVALID", `CBPE: calibrated probability ${i} is ${p}, expected a value in [0, 1]`);
    if (predictedPositive[i]) {
      c.tp += p;
      c.fp += 1 - p;
    } else {
      c.fn += p;
      c.tn += 1 - p;
    }
  }
  return c;
}

/** Precision, recall and F1 of an (expected or counted) confusion matrix; NaN where undefined. */
export function confusionScores(c: ExpectedConfusion): Record<CbpeMetric, number> {
  return {
    precision: c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : NaN,
    recall: c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : NaN,
    f1: c.tp + 0.5 * (c.fp + c.fn) > 0 ? c.tp / (c.tp + 0.5 * (c.fp + c.fn)) : NaN,
  };
}

function stdOf(values: number[]): number {
  if (values.length === 0) return NaN;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}

/** The reference's sampling-error components (labels 1 = positive, decisions 1 = predicted positive). */
export function samplingComponents(isPositive: ArrayLike<number>, predictedPositive: ArrayLike<number>): SamplingComponents {
  const n = isPositive.length;
  if (n === 0 || n !== predictedPositive.length) throw new NetsecError("DATA_INVALID", `CBPE reference: ${n} labels and ${predictedPositive.length} decisions (expected the same number, at least one)`);
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < n; i++) {
    const y = isPositive[i] ? 1 : 0;
    const d = predictedPositive[i] ? 1 : 0;
    if (y && d) tp++;
    else if (d) fp++;
    else if (y) fn++;
  }
  const ones = (k: number) => new Array<number>(k).fill(1);
  const zeros = (k: number) => new Array<number>(k).fill(0);
  const f1Rows = tp + fp + fn;
  const factor = f1Rows / (tp + 0.5 * (fp + fn));
  return {
    precision: { std: stdOf([...ones(tp), ...zeros(fp)]), fraction: (tp + fp) / n },
    recall: { std: stdOf([...ones(tp), ...zeros(fn)]), fraction: (tp + fn) / n },
    f1: { std: stdOf([...ones(tp), ...zeros(fp + fn)].map((v) => v * factor)), fraction: f1Rows / n },
  };
}

/** The estimates and their intervals on a window of `rows` rows. */
export function cbpeEstimate(confusion: ExpectedConfusion, rows: number, components: SamplingComponents): CbpeEstimate[] {
  const scores = confusionScores(confusion);
  return CBPE_METRICS.map((metric) => {
    const { std, fraction } = components[metric];
    const standardError = rows > 0 && fraction > 0 ? std / Math.sqrt(rows * fraction) : NaN;
    const value = scores[metric];
    const half = CBPE_INTERVAL_SIGMAS * standardError;
    return { metric, value, standardError, lower: Math.max(0, value - half), upper: Math.min(1, value + half) };
  });
}
