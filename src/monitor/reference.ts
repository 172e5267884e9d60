/**
 * The monitoring reference a pushed model carries (`reference.json` in its model set, a few KB):
 * what its training data and its test split looked like, so served traffic can be compared with
 * them without the data itself.
 *
 *   - per feature, the training rows' counts per bucket: one bucket per allowed value of the
 *     schema (categorical features) or per interval of 10 equal-width bins between the training
 *     minimum and maximum (other numeric features; values outside go to the first / last bin),
 *     then "other" (a value outside the allowed list) and "missing". The counts are of the
 *     features as the model saw them (after imputation): an imputed value (a mean of neighbours)
 *     counts in the bucket of the nearest allowed value;
 *   - the histogram of P(positive class) of the test split (20 equal-width bins on [0, 1]);
 *   - the model's threshold, the test split's calibration (Brier, reliability curve, ECE), the
 *     isotonic map CBPE calibrates with (fitted on the test split, as NannyML fits its calibrator
 *     on the reference), the ECE of that map measured out of sample (2-fold: fitted on one half of
 *     the test rows, measured on the other), and CBPE's sampling-error components.
 *
 * Pure: no IO. `parseReference` checks a file read back (plain data, never code).
 */
import { z } from "zod";
import type { Schema } from "../schema.ts";
import { NetsecError } from "../errors.ts";
import { applyIsotonic, brierScore, expectedCalibrationError, fitIsotonic, reliabilityCurve, uniformBin, type IsotonicMap, type ReliabilityCurve } from "../stats/calibration.ts";
import { confusionScores, samplingComponents, type SamplingComponents } from "../stats/cbpe.ts";

export const REFERENCE_FORMAT = "netsec-monitor-reference";
export const REFERENCE_FORMAT_VERSION = 1;
/** Bins of the probability histogram (equal width on [0, 1]). */
export const PROBABILITY_BINS = 20;
/** Bins of the reliability curve and of ECE. */
export const CALIBRATION_BINS = 10;
/** Equal-width bins of a numeric feature without an allowed-value list. */
export const NUMERIC_BINS = 10;

/** How one feature's values are bucketed: counts have `buckets(f)` = values/bins + other + missing entries. */
export type FeatureBuckets =
  | { name: string; kind: "values"; values: number[] }
  | { name: string; kind: "bins"; edges: number[] };

export interface CalibrationSummary {
  rows: number;
  brier: number;
  ece: number;
  curve: ReliabilityCurve;
}

export interface MonitorReference {
  format: typeof REFERENCE_FORMAT;
  formatVersion: number;
  /** Label of the positive class (e.g. "phishing"). */
  positive: string;
  threshold: number;
  train: { rows: number; features: (FeatureBuckets & { counts: number[] })[] };
  test: {
    rows: number;
    /** Counts of P(positive) per bin (PROBABILITY_BINS). */
    probability: number[];
    calibration: CalibrationSummary;
    /** The real precision / recall / F1 of the test split at the threshold. */
    metrics: { precision: number; recall: number; f1: number };
  };
  cbpe: {
    calibrator: IsotonicMap;
    /** ECE of the calibrated probabilities, 2-fold out of sample on the test split. */
    calibratedEce: number;
    components: SamplingComponents;
  };
}

/** Number of counts a feature keeps: one per value / bin, then "other", then "missing". */
export function bucketCount(f: FeatureBuckets): number {
  return (f.kind === "values" ? f.values.length : f.edges.length - 1) + 2;
}

