/**
 * Exact nearest donors for small-integer data without measuring every donor: a trie over blocks of
 * columns, searched branch and bound.
 *
 * Columns are cut into consecutive blocks of a few columns (at most MAX_CODES distinct
 * sub-vectors, NaN included, among the distinct fit rows: five or six ternary columns). Each
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
 * Tables are cached per (block, query sub-vector): query rows repeat their blocks.
 */

const MAX_CODES = 1024;
const MAX_WIDTH = 6;

export interface Trie {
  /** Columns of block b: blockCols[blockStart[b] .. blockStart[b + 1]). */
  blockStart: Int32Array;
  /** Per block, the values of each code's sub-vector (codes × width, NaN allowed). */
  codeValues: Float64Array[];
  /** Per level: node codes, and (but the last level) each node's children [childStart[i], childStart[i + 1]). */
  nodeCode: Int32Array[];
  childStart: Int32Array[];
  /** Last level: the pattern of each leaf. */
  leafPattern: Int32Array;
  /** Packing multiplier (> cols). */
  M: number;
  /** Per block: query sub-vector key → packed table. */
  cache: Map<number, Int32Array>[];
}

/** Key of a small-integer sub-vector (values in [-128, 128] or NaN). */
export function keyOf(values: ArrayLike<number>, at: number, stride: number, width: number): number {
  let key = 0;
  for (let i = 0; i < width; i++) {
    const v = values[at + i * stride]!;
    key = key * 258 + (v === v ? v + 129 : 0);
  }
  return key;
}

/** The trie over U patterns (column-major values), or null when a value is not an integer in [-127, 127]. */
export function buildTrie(byColumn: Float64Array, U: number, cols: number): Trie | null {
  for (const v of byColumn) if (v === v && !(Number.isInteger(v) && v >= -127 && v <= 127)) return null;
  // Blocks: extend while the distinct sub-vectors stay few.
  const starts = [0];
  const codesOf: Int32Array[] = [];
  const codeValues: Float64Array[] = [];
  let from = 0;
  while (from < cols) {
    let width = 1;
    let best = codify(byColumn, U, from, 1);
    while (from + width < cols && width < MAX_WIDTH) {
      const wider = codify(byColumn, U, from, width + 1);
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
  // Children of node i at level l: the level l + 1 nodes whose first leaf lies in i's leaf range.
  const childStart: Int32Array[] = [];
  for (let l = 0; l + 1 < B; l++) {
    const parents = firstLeaf[l]!;
    const children = firstLeaf[l + 1]!;
    const start = new Int32Array(parents.length + 1);
    let j = 0;
    for (let i = 0; i < parents.length; i++) {
      while (j < children.length && children[j]! < parents[i]!) j++;
      start[i] = j;
    }
    start[parents.length] = children.length;
    childStart.push(start);
  }
  return {
    blockStart: Int32Array.from(starts), codeValues, nodeCode, childStart, leafPattern: perm,
    M: cols + 1, cache: codesOf.map(() => new Map()),
  };
}

/** Codes of the sub-vectors of columns from .. from + width - 1, or null past MAX_CODES. */
function codify(byColumn: Float64Array, U: number, from: number, width: number): { codes: Int32Array; values: Float64Array } | null {
  const ids = new Map<number, number>();
  const codes = new Int32Array(U);
  const values: number[] = [];
  for (let u = 0; u < U; u++) {
    const key = keyOf(byColumn, from * U + u, U, width);
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      if (id >= MAX_CODES) return null;
      ids.set(key, id);
      for (let i = 0; i < width; i++) values.push(byColumn[(from + i) * U + u]!);
    }
    codes[u] = id;
  }
  return { codes, values: Float64Array.from(values) };
}
