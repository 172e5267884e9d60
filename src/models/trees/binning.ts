/**
 * Histogram binning for the tree ensembles. Features here are small integers ({-1, 0, 1}, plus the
 * odd imputed fraction), so every distinct value gets its own bin (up to 255; beyond that, quantile
 * cuts). Binning is linear: one pass over the rows collects each feature's few distinct values (a
 * short list per feature, a Set past 8 values); only a feature with more than 255 distinct values
 * is sorted (quantile cuts). Encoding a cell is a match against that feature's ≤ 8 values or a
 * branch-free binary search over its cut points. A feature with more distinct values gets quantile
 * cuts from a sample of the rows (QUANTILE_SAMPLE). Rows are then merged into groups (trees/grouping.ts).
 */
import type { Matrix } from "../classifier.ts";

export const MAX_BINS = 255;
/**
 * Rows a feature's quantile cuts are taken from at most: every ⌈rows / 50,000⌉-th row (LightGBM
 * bins on a sample too: 200,000 rows by default; 50,000 keeps the sort of a continuous column
 * short, and the cuts differ from the whole column's by well under a bin's share of rows).
 */
export const QUANTILE_SAMPLE = 50_000;
/** Features with at most this many distinct values are encoded by a linear match. */
const FEW = 8;

export interface Bins {
  /** Per feature, ascending cut points: code b holds values in (cuts[b-1], cuts[b]]. */
  cuts: Float64Array[];
  /** Per feature, number of bins (cuts.length + 1). */
  counts: Uint16Array;
  /** Per feature, the value each bin stands for (the distinct value; the upper cut in quantile mode). */
  reps: Float64Array[];
  /** Per feature: true when every bin is one distinct value (its code is the value's rank). */
  exact: boolean[];
}

/** Distinct values of every feature in one row-major pass; `undefined` for a feature past `maxBins`. */
function distinctValues(x: Matrix, maxBins: number): (Float64Array | undefined)[] {
  const F = x.cols;
  const v = x.values;
  const few = new Float64Array(F * FEW);
  const nFew = new Int32Array(F);
  const many: (Set<number> | undefined)[] = new Array(F).fill(undefined);
  const over = new Uint8Array(F);
  for (let base = 0; base < v.length; base += F) {
    for (let f = 0; f < F; f++) {
      const value = v[base + f];
      const n = nFew[f];
      const o = f * FEW;
      let k = 0;
      while (k < n && few[o + k] !== value) k++;
      if (k < n || over[f]) continue;
      if (n < FEW && value === value && !many[f]) {
        few[o + n] = value;
        nFew[f] = n + 1;
        continue;
      }
      const set = (many[f] ??= new Set(few.subarray(o, o + n)));
      set.add(value);
      if (set.size > maxBins) {
        over[f] = 1;
        many[f] = undefined;
      }
    }
  }
  const out: (Float64Array | undefined)[] = [];
  for (let f = 0; f < F; f++) {
    if (over[f]) out.push(undefined);
    else out.push((many[f] ? Float64Array.from(many[f]!) : few.slice(f * FEW, f * FEW + nFew[f])).sort());
  }
  return out;
}

export function fitBins(x: Matrix, maxBins = MAX_BINS): Bins {
  const cuts: Float64Array[] = [];
  const reps: Float64Array[] = [];
  const exact: boolean[] = [];
  const counts = new Uint16Array(x.cols);
  const distinct = distinctValues(x, maxBins);
  for (let f = 0; f < x.cols; f++) {
    const unique = distinct[f];
    let cut: number[] = [];
    if (unique) {
      for (let i = 1; i < unique.length; i++) cut.push((unique[i - 1] + unique[i]) / 2);
      reps.push(unique);
      exact.push(true);
    } else {
      // Quantile cuts over a systematic sample of the column, sorted (the only sort, and only for
      // such a feature); the last bin stands for the column's maximum.
      const step = Math.max(1, Math.ceil(x.rows / QUANTILE_SAMPLE));
      const sorted = new Float64Array(Math.ceil(x.rows / step));
      let max = -Infinity;
      for (let r = 0, i = 0, o = f; r < x.rows; r++, o += x.cols) {
        const value = x.values[o];
        if (value > max) max = value;
        if (r === i * step) sorted[i++] = value;
      }
      sorted.sort();
      for (let b = 1; b < maxBins; b++) cut.push(sorted[Math.floor((b * sorted.length) / maxBins)]);
      cut = [...new Set(cut)];
      reps.push(Float64Array.from([...cut, Math.max(max, cut[cut.length - 1])]));
      exact.push(false);
    }
    cuts.push(Float64Array.from(cut));
    counts[f] = cut.length + 1;
  }
  return { cuts, counts, reps, exact };
}

/** Code of `value` for feature f: how many cut points lie below it. */
export function binOf(cuts: Float64Array, value: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value > cuts[mid]) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A per-feature encoder of raw values into codes, equal to `binOf(cuts[f], value)` for every value
 * of the fitted data: a linear match against the few distinct values where a feature has ≤ 8,
 * else a binary search of fixed depth over the cuts padded to 255 with +∞ (eight steps without a
 * branch to mispredict).
 */
export function encoder(bins: Bins): (f: number, value: number) => number {
  const F = bins.counts.length;
  const few = new Float64Array(F * FEW);
  const nFew = new Int32Array(F);
  const padded = new Float64Array(F * 256).fill(Infinity);
  for (let f = 0; f < F; f++) {
    if (bins.cuts[f].length > 255) throw new RangeError(`binning: feature ${f} has ${bins.cuts[f].length + 1} bins, at most 256 fit a byte`);
    padded.set(bins.cuts[f], 256 * f);
    if (!bins.exact[f] || bins.reps[f].length > FEW) continue;
    few.set(bins.reps[f], f * FEW);
    nFew[f] = bins.reps[f].length;
  }
  return (f, value) => {
    const n = nFew[f];
    const o = f * FEW;
    for (let k = 0; k < n; k++) if (few[o + k] === value) return k;
    // i = how many cuts lie below value (NaN: none), as binOf.
    const p = 256 * f - 1;
    let i = value > padded[p + 128] ? 128 : 0;
    i += value > padded[p + i + 64] ? 64 : 0;
    i += value > padded[p + i + 32] ? 32 : 0;
    i += value > padded[p + i + 16] ? 16 : 0;
    i += value > padded[p + i + 8] ? 8 : 0;
    i += value > padded[p + i + 4] ? 4 : 0;
    i += value > padded[p + i + 2] ? 2 : 0;
    i += value > padded[p + i + 1] ? 1 : 0;
    return i;
  };
}

/**
 * The raw-value threshold between the node's non-empty bins `lo` < `hi` of feature f: the midpoint
 * of the two values, as scikit-learn's RandomForest (exact trees) places it. A value that falls in
 * an empty bin between them goes by which of the two it is nearer.
 */
export function splitThreshold(bins: Bins, f: number, lo: number, hi: number): number {
  const r = bins.reps[f];
  return (r[lo] + r[hi]) / 2;
}

/**
 * The raw-value threshold right above bin `lo` of feature f: the global cut between `lo` and the
 * next bin, as scikit-learn's HistGradientBoosting places it (bin_thresholds[lo]), whatever bins
 * the node itself holds. A value in an empty bin above `lo` goes right.
 */
export function binCutThreshold(bins: Bins, f: number, lo: number): number {
  return bins.cuts[f][lo];
}
