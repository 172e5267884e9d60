/**
 * The KNN imputer's donor lists: per missing column of the current query row, the k best donors so
 * far sorted by (distance, fit row index), and the bound they put on the rest of the search.
 */
import type { FitIndex } from "./knn-index.ts";

/** Scratch buffers reused across query rows. */
export interface Workspace {
  sq: Float64Array;
  shared: Int32Array;
  alive: Int32Array;
  visited: Uint8Array;
  probe: Float64Array;
  /** Per column: the k best donors so far, sorted by (distance, fit row index). */
  bestD: Float64Array;
  bestI: Int32Array;
  bestV: Float64Array;
  fill: Int32Array;
}

export function newWorkspace(index: FitIndex, k: number): Workspace {
  const u = index.patternCount;
  const c = index.cols;
  return {
    sq: new Float64Array(u), shared: new Int32Array(u), alive: new Int32Array(u), visited: new Uint8Array(u),
    probe: new Float64Array(c),
    bestD: new Float64Array(c * k), bestI: new Int32Array(c * k), bestV: new Float64Array(c * k), fill: new Int32Array(c),
  };
}

/** Offers the fit rows of pattern u (distance d, value v in column c) to column c's k best. */
export function offer(index: FitIndex, work: Workspace, k: number, c: number, u: number, d: number, v: number): void {
  const { bestD, bestI, bestV } = work;
  const base = c * k;
  const last = base + k - 1;
  let n = work.fill[c]!;
  for (let p = index.offsets[u]!; p < index.offsets[u + 1]!; p++) {
    const idx = index.order[p]!;
    if (n === k && !(d < bestD[last]! || (d === bestD[last]! && idx < bestI[last]!))) break; // later rows of u are worse
    let at = base + (n < k ? n++ : k - 1);
    while (at > base && (d < bestD[at - 1]! || (d === bestD[at - 1]! && idx < bestI[at - 1]!))) {
      bestD[at] = bestD[at - 1]!; bestI[at] = bestI[at - 1]!; bestV[at] = bestV[at - 1]!;
      at--;
    }
    bestD[at] = d; bestI[at] = idx; bestV[at] = v;
  }
  work.fill[c] = n;
}

/** nan_euclidean distance (sklearn's order of operations) from sums over the shared coordinates. */
export function distance(sq: number, shared: number, cols: number): number {
  return shared === 0 ? NaN : Math.sqrt((sq / shared) * cols);
}

/**
 * Prune limit on partial sums of squares: a pattern whose partial sum exceeds it is farther than
 * the current k-th best donor of every missing column (d² >= sum · F / n_present > bound²).
 */
export function pruneLimit(work: Workspace, missing: number[], k: number, present: number, cols: number): number {
  let bound = 0;
  for (const c of missing) bound = work.fill[c]! < k ? Infinity : Math.max(bound, work.bestD[c * k + k - 1]!);
  return bound === Infinity ? Infinity : ((bound * bound * present) / cols) * (1 + 1e-9);
}
