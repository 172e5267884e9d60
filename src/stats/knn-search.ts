/**
 * The KNN imputer's search: the k nearest donors of a query row, per missing column, over a
 * `FitIndex` (see knn-index.ts for the method): distance-0 look-ups, then a pruned scan.
 */
import { cell, sameValue } from "./knn-hash.ts";
import type { FitIndex } from "./knn-index.ts";
import { distance, offer, pruneLimit, type Workspace } from "./knn-offer.ts";
import { scanTrie } from "./knn-trie-search.ts";

export { newWorkspace, type Workspace } from "./knn-offer.ts";

const MAX_COMPLETIONS = 256;
const SEED = 256;

/** Offers pattern u, whose values are values[at .. at + cols), at its exact distance (unless pruned). */
function offerMeasured(index: FitIndex, row: Float64Array, present: number[], missing: number[], k: number, work: Workspace, u: number, values: Float64Array, at: number, limit: number): void {
  let sq = 0;
  let shared = 0;
  for (const c of present) {
    const y = values[at + c]!;
    if (y === y) {
      const diff = row[c]! - y;
      sq += diff * diff;
      shared++;
      if (sq > limit) return;
    }
  }
  if (shared === 0) return; // NaN distance: never a donor
  const d = distance(sq, shared, index.cols);
  for (const c of missing) {
    const v = values[at + c]!;
    if (v === v) offer(index, work, k, c, u, d, v);
  }
}

/** Step 1: offers every pattern at distance 0 (and the rare-mask patterns); false if not exhaustive. */
function offerExactMatches(index: FitIndex, row: Float64Array, present: number[], missing: number[], k: number, work: Workspace, visited: number[]): boolean {
  const { cols, levels } = index;
  if (!index.probeMasks) return false;
  let base1 = 0;
  let base2 = 0;
  for (let c = 0; c < cols; c++) { base1 ^= cell(c, row[c]!, 0); base2 ^= cell(c, row[c]!, 1); }
  let exhaustive = true;
  const probe = work.probe;
  const { patternCount: U, byColumn } = index;
  const sameAsProbe = (u: number) => {
    let c = 0;
    while (c < cols && sameValue(byColumn[c * U + u]!, probe[c]!)) c++;
    return c === cols;
  };
  for (const inMask of index.probeMasks) {
    let shared = 0;
    for (const c of present) if (!inMask[c]) shared++;
    if (shared === 0) continue; // no shared coordinate: NaN distance
    let h1 = base1;
    let h2 = base2;
    probe.set(row);
    for (const c of present) {
      if (!inMask[c]) continue;
      h1 ^= cell(c, row[c]!, 0) ^ cell(c, NaN, 0);
      h2 ^= cell(c, row[c]!, 1) ^ cell(c, NaN, 1);
      probe[c] = NaN;
    }
    const free = missing.filter((c) => !inMask[c]); // query missing, pattern present: enumerate
    let completions = 1;
    for (const c of free) {
      completions *= levels[c]?.length ?? Infinity;
      h1 ^= cell(c, NaN, 0);
      h2 ^= cell(c, NaN, 1);
    }
    if (completions > MAX_COMPLETIONS) { exhaustive = false; continue; }
    for (let t = 0; t < completions; t++) {
      let rest = t;
      let p1 = h1;
      let p2 = h2;
      for (const c of free) {
        const lv = levels[c]!;
        const v = lv[rest % lv.length]!;
        rest = Math.floor(rest / lv.length);
        probe[c] = v;
        p1 ^= cell(c, v, 0);
        p2 ^= cell(c, v, 1);
      }
      const u = index.table.find(p1, p2, sameAsProbe);
      if (u < 0 || work.visited[u]) continue;
      work.visited[u] = 1;
      visited.push(u);
      for (const c of free) offer(index, work, k, c, u, 0, probe[c]!);
    }
  }
  const limit = pruneLimit(work, missing, k, present.length, cols);
  index.rarePatterns.forEach((u, i) => {
    work.visited[u] = 1;
    visited.push(u);
    offerMeasured(index, row, present, missing, k, work, u, index.rareValues, i * cols, limit);
  });
  return exhaustive;
}

/** Step 2: column-wise scan of the patterns not visited yet, pruned by the current k-th best distances. */
function offerScanned(index: FitIndex, row: Float64Array, present: number[], missing: number[], k: number, work: Workspace): void {
  const { cols, patternCount: U, byColumn } = index;
  const { sq, shared, alive } = work;
  let limit = pruneLimit(work, missing, k, present.length, cols);
  let n = 0;
  let seeded = 0; // without a bound yet, measure the first SEED patterns to get one
  for (let u = 0; u < U; u++) {
    if (work.visited[u]) continue;
    if (limit === Infinity && seeded < SEED) {
      seeded++;
      let s = 0;
      let m = 0;
      for (const c of present) {
        const y = byColumn[c * U + u]!;
        if (y === y) { s += (row[c]! - y) * (row[c]! - y); m++; }
      }
      const d = distance(s, m, cols);
      if (d === d) for (const c of missing) {
        const v = byColumn[c * U + u]!;
        if (v === v) offer(index, work, k, c, u, d, v);
      }
      if (seeded === SEED) limit = pruneLimit(work, missing, k, present.length, cols);
      continue;
    }
    alive[n++] = u;
    sq[u] = 0;
    shared[u] = 0;
  }
  for (const c of present) {
    const x = row[c]!;
    const base = c * U;
    let w = 0;
    for (let i = 0; i < n; i++) {
      const u = alive[i]!;
      const y = byColumn[base + u]!;
      if (y === y) {
        const diff = x - y;
        sq[u] += diff * diff;
        shared[u]++;
      }
      if (sq[u]! <= limit) alive[w++] = u; // d² >= sq · F / n_present > bound²: never a donor
    }
    n = w;
  }
  for (let i = 0; i < n; i++) {
    const u = alive[i]!;
    const d = distance(sq[u]!, shared[u]!, cols);
    if (d !== d) continue;
    for (const c of missing) {
      const v = byColumn[c * U + u]!;
      if (v === v) offer(index, work, k, c, u, d, v);
    }
  }
}

/** The row with each missing value (of a column present in fit) imputed. */
export function imputeRow(index: FitIndex, row: Float64Array, k: number, work: Workspace): Float64Array {
  const { cols, columnMeans } = index;
  const present: number[] = [];
  const missing: number[] = [];
  for (let c = 0; c < cols; c++) {
    if (row[c] === row[c]) present.push(c);
    else if (!Number.isNaN(columnMeans[c]!)) missing.push(c);
  }
  const out = row.slice();
  if (present.length > 0 && missing.length > 0) {
    for (const c of missing) work.fill[c] = 0;
    if (index.trie) {
      scanTrie(index, index.trie, row, present, missing, k, work);
    } else {
      const visited: number[] = [];
      const exhaustive = offerExactMatches(index, row, present, missing, k, work, visited);
      const settled = exhaustive && missing.every((c) => work.fill[c] === k && work.bestD[c * k + k - 1] === 0);
      if (!settled) offerScanned(index, row, present, missing, k, work);
      for (const u of visited) work.visited[u] = 0;
    }
  }
  for (const c of missing) {
    const filled = present.length > 0 ? work.fill[c]! : 0;
    if (filled === 0) {
      out[c] = columnMeans[c]!; // no donor at a finite distance
    } else {
      let sum = 0;
      for (let i = 0; i < filled; i++) sum += work.bestV[c * k + i]!;
      out[c] = sum / filled;
    }
  }
  return out;
}
