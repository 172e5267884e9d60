/**
 * What the service scored, in bounded memory: a rolling window of the last `capacity` rows kept
 * as counts only. The window is a ring of `slots` buckets of `capacity / slots` rows each; every
 * bucket holds, per feature, one count per reference bucket (value or bin, other, missing), the
 * histogram of P(positive) and CBPE's expected-confusion sums (calibrated probabilities split by
 * the model's decision). When the newest bucket is full the oldest one is cleared and reused, so
 * the window covers the last `capacity − capacity/slots` to `capacity` rows and its memory is
 * slots × (Σ buckets per feature + probability bins + 5) numbers, whatever the traffic
 * (docs/monitoring.md gives the numbers for the phishing schema).
 *
 * A window belongs to one model (its reference, calibrator and threshold): the service starts a
 * new one when it swaps models. Rows are recorded with the model's own threshold, also when a
 * request asked for another (`?threshold=`): the estimate is of the model as deployed.
 */
import type { Frame } from "../data/frame.ts";
import { NetsecError } from "../errors.ts";
import { applyIsotonic, uniformBin } from "../stats/calibration.ts";
import type { ExpectedConfusion } from "../stats/cbpe.ts";
import { bucketCount, bucketOf, PROBABILITY_BINS, type MonitorReference } from "./reference.ts";

export const DEFAULT_WINDOW_ROWS = 10_000;
export const DEFAULT_WINDOW_SLOTS = 10;

export interface WindowOptions {
  /** Rows the window covers at most (default 10 000). */
  capacity?: number;
  /** Buckets of the ring (default 10): the window drops rows a bucket at a time. */
  slots?: number;
}

/** The counts of a stretch of scored rows (a bucket, or a whole window summed). */
export interface WindowCounts {
  rows: number;
  /** Per feature (reference order), counts per bucket. */
  features: Float64Array[];
  /** Counts of P(positive) per probability bin. */
  probability: Float64Array;
  /** Σ calibrated probabilities by decision (CBPE). */
  expected: ExpectedConfusion;
  /** Rows decided positive at the model's threshold. */
  predictedPositive: number;
}

function emptyCounts(reference: MonitorReference): WindowCounts {
  return {
    rows: 0,
    features: reference.train.features.map((f) => new Float64Array(bucketCount(f))),
    probability: new Float64Array(PROBABILITY_BINS),
    expected: { tp: 0, fp: 0, fn: 0, tn: 0 },
    predictedPositive: 0,
  };
}

function clear(c: WindowCounts): void {
  c.rows = 0;
  for (const f of c.features) f.fill(0);
  c.probability.fill(0);
  c.expected = { tp: 0, fp: 0, fn: 0, tn: 0 };
  c.predictedPositive = 0;
}

/**
 * Per feature, the bucket of each small integer value (-128…127) precomputed, so a row costs one
 * array read per feature (other values go through `bucketOf`).
 */
export class Bucketer {
  readonly #tables: Int16Array[];
  constructor(readonly reference: MonitorReference) {
    this.#tables = reference.train.features.map((f) => Int16Array.from({ length: 256 }, (_, k) => bucketOf(f, k - 128)));
  }
  bucket(j: number, v: number): number {
    return (v | 0) === v && v >= -128 && v <= 127 ? this.#tables[j]![v + 128]! : bucketOf(this.reference.train.features[j]!, v);
  }
}

/** Add `weight` copies of the row at `values[offset + index[j]]` (features in reference order) with P(positive) `probability`. */
function addRow(c: WindowCounts, bucketer: Bucketer, values: ArrayLike<number>, offset: number, index: readonly number[], probability: number, weight: number): void {
  const reference = bucketer.reference;
  for (let j = 0; j < index.length; j++) c.features[j]![bucketer.bucket(j, values[offset + index[j]!]!)] += weight;
  c.probability[uniformBin(probability, PROBABILITY_BINS)] += weight;
  const calibrated = applyIsotonic(reference.cbpe.calibrator, probability);
  if (probability >= reference.threshold) {
    c.expected.tp += weight * calibrated;
    c.expected.fp += weight * (1 - calibrated);
    c.predictedPositive += weight;
  } else {
    c.expected.fn += weight * calibrated;
    c.expected.tn += weight * (1 - calibrated);
  }
  c.rows += weight;
}

export class RollingWindow {
  readonly capacity: number;
  readonly slots: number;
  readonly reference: MonitorReference;
  /** Rows recorded since the window started (including the ones it has dropped). */
  seen = 0;
  readonly startedAt = new Date().toISOString();
  #ring: WindowCounts[];
  #head = 0;
  #perSlot: number;
  #bucketer: Bucketer;

