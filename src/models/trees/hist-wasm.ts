/**
 * hist_gbt's hottest loops as a small WebAssembly module (SIMD), over a fit's arrays laid out in
 * the module's own memory (`wasmAlloc`): the histogram of rows whose bundles are one feature each
 * (continuous features of up to 255 bins: one update per row and feature), the parent − smaller
 * histogram subtraction and the sum of shard histograms. Gradient and hessian sit side by side in a
 * row record and in a bin, so one 128-bit add updates both; no bounds checks. Also the move of a
 * node's rows into the other buffer by the split (row records and codes). Every bin still
 * receives its rows in position order and each lane is an IEEE double add, so the sums, and the
 * model, are bit for bit those of the JavaScript loops (gbt-kernels.ts), which stay the path where
 * WebAssembly SIMD is missing or the arrays live elsewhere (shared memory of a fit team).
 *
 * The module is assembled here from its instructions (no build step, no binary in the repository),
 * as scoring/swept-simd.ts does.
 */

import { leb, name, section, sleb } from "../wasm-bytes.ts";

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;
const OP = {
  block: 0x02, loop: 0x03, end: 0x0b, br: 0x0c, brIf: 0x0d,
  get: 0x20, set: 0x21, tee: 0x22,
  i32Load: 0x28, f64Load: 0x2b, i32Load8u: 0x2d, f64Store: 0x39, i32Store: 0x36,
  i32Const: 0x41, i32GeU: 0x4f, i32GtU: 0x4b, i32LtU: 0x49, i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32Shl: 0x74,
  i64Load: 0x29, i64Store: 0x37, select: 0x1b,
  f64Add: 0xa0, f64Sub: 0xa1,
};
const SIMD = 0xfd;
const V = { load: [SIMD, 0x00], store: [SIMD, 0x0b], f64x2Add: [SIMD, 0xf0, 0x01], f64x2Sub: [SIMD, 0xf1, 0x01] };

const get = (i: number) => [OP.get, i];
const set = (i: number) => [OP.set, i];
const c32 = (n: number) => [OP.i32Const, ...sleb(n)];
const mem = (op: number | number[], align: number, offset = 0) => [...(Array.isArray(op) ? op : [op]), align, ...leb(offset)];
/** `local[i] += n` (i32). */
const bump = (i: number, n: number | number[]) => [...get(i), ...(Array.isArray(n) ? n : c32(n)), OP.i32Add, ...set(i)];

/** A function body: locals as [count, type] runs, then the code. */
function body(locals: [number, number][], code: number[]): number[] {
  const decl = [...leb(locals.length), ...locals.flatMap(([n, t]) => [...leb(n), t])];
  const all = [...decl, ...code, OP.end];
  return [...leb(all.length), ...all];
}

/**
 * hist(rec, end, codes, cw, B, base): for each row record of 40 bytes from `rec` to `end` (gradient,
 * hessian, count, …) and its `cw` code bytes from `codes`, for k < B: bin address
 * `i32[base + 4k] + 24 × code_k`, add (gradient, hessian) to the bin's first 16 bytes and the count
 * to the next 8. Locals: 6 k, 7 e, 8 gh, 9 count.
 */
function histBody(): number[] {
  return body([[2, I32], [1, V128], [1, F64]], [
    OP.block, 0x40, OP.loop, 0x40,
    ...get(0), ...get(1), OP.i32GeU, OP.brIf, 1,
    ...get(0), ...mem(V.load, 3), ...set(8),
    ...get(0), ...mem(OP.f64Load, 3, 16), ...set(9),
    ...c32(0), ...set(6),
    OP.loop, 0x40,
    // e = i32[base + 4k] + 24 × u8[codes + k]
    ...get(5), ...get(6), ...c32(2), OP.i32Shl, OP.i32Add, ...mem(OP.i32Load, 2),
    ...get(2), ...get(6), OP.i32Add, ...mem(OP.i32Load8u, 0), ...c32(24), OP.i32Mul, OP.i32Add, ...set(7),
    ...get(7), ...get(7), ...mem(V.load, 3), ...get(8), ...V.f64x2Add, ...mem(V.store, 3),
    ...get(7), ...get(7), ...mem(OP.f64Load, 3, 16), ...get(9), OP.f64Add, ...mem(OP.f64Store, 3, 16),
    ...get(6), ...c32(1), OP.i32Add, OP.tee, 6, ...get(4), OP.i32LtU, OP.brIf, 0,
    OP.end,
    ...bump(0, 40), ...bump(2, get(3)),
    OP.br, 0,
    OP.end, OP.end,
  ]);
}

/** sub(out, from, end): f64 pairs `[out …] −= [from … end)` (byte addresses, end − from a multiple of 16). */
function subBody(): number[] {
  return body([], [
    OP.block, 0x40, OP.loop, 0x40,
    ...get(1), ...get(2), OP.i32GeU, OP.brIf, 1,
    ...get(0), ...get(0), ...mem(V.load, 3), ...get(1), ...mem(V.load, 3), ...V.f64x2Sub, ...mem(V.store, 3),
    ...bump(0, 16), ...bump(1, 16),
    OP.br, 0,
    OP.end, OP.end,
  ]);
}

/** add(out, from, end): f64 pairs `[out …] += [from … end)`. */
function addBody(): number[] {
  return body([], [
    OP.block, 0x40, OP.loop, 0x40,
    ...get(1), ...get(2), OP.i32GeU, OP.brIf, 1,
    ...get(0), ...get(0), ...mem(V.load, 3), ...get(1), ...mem(V.load, 3), ...V.f64x2Add, ...mem(V.store, 3),
    ...bump(0, 16), ...bump(1, 16),
    OP.br, 0,
    OP.end, OP.end,
  ]);
}

