/**
 * Rows grouped by their feature vector (pure): the UCI phishing data repeats itself (our copy:
 * 9,055 rows, 5,168 distinct vectors), so splits, folds and the duplicate report work on groups
 * of identical vectors. Rows are looked up through a resolver (no copies), hashed, and compared
 * exactly against the groups with the same hash; missing values (NaN, or a store's missing code)
 * are equal to each other.
 *
 * `vectorKey` is a 64-bit fingerprint of one vector (16 hex digits) for sets that outlive the
 * process, e.g. the training rows recorded with a pushed model.
 */

/** Where row `id` lives: its values start at `block[offset]` (row-major, the row's columns in order). */
export type VectorResolver = (id: number) => { block: ArrayLike<number>; offset: number };

function hashVector(block: ArrayLike<number>, offset: number, cols: Int32Array): number {
  let h = 0x811c9dc5;
  for (let c = 0; c < cols.length; c++) {
    const v = block[offset + cols[c]];
    const x = Number.isNaN(v) ? 0x7ff8 : Number.isInteger(v) && Math.abs(v) < 2 ** 30 ? v | 0 : Math.floor(v * 1e6) | 0;
    h = Math.imul(h ^ x, 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
  }
  return h;
}

function sameVector(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, cols: Int32Array): boolean {
  for (let i = 0; i < cols.length; i++) {
    const x = a[ao + cols[i]], y = b[bo + cols[i]];
    if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) return false;
  }
  return true;
}

/**
 * Group ids in order of first appearance: the first row added starts group 0, the first row with
 * another vector group 1, and so on. The vector is a row's first `columns` values (a number), or
 * the values at the listed column offsets (e.g. every column but the target).
 */
export class VectorGroups {
  private readonly byHash = new Map<number, number | number[]>();
  /** The first row of each group. */
  private readonly first: number[] = [];
  private readonly sizes: number[] = [];
  private readonly cols: Int32Array;

  constructor(columns: number | ArrayLike<number>, private readonly resolve: VectorResolver) {
    this.cols = typeof columns === "number" ? Int32Array.from({ length: columns }, (_, i) => i) : Int32Array.from(columns);
  }

  get groups(): number {
    return this.first.length;
  }

  /** Rows added to group `g`. */
  size(g: number): number {
    return this.sizes[g];
  }

  /** The first row added to group `g`. */
  firstRow(g: number): number {
    return this.first[g];
  }

  /** Add row `id`; returns its group. */
  add(id: number): number {
    const { block, offset } = this.resolve(id);
    const h = hashVector(block, offset, this.cols);
    const entry = this.byHash.get(h);
    if (entry !== undefined) {
      const list = typeof entry === "number" ? [entry] : entry;
      for (const g of list) {
        const o = this.resolve(this.first[g]);
        if (sameVector(o.block, o.offset, block, offset, this.cols)) {
          this.sizes[g]++;
          return g;
        }
      }
    }
    const g = this.first.length;
    this.first.push(id);
    this.sizes.push(1);
    if (entry === undefined) this.byHash.set(h, g);
    else if (typeof entry === "number") this.byHash.set(h, [entry, g]);
    else entry.push(g);
    return g;
  }

  /** Group of an already seen vector, or -1 (does not add). */
  find(block: ArrayLike<number>, offset: number): number {
    const entry = this.byHash.get(hashVector(block, offset, this.cols));
    if (entry === undefined) return -1;
    for (const g of typeof entry === "number" ? [entry] : entry) {
      const o = this.resolve(this.first[g]);
      if (sameVector(o.block, o.offset, block, offset, this.cols)) return g;
    }
    return -1;
  }
}

/** Group id of every row of a dense row-major matrix (`rows × cols`, all columns count). */
export function matrixGroups(values: Float64Array, rows: number, cols: number): { group: Int32Array; groups: number } {
  const groups = new VectorGroups(cols, (id) => ({ block: values, offset: id * cols }));
  const group = new Int32Array(rows);
  for (let r = 0; r < rows; r++) group[r] = groups.add(r);
  return { group, groups: groups.groups };
}

const scratch = new DataView(new ArrayBuffer(8));

/**
 * A 64-bit fingerprint of a vector as 16 hex digits: two independent 32-bit hashes over the exact
 * float64 bits of every value (every NaN hashes alike; -0 as 0). Collisions between the few
 * thousand vectors of a training set are negligible (p ≈ n² / 2⁶⁵).
 */
export function vectorKey(block: ArrayLike<number>, offset: number, width: number): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let c = 0; c < width; c++) {
    const v = block[offset + c];
    scratch.setFloat64(0, Number.isNaN(v) ? NaN : v === 0 ? 0 : v);
    for (const word of [scratch.getUint32(0), scratch.getUint32(4)]) {
      a = Math.imul(a ^ word, 0x01000193) >>> 0;
      a = Math.imul(a ^ (a >>> 15), 0x85ebca6b) >>> 0;
      b = Math.imul(b ^ word, 0xcc9e2d51) >>> 0;
      b = Math.imul(b ^ (b >>> 13), 0x1b873593) >>> 0;
      b = (b + a) >>> 0;
    }
  }
  a = Math.imul(a ^ (a >>> 16), 0x7feb352d) >>> 0;
  b = Math.imul(b ^ (b >>> 16), 0x846ca68b) >>> 0;
  return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
}
