/**
 * Exact nearest donors for small-integer data without measuring every donor: a trie over blocks of
 * columns, searched branch and bound.
 *
 * Columns, by decreasing spread, are cut into consecutive blocks of up to MAX_WIDTH columns with
 * at most MAX_CODES distinct sub-vectors (NaN included) among the distinct fit rows (five or six
 * ternary columns: five blocks for the 30 phishing features). Each
 * pattern (distinct fit row) is a tuple of block codes; the patterns sorted by that tuple form a
 * trie whose level l holds the distinct prefixes of l + 1 codes, the last level one leaf per pattern.
 *
 * For a query row, block b gets a table over its codes: the squared differences and the count of
 * coordinates present in both, packed as `sq · M + shared` (M > cols, so sums of packed values stay
 * exact and separable). A trie node's sum over its prefix blocks is a lower bound of the pattern's
 * squared distance, hence (d² = sq · F / shared ≥ sq · F / present) of its distance: a node whose
 * partial sq already exceeds the current bound (pruneLimit) is dropped with every pattern under it.
 * The first level is visited in increasing partial sums, so near donors come first and the bound
 * tightens early. Leaves get their exact distance from the same integers as the plain scan, and
 * are offered in the usual (distance, fit row) order, so the answers are identical.
 * A table costs O(codes × width); tables are cached per (block, query sub-vector), which query rows
 * repeat. At 1M rows × 30 ternary features (bench/gen-data.mjs, 104,857 donors) a query evaluates
 * ~10,500 trie nodes (~1,000 of them roots) and measures ~30 donors, instead of measuring all 104,857.
 */

const MAX_CODES = 1024;
const MAX_WIDTH = 16;

export interface Trie {
  /** Columns by decreasing spread (the partial sums grow fastest); block b: columnOrder[blockStart[b] .. blockStart[b + 1]). */
  columnOrder: Int32Array;
  blockStart: Int32Array;
  /** Per block, the values of each code's sub-vector (codes × width, NaN allowed). */
  codeValues: Float64Array[];
  /**
   * Nodes numbered level by level (level l: levelStart[l] .. levelStart[l + 1] - 1). Node g's entry
   * in the query's flat table (block offset + code), and (but the last level) its children
   * childStart[g] .. childEnd[g] - 1.
   */
  levelStart: Int32Array;
  nodeEntry: Int32Array;
  childStart: Int32Array;
  childEnd: Int32Array;
  /** Offset of block b's codes in the flat table; tableOffset[B] = all codes. */
  tableOffset: Int32Array;
  /** Last level: the pattern of each leaf (leaf g ↦ leafPattern[g - levelStart[B - 1]]). */
  leafPattern: Int32Array;
  /** Packing multiplier (> cols). */
  M: number;
  /** The current query's tables, all blocks (scratch). */
  flat: Int32Array;
  /** Per block: query sub-vector key → packed table. */
  cache: Map<string, Int32Array>[];
}

/** Exact key of a small-integer sub-vector (values in [-127, 127] or NaN): one character a value. */
export function keyOf(values: ArrayLike<number>, at: number, stride: number, columns: Int32Array, from: number, to: number): string {
  let key = "";
  for (let i = from; i < to; i++) {
    const v = values[at + columns[i]! * stride]!;
    key += String.fromCharCode(v === v ? v + 129 : 0);
  }
  return key;
}