/** Bucket of `value` (NaN → missing; a whole number not in the list or a value outside its range → other; a fraction within the range → the nearest listed value). */
export function bucketOf(f: FeatureBuckets, value: number): number {
  const n = bucketCount(f);
  if (Number.isNaN(value)) return n - 1;
  if (f.kind === "values") {
    const exact = f.values.indexOf(value);
    if (exact >= 0) return exact;
    // a whole number outside the list is a value the contract does not know; only fractions
    // (an imputed mean of neighbours) go to the nearest allowed value
    if (Number.isInteger(value)) return n - 2;
    let best = -1;
    let distance = Infinity;
    for (let i = 0; i < f.values.length; i++) {
      const d = Math.abs(f.values[i]! - value);
      if (d < distance) [best, distance] = [i, d];
    }
    // between two allowed values (an imputed mean): the nearest one; far outside: "other"
    const lo = f.values[0]!;
    const hi = f.values[f.values.length - 1]!;
    return value >= lo && value <= hi ? best : n - 2;
  }
  const e = f.edges;
  if (!Number.isFinite(value)) return n - 2;
  let b = 0;
  while (b < e.length - 2 && value >= e[b + 1]!) b++;
  return b;
}

/** The buckets of each feature: the schema's allowed values, else bins over the training range. */
export function featureBucketsOf(schema: Schema, column: (j: number) => ArrayLike<number>): FeatureBuckets[] {
  return schema.features.map((spec, j) => {
    if (spec.allowed?.length) return { name: spec.name, kind: "values", values: [...spec.allowed].sort((a, b) => a - b) };
    let lo = Infinity, hi = -Infinity;
    const values = column(j);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    }
    if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
    if (hi === lo) hi = lo + 1;
    return { name: spec.name, kind: "bins", edges: Array.from({ length: NUMERIC_BINS + 1 }, (_, i) => (i === NUMERIC_BINS ? hi : lo + (i * (hi - lo)) / NUMERIC_BINS)) };
  });
}

/** Counts of P(positive) per bin of the histogram. */
export function probabilityHistogram(prob: ArrayLike<number>, bins = PROBABILITY_BINS): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < prob.length; i++) counts[uniformBin(prob[i]!, bins)]++;
  return counts;
}

export function calibrationSummary(isPositive: ArrayLike<number>, prob: ArrayLike<number>): CalibrationSummary {
  const curve = reliabilityCurve(isPositive, prob, CALIBRATION_BINS);
  return { rows: prob.length, brier: brierScore(isPositive, prob), ece: expectedCalibrationError(curve), curve };
}

/** ECE of isotonic-calibrated probabilities, 2-fold: fitted on even rows, measured on odd rows, and back. */
export function crossFittedEce(isPositive: ArrayLike<number>, prob: ArrayLike<number>): number {
  const halves = [0, 1].map((h) => Array.from({ length: prob.length }, (_, i) => i).filter((i) => i % 2 === h));
  if (halves[1]!.length === 0) return NaN;
  let weighted = 0;
  for (const [fitOn, measureOn] of [[halves[0]!, halves[1]!], [halves[1]!, halves[0]!]] as const) {
    const map = fitIsotonic(fitOn.map((i) => isPositive[i]!), fitOn.map((i) => prob[i]!));
    const curve = reliabilityCurve(measureOn.map((i) => isPositive[i]!), measureOn.map((i) => applyIsotonic(map, prob[i]!)), CALIBRATION_BINS);
    weighted += expectedCalibrationError(curve) * measureOn.length;
  }
  return weighted / prob.length;
}

export interface ReferenceInput {
  schema: Schema;
  /** The training features as the model saw them: row r, feature j at `values[r * stride + j]`. */
  train: { values: ArrayLike<number>; rows: number; stride: number };
  /** Test split: 1 when the row is of the positive class. */
  testIsPositive: ArrayLike<number>;
  /** Test split: P(positive class). */
  testProbability: ArrayLike<number>;
  threshold: number;
}

