/**
 * Hashing of the KNN imputer's distinct fit rows. Zobrist hashing: hash(row) = XOR over the
 * columns of cell(c, value), in two 32-bit lanes, so changing a few cells of a probe updates its
 * hash in O(changed cells). `PatternTable` is an open-addressing table from that 64-bit hash to a
 * pattern id; equality of the values is checked by the caller (collisions are harmless).
 */
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
export function cell(c: number, v: number, lane: number): number {
  let a = 0x7ff80000;
  let b = 1;
  if (v === v) {
    f64[0] = v === 0 ? 0 : v;
    a = u32[0]!;
    b = u32[1]!;
  }
  return lane === 0 ? fmix(a ^ fmix(b + Math.imul(c + 1, 0x9e3779b9))) : fmix(b ^ fmix(a + Math.imul(c + 0x632be5ab, 0x85ebca6b)));
}

export function sameValue(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

/** Open-addressing hash table: 64-bit hash (two lanes) → pattern id; equality checked by the caller. */
export class PatternTable {
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
