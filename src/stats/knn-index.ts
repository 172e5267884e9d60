/**
 * The nearest-neighbour search behind `KnnImputer`: fit rows grouped into distinct rows
 * ("patterns", NaN equal to NaN) and queried without scanning them all when possible.
 *
 * For a query row q with missing columns M:
 * 1. Exact phase. A fit row is at distance 0 from q iff it equals q on every coordinate present
 *    in both. For each distinct NaN mask M' of the fit patterns, every completion of the
 *    coordinates in M \ M' (from the values the column takes in fit) is looked up in a hash of the
 *    patterns: this finds every pattern at distance 0. When each missing column then has k donors
 *    at distance 0, those are the answer (ties: lower fit row index first) and nothing is scanned.
 * 2. Otherwise the remaining patterns are scanned coordinate by coordinate (column-major),
 *    dropping a pattern as soon as its partial sum proves it farther than the current k-th best
 *    (d² >= partial · F / n_present), then exact distances for the survivors.
 * Cost: fit O(N·F); a query costs O(G·L) hash probes (G NaN masks, L completions) when phase 1
 * suffices, O(U·F) (U distinct fit rows) in the worst case. Identical queries are answered once
 * by the caller.
 */

/** Fit rows grouped by distinct rows. */
export interface FitIndex {
  rows: number;
  cols: number;
  patternCount: number;
  /** Distinct rows, column-major: value of column c in pattern u at c * patternCount + u. */
  byColumn: Float64Array;
  /** Hash table of the patterns: first pattern per hash, then a chain. */
  hashHead: Map<number, number>;
  hashNext: Int32Array;
  /** Rows of pattern u: order[offsets[u] .. offsets[u+1]), ascending. */
  offsets: Int32Array;
  order: Int32Array;
  /** NaN for a column missing in every fit row. */
  columnMeans: Float64Array;
  /** Distinct present values of each column, or null when there are more than MAX_LEVELS. */
  levels: Array<number[] | null>;
  /** Distinct NaN masks (lists of NaN columns) of the patterns, or null when there are too many. */
  masks: number[][] | null;
}

const MAX_LEVELS = 16;
const MAX_COMPLETIONS = 256;
const MAX_MASKS = 512;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Hash of a row's values (NaN all alike, -0 as 0), 52 bits. */
export function rowHash(row: ArrayLike<number>, cols: number): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let c = 0; c < cols; c++) {
    const v = row[c]!;
    let a: number;
    let b: number;
    if (v !== v) { a = 0x7ff80000; b = 1; } else { f64[0] = v === 0 ? 0 : v; a = u32[0]!; b = u32[1]!; }
    h1 = Math.imul(h1 ^ a, 0x01000193) ^ Math.imul(b, 0x5bd1e995);
    h2 = Math.imul(h2 ^ b, 0x27d4eb2d) ^ Math.imul(a + c, 0x165667b1);
  }
  h1 ^= h1 >>> 15;
  h2 ^= h2 >>> 13;
  return (h1 >>> 0) * 0x100000 + ((h2 >>> 0) & 0xfffff);
}

function sameValue(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

/** Pattern id of a row (exact match, NaN equal to NaN) or -1. */
function findPattern(index: FitIndex, row: Float64Array): number {
  const { cols, patternCount: U, byColumn } = index;
  let u = index.hashHead.get(rowHash(row, cols)) ?? -1;
  while (u >= 0) {
    let c = 0;
    while (c < cols && sameValue(byColumn[c * U + u]!, row[c]!)) c++;
    if (c === cols) return u;
    u = index.hashNext[u]!;
  }
  return -1;
}

/** Groups the rows of `values(r, c)`; columnMeans over present values. */
export function buildIndex(rows: number, cols: number, valueAt: (i: number) => number): FitIndex {
  const patternOf = new Int32Array(rows);
  const hashHead = new Map<number, number>();
  const chain: number[] = [];
  const firstRow: number[] = [];
  const row = new Float64Array(cols);
  const sums = new Float64Array(cols);
  const counts = new Float64Array(cols);
  const levelSets: Array<Set<number> | null> = Array.from({ length: cols }, () => new Set<number>());
  const rowAt = (r: number, c: number) => valueAt(r * cols + c);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = rowAt(r, c);
      row[c] = v;
      if (v !== v) continue;
      sums[c] += v;
      counts[c]++;
      const set = levelSets[c];
      if (set && !set.has(v)) {
        set.add(v === 0 ? 0 : v);
        if (set.size > MAX_LEVELS) levelSets[c] = null;
      }
    }
    const h = rowHash(row, cols);
    let u = hashHead.get(h) ?? -1;
    while (u >= 0) {
      const first = firstRow[u]!;
      let c = 0;
      while (c < cols && sameValue(rowAt(first, c), row[c]!)) c++;
      if (c === cols) break;
      u = chain[u]!;
    }
    if (u < 0) {
      u = firstRow.length;
      firstRow.push(r);
      chain.push(hashHead.get(h) ?? -1);
      hashHead.set(h, u);
    }
    patternOf[r] = u;
  }
  const U = firstRow.length;
  const byColumn = new Float64Array(U * cols);
  const maskKeys = new Map<string, number[]>();
  firstRow.forEach((r, u) => {
    const nanCols: number[] = [];
    for (let c = 0; c < cols; c++) {
      const v = rowAt(r, c);
      byColumn[c * U + u] = v;
      if (v !== v) nanCols.push(c);
    }
    if (maskKeys.size <= MAX_MASKS) maskKeys.set(nanCols.join(","), nanCols);
  });
  const offsets = new Int32Array(U + 1);
  for (let r = 0; r < rows; r++) offsets[patternOf[r]! + 1]++;
  for (let u = 0; u < U; u++) offsets[u + 1] += offsets[u]!;
  const cursor = offsets.slice(0, U);
  const order = new Int32Array(rows);
  for (let r = 0; r < rows; r++) order[cursor[patternOf[r]!]!++] = r;
  const columnMeans = new Float64Array(cols);
  for (let c = 0; c < cols; c++) columnMeans[c] = counts[c] === 0 ? NaN : sums[c]! / counts[c]!;
  return {
    rows, cols, patternCount: U, byColumn, hashHead, hashNext: Int32Array.from(chain), offsets, order, columnMeans,
    levels: levelSets.map((set) => (set ? [...set].sort((a, b) => a - b) : null)),
    masks: maskKeys.size > MAX_MASKS ? null : [...maskKeys.values()],
  };
}

