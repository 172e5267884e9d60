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
 * Cost: fit O(N·F); a query O(G·L + R·F) (G frequent NaN masks, L completions, R patterns with a
 * rare mask) when step 1 suffices, O(U·F) (U distinct fit rows) in the worst case.
 */

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
}

const MAX_LEVELS = 16;
const MAX_COMPLETIONS = 256;
const MAX_MASKS = 256;
const MIN_GROUP = 32;
const SEED = 256;

// ---- Zobrist hashing: hash(row) = XOR over columns of cell(c, value), in two 32-bit lanes ----
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function fmix(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Hash lane (0 or 1) of value v in column c; NaN all alike, -0 as 0. */
function cell(c: number, v: number, lane: number): number {
  let a = 0x7ff80000;
  let b = 1;
  if (v === v) {
    f64[0] = v === 0 ? 0 : v;
    a = u32[0]!;
    b = u32[1]!;
  }
  return lane === 0 ? fmix(a ^ fmix(b + Math.imul(c + 1, 0x9e3779b9))) : fmix(b ^ fmix(a + Math.imul(c + 0x632be5ab, 0x85ebca6b)));
}

function sameValue(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

/** Open-addressing hash table: 64-bit hash (two lanes) → pattern id; equality checked by the caller. */
class PatternTable {
  #mask = 0;
  #h1 = new Int32Array(0);
  #h2 = new Int32Array(0);
  #ids = new Int32Array(0);
  #size = 0;

  constructor(capacity: number) {
    this.#alloc(Math.max(16, 2 ** Math.ceil(Math.log2(capacity * 2 + 1))));
  }

  /** The id with this hash for which `same(id)` holds, or -1. */
  find(h1: number, h2: number, same: (id: number) => boolean): number {
    for (let i = h1 & this.#mask; this.#ids[i] !== -1; i = (i + 1) & this.#mask) {
      if (this.#h1[i] === h1 && this.#h2[i] === h2 && same(this.#ids[i]!)) return this.#ids[i]!;
    }
    return -1;
  }

  insert(h1: number, h2: number, id: number): void {
    if ((this.#size + 1) * 2 > this.#ids.length) {
      const [o1, o2, oi] = [this.#h1, this.#h2, this.#ids];
      this.#alloc(this.#ids.length * 2);
      for (let i = 0; i < oi.length; i++) if (oi[i] !== -1) this.#put(o1[i]!, o2[i]!, oi[i]!);
    }
    this.#put(h1, h2, id);
    this.#size++;
  }

  #put(h1: number, h2: number, id: number): void {
    let i = h1 & this.#mask;
    while (this.#ids[i] !== -1) i = (i + 1) & this.#mask;
    this.#h1[i] = h1;
    this.#h2[i] = h2;
    this.#ids[i] = id;
  }

  #alloc(size: number): void {
    this.#mask = size - 1;
    this.#h1 = new Int32Array(size);
    this.#h2 = new Int32Array(size);
    this.#ids = new Int32Array(size).fill(-1);
  }
}

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
  return {
    rows, cols, patternCount: U, byColumn, table, offsets, order, columnMeans,
    levels: levelSets.map((set) => (set ? [...set].sort((a, b) => a - b) : null)),
    probeMasks, rarePatterns: Int32Array.from(rare), rareValues: rowMajor(byColumn, U, cols, rare),
  };
}

function rowMajor(byColumn: Float64Array, U: number, cols: number, patterns: number[]): Float64Array {
  const out = new Float64Array(patterns.length * cols);
  patterns.forEach((u, i) => {
    for (let c = 0; c < cols; c++) out[i * cols + c] = byColumn[c * U + u]!;
  });
  return out;
}

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

/** nan_euclidean distance (sklearn's order of operations) from sums over the shared coordinates. */
function distance(sq: number, shared: number, cols: number): number {
  return shared === 0 ? NaN : Math.sqrt((sq / shared) * cols);
}

/**
 * Prune limit on partial sums of squares: a pattern whose partial sum exceeds it is farther than
 * the current k-th best donor of every missing column (d² >= sum · F / n_present > bound²).
 */
function pruneLimit(work: Workspace, missing: number[], k: number, present: number, cols: number): number {
  let bound = 0;
  for (const c of missing) bound = work.fill[c]! < k ? Infinity : Math.max(bound, work.bestD[c * k + k - 1]!);
  return bound === Infinity ? Infinity : ((bound * bound * present) / cols) * (1 + 1e-9);
}

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
    const visited: number[] = [];
    const exhaustive = offerExactMatches(index, row, present, missing, k, work, visited);
    const settled = exhaustive && missing.every((c) => work.fill[c] === k && work.bestD[c * k + k - 1] === 0);
    if (!settled) offerScanned(index, row, present, missing, k, work);
    for (const u of visited) work.visited[u] = 0;
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