/** The trie over U patterns (column-major values), or null when a value is not an integer in [-127, 127]. */
export function buildTrie(byColumn: Float64Array, U: number, cols: number, maxCodes = MAX_CODES): Trie | null {
  let top = 0;
  for (const v of byColumn) {
    if (v !== v) continue;
    if (!(Number.isInteger(v) && v >= -127 && v <= 127)) return null;
    top = Math.max(top, Math.abs(v));
  }
  if ((2 * top) ** 2 * MAX_WIDTH * (cols + 1) >= 2 ** 31) return null; // packed tables are Int32

  // Columns by decreasing mean squared difference between two patterns (2 × variance), then blocks
  // of consecutive columns in that order, extended while the distinct sub-vectors stay few.
  const spread = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    let n = 0, sum = 0, sum2 = 0;
    for (let u = 0; u < U; u++) {
      const v = byColumn[c * U + u]!;
      if (v === v) { n++; sum += v; sum2 += v * v; }
    }
    spread[c] = n ? sum2 / n - (sum / n) ** 2 : 0;
  }
  const order = Int32Array.from({ length: cols }, (_, c) => c).sort((a, b) => spread[b]! - spread[a]! || a - b);
  const starts = [0];
  const codesOf: Int32Array[] = [];
  const codeValues: Float64Array[] = [];
  let from = 0;
  while (from < cols) {
    let width = 1;
    let best = codify(byColumn, U, order, from, 1, Infinity);
    while (from + width < cols && width < MAX_WIDTH) {
      const wider = codify(byColumn, U, order, from, width + 1, maxCodes);
      if (!wider) break;
      best = wider;
      width++;
    }
    codesOf.push(best!.codes);
    codeValues.push(best!.values);
    from += width;
    starts.push(from);
  }
  const B = codesOf.length;
  const perm = new Int32Array(U);
  for (let u = 0; u < U; u++) perm[u] = u;
  perm.sort((a, b) => {
    for (let l = 0; l < B; l++) {
      const d = codesOf[l]![a]! - codesOf[l]![b]!;
      if (d !== 0) return d;
    }
    return 0;
  });
  // Level l: a new node where the prefix of l + 1 codes changes.
  const nodeCode: Int32Array[] = [];
  const firstLeaf: number[][] = [];
  for (let l = 0; l < B; l++) {
    const codes: number[] = [];
    const first: number[] = [];
    for (let i = 0; i < U; i++) {
      let fresh = i === 0;
      for (let m = 0; m <= l && !fresh; m++) fresh = codesOf[m]![perm[i]!] !== codesOf[m]![perm[i - 1]!];
      if (fresh) {
        codes.push(codesOf[l]![perm[i]!]!);
        first.push(i);
      }
    }
    nodeCode.push(Int32Array.from(codes));
    firstLeaf.push(first);
  }
  const levelStart = new Int32Array(B + 1);
  for (let l = 0; l < B; l++) levelStart[l + 1] = levelStart[l]! + nodeCode[l]!.length;
  const tableOffset = new Int32Array(B + 1);
  for (let b = 0; b < B; b++) tableOffset[b + 1] = tableOffset[b]! + codeValues[b]!.length / (starts[b + 1]! - starts[b]!);
  const total = levelStart[B]!;
  const nodeEntry = new Int32Array(total);
  const childStart = new Int32Array(total);
  const childEnd = new Int32Array(total);
  for (let l = 0; l < B; l++) {
    const codes = nodeCode[l]!;
    for (let i = 0; i < codes.length; i++) nodeEntry[levelStart[l]! + i] = tableOffset[l]! + codes[i]!;
    if (l + 1 === B) continue;
    // Children of node i: the level l + 1 nodes whose first leaf lies in i's leaf range.
    const parents = firstLeaf[l]!;
    const children = firstLeaf[l + 1]!;
    let j = 0;
    for (let i = 0; i < parents.length; i++) {
      while (j < children.length && children[j]! < parents[i]!) j++;
      childStart[levelStart[l]! + i] = levelStart[l + 1]! + j;
      if (i > 0) childEnd[levelStart[l]! + i - 1] = levelStart[l + 1]! + j;
    }
    childEnd[levelStart[l]! + parents.length - 1] = levelStart[l + 2]!;
  }
  return {
    columnOrder: order, blockStart: Int32Array.from(starts), codeValues, levelStart, nodeEntry, childStart, childEnd,
    tableOffset, leafPattern: perm, M: cols + 1, cache: codesOf.map(() => new Map()), flat: new Int32Array(tableOffset[B]!),
  };
}

/** Codes of the sub-vectors of columns from .. from + width - 1, or null past MAX_CODES. */
function codify(byColumn: Float64Array, U: number, order: Int32Array, from: number, width: number, maxCodes: number): { codes: Int32Array; values: Float64Array } | null {
  const ids = new Map<string, number>();
  const codes = new Int32Array(U);
  const values: number[] = [];
  for (let u = 0; u < U; u++) {
    const key = keyOf(byColumn, u, U, order, from, from + width);
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      if (id >= maxCodes) return null;
      ids.set(key, id);
      for (let i = 0; i < width; i++) values.push(byColumn[order[from + i]! * U + u]!);
    }
    codes[u] = id;
  }
  return { codes, values: Float64Array.from(values) };
}