/** Scratch buffers reused across query rows. */
export interface Workspace {
  sq: Float64Array;
  shared: Int32Array;
  alive: Int32Array;
  visited: Uint8Array;
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
    bestD: new Float64Array(c * k), bestI: new Int32Array(c * k), bestV: new Float64Array(c * k), fill: new Int32Array(c),
  };
}

/** Offers the fit rows of pattern u (distance d, value v in column c) to column c's k best. */
function offer(index: FitIndex, work: Workspace, k: number, c: number, u: number, d: number, v: number): void {
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

/** Phase 1: offers every pattern at distance 0; returns whether the search was exhaustive. */
function offerExactMatches(index: FitIndex, row: Float64Array, present: number[], missing: number[], k: number, work: Workspace, hits: number[]): boolean {
  const { levels } = index;
  let exhaustive = index.masks !== null;
  const probe = new Float64Array(index.cols);
  for (const mask of index.masks ?? [[]]) {
    const inMask = new Set(mask);
    if (!present.some((c) => !inMask.has(c))) continue; // no shared coordinate: NaN distance
    const free = missing.filter((c) => !inMask.has(c)); // query missing, pattern present: enumerate
    let completions = 1;
    for (const c of free) completions *= levels[c]?.length ?? Infinity;
    if (completions > MAX_COMPLETIONS) { exhaustive = false; continue; }
    probe.set(row);
    for (const c of mask) probe[c] = NaN;
    for (let t = 0; t < completions; t++) {
      let rest = t;
      for (const c of free) {
        const lv = levels[c]!;
        probe[c] = lv[rest % lv.length]!;
        rest = Math.floor(rest / lv.length);
      }
      const u = findPattern(index, probe);
      if (u < 0 || work.visited[u]) continue;
      work.visited[u] = 1;
      hits.push(u);
      for (const c of free) offer(index, work, k, c, u, 0, probe[c]!);
    }
  }
  return exhaustive;
}

/** Phase 2: scan of the patterns not visited yet, pruned by the current k-th best distances. */
function offerScanned(index: FitIndex, row: Float64Array, present: number[], missing: number[], k: number, work: Workspace): void {
  const { cols, patternCount: U, byColumn } = index;
  let bound = 0;
  for (const c of missing) bound = work.fill[c]! < k ? Infinity : Math.max(bound, work.bestD[c * k + k - 1]!);
  const limit = bound === Infinity ? Infinity : ((bound * bound * present.length) / cols) * (1 + 1e-9);
  const { sq, shared, alive } = work;
  let n = 0;
  for (let u = 0; u < U; u++) {
    if (work.visited[u]) continue;
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
      if (sq[u]! <= limit) alive[w++] = u;
    }
    n = w;
  }
  for (let i = 0; i < n; i++) {
    const u = alive[i]!;
    if (shared[u] === 0) continue; // NaN distance: never a donor
    const d = Math.sqrt((sq[u]! / shared[u]!) * cols); // sklearn: distances /= present; *= n_features; sqrt
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
    const hits: number[] = [];
    const exhaustive = offerExactMatches(index, row, present, missing, k, work, hits);
    if (!exhaustive || missing.some((c) => work.fill[c]! < k)) offerScanned(index, row, present, missing, k, work);
    for (const u of hits) work.visited[u] = 0;
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