  constructor(reference: MonitorReference, options: WindowOptions = {}) {
    this.reference = reference;
    this.slots = Math.max(1, Math.floor(options.slots ?? DEFAULT_WINDOW_SLOTS));
    this.#perSlot = Math.max(1, Math.ceil((options.capacity ?? DEFAULT_WINDOW_ROWS) / this.slots));
    this.capacity = this.#perSlot * this.slots;
    this.#ring = Array.from({ length: this.slots }, () => emptyCounts(reference));
    this.#bucketer = new Bucketer(reference);
  }

  /**
   * Record the rows of a scored frame: `probability[group[r]]` is row r's P(positive) (the
   * service scores each distinct row once; `group` maps rows to them; omit it for one per row).
   * Rows that share a distinct row are counted together (weight = how many), spread over the
   * ring's buckets so that each holds at most its share of rows. A request of more rows than the
   * window holds only has its last `capacity` rows counted (the earlier ones would leave the
   * window within the same call): the cost per request is bounded too.
   */
  record(frame: Frame, probability: ArrayLike<number>, group?: ArrayLike<number>): void {
    const index = this.reference.train.features.map((f) => frame.columns.indexOf(f.name));
    if (index.some((i) => i < 0)) return; // a frame without the features is not what the model scored
    const stride = frame.columns.length;
    const start = Math.max(0, frame.rows - this.capacity);
    this.seen += start;
    if (!group) {
      for (let r = start; r < frame.rows; r++) this.#add(frame.values, r * stride, index, probability[r]!, 1);
      return;
    }
    const weight = new Uint32Array(probability.length);
    const first = new Int32Array(probability.length).fill(-1);
    for (let r = start; r < frame.rows; r++) {
      const g = group[r]!;
      if (weight[g]++ === 0) first[g] = r;
    }
    for (let g = 0; g < weight.length; g++) if (weight[g]! > 0) this.#add(frame.values, first[g]! * stride, index, probability[g]!, weight[g]!);
  }

  #add(values: ArrayLike<number>, offset: number, index: readonly number[], probability: number, weight: number): void {
    let left = weight;
    while (left > 0) {
      let bucket = this.#ring[this.#head]!;
      if (bucket.rows >= this.#perSlot) {
        this.#head = (this.#head + 1) % this.slots;
        bucket = this.#ring[this.#head]!;
        clear(bucket);
      }
      const n = Math.min(left, this.#perSlot - bucket.rows);
      addRow(bucket, this.#bucketer, values, offset, index, probability, n);
      left -= n;
    }
    this.seen += weight;
  }

  /** The window's counts: the sum of the ring's buckets (a fresh object). */
  counts(): WindowCounts {
    const sum = emptyCounts(this.reference);
    for (const b of this.#ring) {
      sum.rows += b.rows;
      b.features.forEach((f, j) => f.forEach((v, k) => (sum.features[j]![k] += v)));
      b.probability.forEach((v, k) => (sum.probability[k] += v));
      sum.expected.tp += b.expected.tp;
      sum.expected.fp += b.expected.fp;
      sum.expected.fn += b.expected.fn;
      sum.expected.tn += b.expected.tn;
      sum.predictedPositive += b.predictedPositive;
    }
    return sum;
  }

  /** Numbers the window holds (its memory in 8-byte numbers), independent of the rows recorded. */
  get footprint(): number {
    const perBucket = this.reference.train.features.reduce((s, f) => s + bucketCount(f), 0) + PROBABILITY_BINS + 6;
    return perBucket * this.slots;
  }
}

/** The counts of a whole batch at once (`netsec monitor` on a file: every row, no ring). */
export function countRows(reference: MonitorReference, frame: Frame, probability: ArrayLike<number>, source = "the input"): WindowCounts {
  const c = emptyCounts(reference);
  const index = reference.train.features.map((f) => frame.columns.indexOf(f.name));
  const absent = reference.train.features.filter((_, j) => index[j]! < 0).map((f) => f.name);
  if (absent.length) throw new NetsecError("DATA_INVALID", `${source} has no column${absent.length > 1 ? "s" : ""} ${absent.join(", ")} (expected the model's ${index.length} feature columns)`, { location: { file: source, column: absent[0] } });
  const stride = frame.columns.length;
  const bucketer = new Bucketer(reference);
  for (let r = 0; r < frame.rows; r++) addRow(c, bucketer, frame.values, r * stride, index, probability[r]!, 1);
  return c;
}