/**
 * place(src, end, codes, cw, k, left, dst, dstCodes, l, r) → l after: moves each row record of 40
 * bytes from `src` to `end` and its `cw` code bytes (from `codes`) to position l (l += 1) when
 * `u8[left + code byte k]` is 1, else to position r (r −= 1), of the records at `dst` and codes at
 * `dstCodes`. Locals: 10 go, 11 q, 12 d, 13 w.
 */
function placeBody(): number[] {
  return body([[4, I32]], [
    OP.block, 0x40, OP.loop, 0x40,
    ...get(0), ...get(1), OP.i32GeU, OP.brIf, 1,
    ...get(5), ...get(2), ...get(4), OP.i32Add, ...mem(OP.i32Load8u, 0), OP.i32Add, ...mem(OP.i32Load8u, 0), ...set(10),
    ...get(8), ...get(9), ...get(10), OP.select, ...set(11),
    ...get(8), ...get(10), OP.i32Add, ...set(8),
    ...get(9), ...get(10), OP.i32Add, ...c32(1), OP.i32Sub, ...set(9),
    ...get(6), ...get(11), ...c32(40), OP.i32Mul, OP.i32Add, ...set(12),
    ...get(12), ...get(0), ...mem(V.load, 3), ...mem(V.store, 3),
    ...get(12), ...get(0), ...mem(V.load, 3, 16), ...mem(V.store, 3, 16),
    ...get(12), ...get(0), ...mem(OP.i64Load, 3, 32), ...mem(OP.i64Store, 3, 32),
    ...get(7), ...get(11), ...get(3), OP.i32Mul, OP.i32Add, ...set(12),
    // The codes: 16 bytes a step while 16 are left, then 4 (cw is a multiple of 4).
    ...c32(0), ...set(13),
    OP.block, 0x40, OP.loop, 0x40,
    ...get(13), ...c32(16), OP.i32Add, ...get(3), OP.i32GtU, OP.brIf, 1,
    ...get(12), ...get(13), OP.i32Add, ...get(2), ...get(13), OP.i32Add, ...mem(V.load, 0), ...mem(V.store, 0),
    ...bump(13, 16),
    OP.br, 0,
    OP.end, OP.end,
    OP.block, 0x40, OP.loop, 0x40,
    ...get(13), ...get(3), OP.i32GeU, OP.brIf, 1,
    ...get(12), ...get(13), OP.i32Add, ...get(2), ...get(13), OP.i32Add, ...mem(OP.i32Load, 2), ...mem(OP.i32Store, 2),
    ...bump(13, 4),
    OP.br, 0,
    OP.end, OP.end,
    ...bump(0, 40), ...bump(2, get(3)),
    OP.br, 0,
    OP.end, OP.end,
    ...get(8),
  ]);
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fn = (params: number, results = 0) => [0x60, params, ...Array(params).fill(I32), results, ...Array(results).fill(I32)];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [3, ...fn(6), ...fn(3), ...fn(10, 1)]),
    ...section(2, [1, ...name("env"), ...name("mem"), 0x02, 0x00, 1]),
    ...section(3, [4, 0, 1, 1, 2]),
    ...section(7, [4, ...name("hist"), 0x00, 0, ...name("sub"), 0x00, 1, ...name("add"), 0x00, 2, ...name("place"), 0x00, 3]),
    ...section(10, [4, ...histBody(), ...subBody(), ...addBody(), ...placeBody()]),
  ]);
}

let compiled: WebAssembly.Module | null | undefined;
function histModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      const bytes = moduleBytes();
      compiled = typeof WebAssembly === "object" && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

export interface HistKernels {
  memory: WebAssembly.Memory;
  hist(rec: number, end: number, codes: number, cw: number, bundles: number, base: number): void;
  sub(out: number, from: number, end: number): void;
  add(out: number, from: number, end: number): void;
  place(src: number, end: number, codes: number, cw: number, k: number, left: number, dst: number, dstCodes: number, l: number, r: number): number;
}

/** The kernels of each arena, by its buffer (the fit's typed arrays find them through `.buffer`). */
const byBuffer = new WeakMap<ArrayBufferLike, HistKernels>();

/** The kernels running over `buffer`, if it is an arena's memory. */
export function kernelsOf(buffer: ArrayBufferLike): HistKernels | undefined {
  return byBuffer.get(buffer);
}

/** Whether this runtime has WebAssembly SIMD (the module validates). */
export function hasHistKernels(): boolean {
  return histModule() !== null;
}

/** Byte addresses are 16-aligned; `scratch` bytes at the start are kept for the kernels' tables. */
export const ARENA_SCRATCH = 4096;

/**
 * An arena of `bytes` (plus scratch) in a fresh module memory, and an allocator of 16-aligned
 * blocks in it; null without WebAssembly SIMD.
 */
export function wasmArena(bytes: number): { alloc: (bytes: number) => [ArrayBufferLike, number]; kernels: HistKernels } | null {
  const module = histModule();
  if (!module) return null;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((bytes + ARENA_SCRATCH + 64) / 65536) + 1 });
  const exports = new WebAssembly.Instance(module, { env: { mem: memory } }).exports as unknown as Omit<HistKernels, "memory">;
  const kernels: HistKernels = { memory, hist: exports.hist, sub: exports.sub, add: exports.add, place: exports.place };
  byBuffer.set(memory.buffer, kernels);
  let next = ARENA_SCRATCH;
  return {
    kernels,
    alloc(n) {
      const at = next;
      next += Math.ceil(n / 16) * 16;
      if (next > memory.buffer.byteLength) throw new RangeError("hist_gbt: wasm arena overflow");
      return [memory.buffer, at];
    },
  };
}
