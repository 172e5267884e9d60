/**
 * Compare a window of scored rows with the model's reference (pure):
 *
 *   - per feature: PSI of the bucket shares (src/stats/psi.ts), the chi-square test of
 *     homogeneity on the bucket counts and the two-sample KS test on the values (the tests
 *     `validate` uses for train vs test, src/stats/chi2.ts and ks.ts; KS only over allowed values
 *     or bins, in their order, with the asymptotic p-value: `ksTwoSampleCounts`). A feature drifts when PSI ≥ 0.1 AND the chi-square p-value < 0.05:
 *     a shift large enough to matter that is also not sampling noise (with thousands of rows a
 *     p-value alone flags differences too small to matter; with a hundred rows PSI alone flags
 *     noise);
 *   - the distribution of P(positive) against the test split's, by the same rule;
 *   - CBPE: precision, recall and F1 estimated from the calibrated probabilities (src/stats/cbpe.ts)
 *     with their intervals, and whether to trust them: not when the window holds fewer than
 *     MIN_ROWS rows, nor when the reference's calibration is poor (out-of-sample ECE of the
 *     calibrated probabilities above MAX_CALIBRATED_ECE).
 * No verdict on drift below MIN_ROWS rows either (the report says so).
 */
import { chiSquareCounts, type ChiSquareResult } from "../stats/chi2.ts";
import { ksTwoSampleCounts, type KsResult } from "../stats/ks.ts";
import { psi, PSI_DRIFT_THRESHOLD } from "../stats/psi.ts";
import { cbpeEstimate, type CbpeEstimate } from "../stats/cbpe.ts";
import type { FeatureBuckets, MonitorReference } from "./reference.ts";
import type { WindowCounts } from "./window.ts";

/** p-value under which a difference is not sampling noise. */
export const DRIFT_P_VALUE = 0.05;
/** Fewer rows than this: no drift verdict and no trusted estimate. */
export const MIN_ROWS = 100;
/** Above this out-of-sample ECE on the reference, CBPE's estimate is not to be trusted. */
export const MAX_CALIBRATED_ECE = 0.05;

export interface ColumnComparison {
  name: string;
  /** Bucket names: the values (or bin ranges), then "other" and "missing". */
  buckets: string[];
  reference: number[];
  current: number[];
  psi: number;
  chi2: ChiSquareResult | null;
  ks: KsResult | null;
  drifted: boolean;
}

export interface MonitorReport {
  rows: number;
  /** False when the window is too small for a verdict. */
  enough: boolean;
  thresholds: { psi: number; pValue: number; minRows: number; maxCalibratedEce: number };
  features: ColumnComparison[];
  drifted: string[];
  probability: ColumnComparison;
  estimate: {
    trusted: boolean;
    /** Why the estimate is not to be trusted (empty when it is). */
    reasons: string[];
    metrics: CbpeEstimate[];
    /** Real metrics of the test split (the reference) at the same threshold. */
    reference: { precision: number; recall: number; f1: number };
    threshold: number;
    calibration: { brier: number; ece: number; calibratedEce: number };
  };
  /** One line: what drifted and the estimated F1. */
  summary: string;
}

export function bucketNames(f: FeatureBuckets): string[] {
  const own = f.kind === "values" ? f.values.map(String) : f.edges.slice(0, -1).map((e, i) => `[${round(e)}, ${round(f.edges[i + 1]!)})`);
  return [...own, "other", "missing"];
}

const round = (v: number) => Number(v.toPrecision(4));

function compare(name: string, buckets: string[], reference: ArrayLike<number>, current: ArrayLike<number>, ordered: number, enough: boolean): ColumnComparison {
  const refTotal = Array.from(reference).reduce((s, v) => s + v, 0);
  const curTotal = Array.from(current).reduce((s, v) => s + v, 0);
  const out: ColumnComparison = { name, buckets, reference: Array.from(reference), current: Array.from(current), psi: NaN, chi2: null, ks: null, drifted: false };
  if (refTotal === 0 || curTotal === 0) return out;
  out.psi = psi(reference, current);
  out.chi2 = chiSquareCounts(reference, current);
  const a = Array.from(reference).slice(0, ordered);
  const b = Array.from(current).slice(0, ordered);
  if (a.some((v) => v > 0) && b.some((v) => v > 0)) out.ks = ksTwoSampleCounts(a, b);
  out.drifted = enough && out.psi >= PSI_DRIFT_THRESHOLD && out.chi2.pValue < DRIFT_P_VALUE;
  return out;
}

const fixed = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : "n/a");

export function analyzeWindow(reference: MonitorReference, window: WindowCounts): MonitorReport {
  const enough = window.rows >= MIN_ROWS;
  const features = reference.train.features.map((f, j) => {
    const names = bucketNames(f);
    return compare(f.name, names, f.counts, window.features[j]!, names.length - 2, enough);
  });
  const bins = reference.test.probability.length;
  const probNames = Array.from({ length: bins }, (_, b) => `[${round(b / bins)}, ${round((b + 1) / bins)}${b === bins - 1 ? "]" : ")"}`);
  const probability = compare("probability", probNames, reference.test.probability, window.probability, bins, enough);
  const drifted = features.filter((f) => f.drifted).map((f) => f.name);
  const metrics = cbpeEstimate(window.expected, window.rows, reference.cbpe.components);
  const reasons: string[] = [];
  if (!enough) reasons.push(`the window holds ${window.rows} rows, fewer than the ${MIN_ROWS} an estimate needs`);
  const ece = reference.cbpe.calibratedEce;
  if (!(ece <= MAX_CALIBRATED_ECE)) reasons.push(`the model's probabilities are poorly calibrated on its test split even after isotonic calibration (out-of-sample ECE ${fixed(ece)} > ${MAX_CALIBRATED_ECE})`);
  const f1 = metrics.find((m) => m.metric === "f1")!;
  const driftText = !enough
    ? `${window.rows} rows: too few for a verdict (at least ${MIN_ROWS})`
    : drifted.length
      ? `drift in ${drifted.length} of ${features.length} features (${drifted.join(", ")})${probability.drifted ? " and in the predicted probabilities" : ""}`
      : `no drift in ${features.length} features${probability.drifted ? ", but the predicted probabilities drifted" : ""}`;
  const estimateText = window.rows === 0 ? "no estimate" : `estimated F1 ${fixed(f1.value)} [${fixed(f1.lower)}, ${fixed(f1.upper)}]${reasons.length && enough ? " (not to be trusted: calibration)" : ""} against ${fixed(reference.test.metrics.f1)} on the test split`;
  return {
    rows: window.rows,
    enough,
    thresholds: { psi: PSI_DRIFT_THRESHOLD, pValue: DRIFT_P_VALUE, minRows: MIN_ROWS, maxCalibratedEce: MAX_CALIBRATED_ECE },
    features,
    drifted,
    probability,
    estimate: {
      trusted: reasons.length === 0,
      reasons,
      metrics,
      reference: reference.test.metrics,
      threshold: reference.threshold,
      calibration: { brier: reference.test.calibration.brier, ece: reference.test.calibration.ece, calibratedEce: ece },
    },
    summary: `${driftText}; ${estimateText}`,
  };
}
