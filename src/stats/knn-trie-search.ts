/**
 * Step 2 of the KNN imputer's search on small-integer data: branch and bound over the block trie
 * (see knn-trie.ts for the method).
 */
import type { FitIndex } from "./knn-index.ts";
import { distance, offer, pruneLimit, type Workspace } from "./knn-offer.ts";
import { keyOf, type Trie } from "./knn-trie.ts";

/** Most table entries cached per block (4 bytes each: 16 MB). */
const CACHE_ENTRIES = 1 << 22;

/** Packed (sq, shared) of the query's block b against each code of the block (cached). */
function tableOf(trie: Trie, b: number, row: Float64Array): Int32Array {
  const from = trie.blockStart[b]!;
  const width = trie.blockStart[b + 1]! - from;
  const columns = trie.columnOrder;
  const key = keyOf(row, 0, 1, columns, from, from + width);
  const cache = trie.cache[b]!;
  let table = cache.get(key);
  if (table) return table;
  const values = trie.codeValues[b]!;
  const n = values.length / width;
  table = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    let sq = 0;
    let shared = 0;
    for (let i = 0; i < width; i++) {
      const x = row[columns[from + i]!]!;
      const y = values[j * width + i]!;
      if (x === x && y === y) {
        sq += (x - y) * (x - y);
        shared++;
      }
    }
    table[j] = sq * trie.M + shared;
  }
  if (cache.size >= Math.max(16, Math.floor(CACHE_ENTRIES / n))) cache.clear();
  cache.set(key, table);
  return table;
}

/** Offers every donor of a query that can be among the k nearest of a missing column (step 2 of the search). */
export function scanTrie(index: FitIndex, trie: Trie, row: Float64Array, present: number[], missing: number[], k: number, work: Workspace): void {
  const { cols, patternCount: U, byColumn } = index;
  const { levelStart, nodeEntry, childStart, childEnd, leafPattern, M, flat } = trie;
  const B = levelStart.length - 1;
  for (let b = 0; b < B; b++) flat.set(tableOf(trie, b, row), trie.tableOffset[b]!);
  // Packed sums above `cap` have sq > limit: pruned.
  let cap = capOf(pruneLimit(work, missing, k, present.length, cols), M);
  const leafBase = levelStart[B - 1]!;
  const lastLevel = B - 1;
  // Depth-first below each root; roots in increasing partial sums (the nearest blocks first).
  const at = new Int32Array(B);
  const end = new Int32Array(B);
  const sums = new Float64Array(B);
  const roots = byPartial(levelStart[1]!, nodeEntry, flat, M);
  for (let r = 0; r < roots.length; r++) {
    const root = roots[r]!;
    const partial = flat[nodeEntry[root]!]!;
    if (partial > cap) break; // roots come in increasing partial sums: the rest are farther
    let level = 0;
    let g = root;
    let total = partial;
    if (B > 1) {
      level = 1;
      at[1] = childStart[root]!;
      end[1] = childEnd[root]!;
      sums[1] = partial;
    }
    while (level > 0 || g === root) {
      if (level > 0) {
        if (at[level]! >= end[level]!) { level--; continue; }
        g = at[level]!++;
        total = sums[level]! + flat[nodeEntry[g]!]!;
        if (total > cap) continue;
        if (level < lastLevel) {
          level++;
          at[level] = childStart[g]!;
          end[level] = childEnd[g]!;
          sums[level] = total;
          continue;
        }
      }
      // a leaf within the bound: its exact distance
      const u = leafPattern[g - leafBase]!;
      const sq = Math.floor(total / M);
      const shared = total - sq * M;
      if (shared > 0 && !work.visited[u]) { // shared = 0: NaN distance, never a donor
        const d = distance(sq, shared, cols);
        for (const c of missing) {
          const v = byColumn[c * U + u]!;
          if (v === v) offer(index, work, k, c, u, d, v);
        }
        cap = capOf(pruneLimit(work, missing, k, present.length, cols), M);
      }
      if (level === 0) break;
    }
  }
}

/** Packed sums above the cap have sq > limit (sq is an integer, shared < M). */
function capOf(limit: number, M: number): number {
  return limit === Infinity ? Infinity : (Math.floor(limit) + 1) * M - 1;
}

/** Roots 0 .. n - 1 by increasing partial sum flat[entry[i]] (then index): a counting sort on sq. */
function byPartial(n: number, entry: Int32Array, flat: Int32Array, M: number): Int32Array {
  let top = 0;
  for (let i = 0; i < n; i++) top = Math.max(top, flat[entry[i]!]!);
  const buckets = Math.floor(top / M) + 2;
  const out = new Int32Array(n);
  if (buckets > 4 * n + 64) {
    const keys = Float64Array.from({ length: n }, (_, i) => flat[entry[i]!]! * n + i).sort();
    for (let i = 0; i < n; i++) out[i] = keys[i]! % n;
    return out;
  }
  const start = new Int32Array(buckets);
  for (let i = 0; i < n; i++) start[Math.floor(flat[entry[i]!]! / M) + 1]++;
  for (let b = 1; b < buckets; b++) start[b] += start[b - 1]!;
  for (let i = 0; i < n; i++) out[start[Math.floor(flat[entry[i]!]! / M)]!++] = i;
  return out;
}