export function buildReference(input: ReferenceInput): MonitorReference {
  const { schema, train, threshold } = input;
  const column = (j: number) => {
    const out = new Float64Array(train.rows);
    for (let r = 0; r < train.rows; r++) out[r] = train.values[r * train.stride + j]!;
    return out;
  };
  const buckets = featureBucketsOf(schema, column);
  const features = buckets.map((f, j) => {
    const counts = new Array<number>(bucketCount(f)).fill(0);
    const values = column(j);
    for (let r = 0; r < values.length; r++) counts[bucketOf(f, values[r]!)]++;
    return { ...f, counts };
  });
  const y = input.testIsPositive;
  const p = input.testProbability;
  const decided = Array.from(p, (v) => (v >= threshold ? 1 : 0));
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < decided.length; i++) {
    if (decided[i] && y[i]) tp++;
    else if (decided[i]) fp++;
    else if (y[i]) fn++;
  }
  const scores = confusionScores({ tp, fp, fn, tn: decided.length - tp - fp - fn });
  const zeroIfNaN = (v: number) => (Number.isNaN(v) ? 0 : v);
  return {
    format: REFERENCE_FORMAT,
    formatVersion: REFERENCE_FORMAT_VERSION,
    positive: schema.labelOf(schema.target.positive),
    threshold,
    train: { rows: train.rows, features },
    test: {
      rows: p.length,
      probability: probabilityHistogram(p),
      calibration: calibrationSummary(y, p),
      metrics: { precision: zeroIfNaN(scores.precision), recall: zeroIfNaN(scores.recall), f1: zeroIfNaN(scores.f1) },
    },
    cbpe: { calibrator: fitIsotonic(y, p), calibratedEce: crossFittedEce(y, p), components: samplingComponents(y, decided) },
  };
}

const counts = z.array(z.number().int().min(0));
const finite = z.number().finite();
/** NaN is written as null by JSON.stringify: read it back as NaN. */
const numberOrNaN = z.number().nullable().transform((v) => v ?? NaN);
const component = z.object({ std: numberOrNaN, fraction: z.number().min(0).max(1) });
const referenceJson = z.object({
  format: z.literal(REFERENCE_FORMAT),
  formatVersion: z.literal(REFERENCE_FORMAT_VERSION),
  positive: z.string(),
  threshold: z.number().min(0).max(1),
  train: z.object({
    rows: z.number().int().min(0),
    features: z.array(z.union([
      z.object({ name: z.string(), kind: z.literal("values"), values: z.array(finite).min(1), counts }),
      z.object({ name: z.string(), kind: z.literal("bins"), edges: z.array(finite).min(2), counts }),
    ])),
  }),
  test: z.object({
    rows: z.number().int().min(1),
    probability: counts.length(PROBABILITY_BINS),
    calibration: z.object({
      rows: z.number().int(),
      brier: finite,
      ece: finite,
      curve: z.object({ bins: z.number().int().min(1), observed: z.array(finite), predicted: z.array(finite), count: counts, bin: counts }),
    }),
    metrics: z.object({ precision: finite, recall: finite, f1: finite }),
  }),
  cbpe: z.object({
    calibrator: z.object({ x: z.array(finite), y: z.array(z.number().min(0).max(1)) }),
    calibratedEce: numberOrNaN,
    components: z.object({ precision: component, recall: component, f1: component }),
  }),
});

/** Check a reference read back from `file` (against the model's features, when given). */
export function parseReference(value: unknown, file: string, features?: readonly string[]): MonitorReference {
  const parsed = referenceJson.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new NetsecError("MODEL_INVALID", `${file}: not a monitoring reference of this netsec (${issue.path.join(".") || "top level"}: ${issue.message})`, { location: { file } });
  }
  const ref = parsed.data as MonitorReference;
  const names = ref.train.features.map((f) => f.name);
  if (features && (names.length !== features.length || names.some((n, i) => n !== features[i]))) {
    throw new NetsecError("MODEL_INVALID", `${file}: its features are not the model's ${features.length} features in order`, { location: { file } });
  }
  for (const f of ref.train.features) {
    if (f.counts.length !== bucketCount(f)) throw new NetsecError("MODEL_INVALID", `${file}: feature ${f.name} has ${f.counts.length} counts, expected ${bucketCount(f)}`, { location: { file } });
  }
  if (ref.cbpe.calibrator.x.length !== ref.cbpe.calibrator.y.length) throw new NetsecError("MODEL_INVALID", `${file}: the calibrator has ${ref.cbpe.calibrator.x.length} x and ${ref.cbpe.calibrator.y.length} y values`, { location: { file } });
  return ref;
}
