/**
 * Histogram binning for the tree ensembles. Features here are small integers ({-1, 0, 1}, plus the
 * odd imputed fraction), so every distinct value gets its own bin (up to 255; beyond that, quantile
 * cuts). Rows are stored as Uint8 codes, column-major, and identical rows are merged into one
 * group with a per-class weight: training on groups is exactly training on the rows, only faster
 * (42 % of our copy's rows repeat an earlier row exactly: docs/pipeline.md).
 */
import type { Matrix } from "../classifier.ts";

export const MAX_BINS = 255;

export interface Bins {
  /** Per feature, ascending cut points: code b holds values in (cuts[b-1], cuts[b]]. */
  cuts: Float64Array[];
  /** Per feature, number of bins (cuts.length + 1). */
  counts: Uint16Array;
  /** Per feature, the value each bin stands for (the distinct value; the upper cut in quantile mode). */
  reps: Float64Array[];
}

export function fitBins(x: Matrix, maxBins = MAX_BINS): Bins {
  const cuts: Float64Array[] = [];
  const reps: Float64Array[] = [];
  const counts = new Uint16Array(x.cols);
  const column = new Float64Array(x.rows);
  for (let f = 0; f < x.cols; f++) {
    for (let r = 0; r < x.rows; r++) column[r] = x.values[r * x.cols + f];
    const sorted = Float64Array.from(column).sort();
    const unique: number[] = [];
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) unique.push(sorted[i]);
    let cut: number[] = [];
    if (unique.length <= maxBins) {
      for (let i = 1; i < unique.length; i++) cut.push((unique[i - 1] + unique[i]) / 2);
      reps.push(Float64Array.from(unique));
    } else {
      for (let b = 1; b < maxBins; b++) cut.push(sorted[Math.floor((b * sorted.length) / maxBins)]);
      cut = [...new Set(cut)];
      reps.push(Float64Array.from([...cut, sorted[sorted.length - 1]]));
    }
    cuts.push(Float64Array.from(cut));
    counts[f] = cut.length + 1;
  }
  return { cuts, counts, reps };
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

/** Groups of identical binned rows, with class weights. `codes[f * groups + g]`. */
export interface GroupedRows {
  groups: number;
  features: number;
  codes: Uint8Array;
  /** Group of every input row. */
  rowGroup: Int32Array;
  /** Rows of class 0 / class 1 per group. */
  count0: Float64Array;
  count1: Float64Array;
}

export function groupRows(x: Matrix, y: Uint8Array, bins: Bins): GroupedRows {
  const width = x.cols;
  const rowCodes = new Uint8Array(width);
  const keyOf = new Map<string, number>();
  const rowGroup = new Int32Array(x.rows);
  const groupCodes: number[] = [];
  const c0: number[] = [];
  const c1: number[] = [];
  for (let r = 0; r < x.rows; r++) {
    for (let f = 0; f < width; f++) rowCodes[f] = binOf(bins.cuts[f], x.values[r * width + f]);
    const key = String.fromCharCode(...rowCodes);
    let g = keyOf.get(key);
    if (g === undefined) {
      g = c0.length;
      keyOf.set(key, g);
      for (let f = 0; f < width; f++) groupCodes.push(rowCodes[f]);
      c0.push(0);
      c1.push(0);
    }
    rowGroup[r] = g;
    if (y[r] === 1) c1[g]++;
    else c0[g]++;
  }
  const groups = c0.length;
  const codes = new Uint8Array(groups * width);
  for (let g = 0; g < groups; g++) for (let f = 0; f < width; f++) codes[f * groups + g] = groupCodes[g * width + f];
  return { groups, features: width, codes, rowGroup, count0: Float64Array.from(c0), count1: Float64Array.from(c1) };
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
