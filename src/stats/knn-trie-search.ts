/**
 * Step 2 of the KNN imputer's search on small-integer data: branch and bound over the block trie
 * (see knn-trie.ts for the method).
 */
import type { FitIndex } from "./knn-index.ts";
import { distance, offer, pruneLimit, type Workspace } from "./knn-offer.ts";
import { keyOf, type Trie } from "./knn-trie.ts";

const CACHE_LIMIT = 4096;

/** Packed (sq, shared) of the query's block b against each code of the block (cached). */
function tableOf(trie: Trie, b: number, row: Float64Array): Int32Array {
  const from = trie.blockStart[b]!;
  const width = trie.blockStart[b + 1]! - from;
  const key = keyOf(row, from, 1, width);
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
      const x = row[from + i]!;
      const y = values[j * width + i]!;
      if (x === x && y === y) {
        sq += (x - y) * (x - y);
        shared++;
      }
    }
    table[j] = sq * trie.M + shared;
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, table);
  return table;
}

/** Offers every donor of a query that can be among the k nearest of a missing column (step 2 of the search). */
export function scanTrie(index: FitIndex, trie: Trie, row: Float64Array, present: number[], missing: number[], k: number, work: Workspace): void {
  const { cols, patternCount: U, byColumn } = index;
  const B = trie.blockStart.length - 1;
  const M = trie.M;
  const tables: Int32Array[] = [];
  for (let b = 0; b < B; b++) tables.push(tableOf(trie, b, row));
  // Packed sums above `cap` have sq > limit: pruned.
  let cap = Infinity;
  const tighten = () => {
    const limit = pruneLimit(work, missing, k, present.length, cols);
    cap = limit === Infinity ? Infinity : (Math.floor(limit) + 1) * M - 1;
  };
  tighten();
  const leafPattern = trie.leafPattern;
  const last = B - 1;
  const visit = (level: number, start: number, end: number, sum: number): void => {
    const table = tables[level]!;
    const codes = trie.nodeCode[level]!;
    if (level === last) {
      for (let i = start; i < end; i++) {
        const total = sum + table[codes[i]!]!;
        if (total > cap) continue;
        const u = leafPattern[i]!;
        if (work.visited[u]) continue;
        const sq = Math.floor(total / M);
        const shared = total - sq * M;
        if (shared === 0) continue; // no shared coordinate: NaN distance, never a donor
        const d = distance(sq, shared, cols);
        for (const c of missing) {
          const v = byColumn[c * U + u]!;
          if (v === v) offer(index, work, k, c, u, d, v);
        }
        tighten();
      }
      return;
    }
    const children = trie.childStart[level]!;
    for (let i = start; i < end; i++) {
      const partial = sum + table[codes[i]!]!;
      if (partial > cap) continue;
      visit(level + 1, children[i]!, children[i + 1]!, partial);
    }
  };
  // First level in increasing partial sums: the nearest blocks first.
  const roots = trie.nodeCode[0]!;
  const t0 = tables[0]!;
  const order = Array.from({ length: roots.length }, (_, i) => i).sort((a, b) => t0[roots[a]!]! - t0[roots[b]!]! || a - b);
  const children = B > 1 ? trie.childStart[0]! : null;
  for (const i of order) {
    const partial = t0[roots[i]!]!;
    if (partial > cap) continue;
    if (children) visit(1, children[i]!, children[i + 1]!, partial);
    else visit(0, i, i + 1, 0);
  }
}
