/**
 * The nearest-neighbour search behind `KnnImputer`: fit rows grouped into distinct rows
 * ("patterns", NaN equal to NaN), queried without scanning them all when possible.
 *
 * For a query row q with missing columns M (donors sorted by distance, then fit row index):
 * 1. Distance 0 by look-up. A pattern is at distance 0 iff it equals q on every coordinate
 *    present in both. For each NaN mask M' shared by many patterns, every completion of the
 *    coordinates in M \ M' (from the values the column takes in fit) is looked up in a hash of
 *    the patterns (Zobrist hashing: a probe costs O(|M'| + |M|), not O(F)). Patterns whose NaN
 *    mask is rare are few and simply measured.
 * 2. When every missing column then has k donors at distance 0, that is the answer. Otherwise
 *    the other patterns are scanned coordinate by coordinate (column-major), dropping a pattern
 *    as soon as its partial sum proves it farther than the current k-th best
 *    (d² >= partial · F / n_present); survivors get their exact distance.
 * Small-integer data (every value NaN or an integer in [-127, 127], e.g. the phishing features)
 * skips both steps: one branch-and-bound search over a trie of column blocks (knn-trie.ts), whose
 * cost does not grow with every donor.
 * This file: the index (built once per fit). The search is in knn-search.ts.
 * Cost: fit O(N·F); a query O(G·L + R·F) (G frequent NaN masks, L completions, R patterns with a
 * rare mask) when step 1 suffices, O(U·F) (U distinct fit rows) in the worst case.
 */
import { cell, PatternTable, sameValue } from "./knn-hash.ts";
import { buildTrie, type Trie } from "./knn-trie.ts";

/** Fit rows grouped by distinct rows. */
export interface FitIndex {
  rows: number;
  cols: number;
  patternCount: number;
  /** Distinct rows, column-major: value of column c in pattern u at c * patternCount + u. */
  byColumn: Float64Array;
  /** Patterns by Zobrist hash. */
  table: PatternTable;
  /** Rows of pattern u: order[offsets[u] .. offsets[u+1]), ascending. */
  offsets: Int32Array;
  order: Int32Array;
  /** NaN for a column missing in every fit row. */
  columnMeans: Float64Array;
  /** Distinct present values of each column, or null when there are more than MAX_LEVELS. */
  levels: Array<number[] | null>;
  /** NaN masks shared by at least MIN_GROUP patterns (membership per column), or null if too many. */
  probeMasks: Uint8Array[] | null;
  /** Patterns whose NaN mask is rare: measured directly. */
  rarePatterns: Int32Array;
  /** Their values, row-major (rarePatterns.length × cols): measured one row at a time. */
  rareValues: Float64Array;
  /** Block trie over the patterns when every value is a small integer (see knn-trie.ts), else null. */
  trie: Trie | null;
}

const MAX_LEVELS = 16;
const MAX_MASKS = 256;
const MIN_GROUP = 32;

/** Groups the rows (values read through `valueAt(row * cols + col)`). */
export function buildIndex(rows: number, cols: number, valueAt: (i: number) => number): FitIndex {
  const patternOf = new Int32Array(rows);
  const table = new PatternTable(1024);
  const firstRow: number[] = [];
  const sums = new Float64Array(cols);
  const counts = new Float64Array(cols);
  let r = 0;
  const sameAsRow = (u: number) => {
    const first = firstRow[u]!;
    let c = 0;
    while (c < cols && sameValue(valueAt(first * cols + c), valueAt(r * cols + c))) c++;
    return c === cols;
  };
  for (r = 0; r < rows; r++) {
    let h1 = 0;
    let h2 = 0;
    for (let c = 0; c < cols; c++) {
      const v = valueAt(r * cols + c);
      h1 ^= cell(c, v, 0);
      h2 ^= cell(c, v, 1);
      if (v !== v) continue;
      sums[c] += v;
      counts[c]++;
    }
    let u = table.find(h1, h2, sameAsRow);
    if (u < 0) {
      u = firstRow.length;
      firstRow.push(r);
      table.insert(h1, h2, u);
    }
    patternOf[r] = u;
  }
  const U = firstRow.length;
  const byColumn = new Float64Array(U * cols);
  const levelSets: Array<Set<number> | null> = Array.from({ length: cols }, () => new Set<number>());
  const maskOf: string[] = [];
  const maskCount = new Map<string, number>();
  firstRow.forEach((r, u) => {
    let mask = "";
    for (let c = 0; c < cols; c++) {
      const v = valueAt(r * cols + c);
      byColumn[c * U + u] = v;
      if (v !== v) {
        mask += `${c},`;
        continue;
      }
      const set = levelSets[c];
      if (set && !set.has(v)) {
        set.add(v === 0 ? 0 : v);
        if (set.size > MAX_LEVELS) levelSets[c] = null;
      }
    }
    maskOf.push(mask);
    maskCount.set(mask, (maskCount.get(mask) ?? 0) + 1);
  });
  const frequent = [...maskCount].filter(([, n]) => n >= MIN_GROUP).map(([mask]) => mask);
  const rare: number[] = [];
  maskOf.forEach((mask, u) => { if ((maskCount.get(mask) ?? 0) < MIN_GROUP) rare.push(u); });
  const probeMasks = frequent.length > MAX_MASKS ? null : frequent.map((mask) => {
    const inMask = new Uint8Array(cols);
    for (const c of mask.split(",").filter((s) => s !== "")) inMask[Number(c)] = 1;
    return inMask;
  });
  const offsets = new Int32Array(U + 1);
  for (let r = 0; r < rows; r++) offsets[patternOf[r]! + 1]++;
  for (let u = 0; u < U; u++) offsets[u + 1] += offsets[u]!;
  const cursor = offsets.slice(0, U);
  const order = new Int32Array(rows);
  for (let r = 0; r < rows; r++) order[cursor[patternOf[r]!]!++] = r;
  const columnMeans = new Float64Array(cols);
  for (let c = 0; c < cols; c++) columnMeans[c] = counts[c] === 0 ? NaN : sums[c]! / counts[c]!;
  const index: FitIndex = {
    rows, cols, patternCount: U, byColumn, table, offsets, order, columnMeans,
    levels: levelSets.map((set) => (set ? [...set].sort((a, b) => a - b) : null)),
    probeMasks, rarePatterns: Int32Array.from(rare), rareValues: rowMajor(byColumn, U, cols, rare),
    trie: null,
  };
  index.trie = buildTrie(byColumn, U, cols);
  return index;
}

function rowMajor(byColumn: Float64Array, U: number, cols: number, patterns: number[]): Float64Array {
  const out = new Float64Array(patterns.length * cols);
  patterns.forEach((u, i) => {
    for (let c = 0; c < cols; c++) out[i * cols + c] = byColumn[c * U + u]!;
  });
  return out;
}
