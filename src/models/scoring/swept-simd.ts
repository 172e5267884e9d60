/**
 * The sweep of swept-trees.ts (an internal node splits its row mask into its children's masks and
 * XORs its coded child's mask into a leaf-id plane) as a tiny WebAssembly function on 128-bit
 * vectors: four mask words per instruction and no bounds checks, where the JavaScript loop does
 * one word at a time. Same integer operations, so the same masks and planes bit for bit. The
 * module is assembled here from its instructions (no build step, no binary in the repository) and
 * runs only on plain numbers in its own memory; where WebAssembly SIMD is missing, callers keep
 * the JavaScript loop.
 */
import type { SweepProgram } from "./types.ts";
import { leb, name, section } from "../wasm-bytes.ts";

/** Opcode bytes of the few instructions used. */
const OP = {
  block: 0x02, loop: 0x03, if: 0x04, end: 0x0b, br: 0x0c, brIf: 0x0d, select: 0x1b,
  get: 0x20, set: 0x21, tee: 0x22, load: 0x28, const: 0x41,
  ltS: 0x48, ltU: 0x49, geU: 0x4f, add: 0x6a, mul: 0x6c, and: 0x71,
};
const SIMD = 0xfd;
const V128 = { load: 0x00, store: 0x0b, splat32: 0x11, and: 0x4e, andnot: 0x4f, xor: 0x51 };

// Parameters: 0 progStart, 1 progEnd (bytes), 2 W4 (bytes per mask), 3 nmBase, 4 masksBase,
// 5 planesAt, 6 scratch plane. Locals: 7 i, 8 s, 9 th, 10 r, 11 keep, 12 plane address, 13 l,
// 14 w, 15 plane; v128: 16 flip, 17 m, 18 a.
function sweepBody(): number[] {
  const g = (i: number) => [OP.get, i];
  const s = (i: number) => [OP.set, i];
  const c = (n: number) => [OP.const, ...leb(n)];
  const ld = (offset: number) => [OP.load, 2, offset];
  const vload = [SIMD, V128.load, 4, 0];
  const vstore = [SIMD, V128.store, 4, 0];
  const scaled = (offset: number, base: number, into: number) => [...g(7), ...ld(offset), ...g(2), OP.mul, ...g(base), OP.add, ...s(into)];
  const code = [
    ...g(0), ...s(7),
    OP.block, 0x40,
    OP.loop, 0x40,
    ...g(7), ...g(1), OP.geU, OP.brIf, 1,
    ...scaled(0, 3, 8),
    ...scaled(4, 4, 9),
    ...scaled(8, 3, 10),
    ...g(7), ...ld(12), ...s(11),
    ...g(7), ...ld(16), ...s(15),
    ...g(6), ...g(15), ...g(15), ...c(0), OP.ltS, OP.select, ...g(2), OP.mul, ...g(5), OP.add, ...s(12),
    ...g(7), ...ld(20), SIMD, V128.splat32, ...s(16),
    ...g(8), ...g(2), OP.add, ...s(13),
    ...c(0), ...s(14),
    OP.loop, 0x40,
    ...g(8), ...g(14), OP.add, ...vload, ...s(17),
    ...g(9), ...g(14), OP.add, ...vload, ...s(18),
    ...g(11), ...c(1), OP.and, OP.if, 0x40,
    ...g(13), ...g(14), OP.add, ...g(17), ...g(18), SIMD, V128.andnot, ...vstore,
    OP.end,
    ...g(11), ...c(2), OP.and, OP.if, 0x40,
    ...g(10), ...g(14), OP.add, ...g(17), ...g(18), SIMD, V128.and, ...vstore,
    OP.end,
    ...g(12), ...g(14), OP.add,
    ...g(12), ...g(14), OP.add, ...vload,
    ...g(17), ...g(18), ...g(16), SIMD, V128.xor, SIMD, V128.and,
    SIMD, V128.xor, ...vstore,
    ...g(14), ...c(16), OP.add, OP.tee, 14, ...g(2), OP.ltU, OP.brIf, 0,
    OP.end,
    ...g(7), ...c(24), OP.add, ...s(7),
    OP.br, 0,
    OP.end,
    OP.end,
    OP.end,
  ];
  const locals = [2, 9, 0x7f, 3, 0x7b];
  return [...leb(locals.length + code.length), ...locals, ...code];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const i32 = 0x7f;
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 7, i32, i32, i32, i32, i32, i32, i32, 0]),
    ...section(2, [1, ...name("env"), ...name("mem"), 0x02, 0x00, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name("sweep"), 0x00, 0]),
    ...section(10, [1, ...sweepBody()]),
  ]);
}

let compiled: WebAssembly.Module | null | undefined;
function sweepModule(): WebAssembly.Module | null {
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

/** Largest words per block the memory is laid out for. */
export const SIMD_MAX_WORDS = 64;

export interface SimdSweeper {
  /** All of the module's memory as Int32 words; nm, masks and planes are ranges of it. */
  heap: Int32Array;
  nm: number;
  masks: number;
  planes: number;
  /** Sweep tree t: node masks from `nm`, planes from `planes + at` (word indices), W words per mask. */
  sweep(t: number, W: number, at: number, scratch: number): void;
}

const sweepers = new WeakMap<SweepProgram, SimdSweeper | null>();

/** The SIMD sweeper of a program (one per program and thread), or null without WebAssembly SIMD. */
export function simdSweeper(prog: SweepProgram, planeWords: number): SimdSweeper | null {
  const cached = sweepers.get(prog);
  if (cached !== undefined) return cached;
  const module = sweepModule();
  let result: SimdSweeper | null = null;
  if (module) {
    const W = SIMD_MAX_WORDS;
    const nm = prog.inner.length;
    const masks = nm + prog.maxTreeNodes * W;
    const planes = masks + prog.thresholds.length * W;
    const words = planes + planeWords * W;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((words * 4) / 65536) + 1 });
    const instance = new WebAssembly.Instance(module, { env: { mem: memory } });
    const run = instance.exports.sweep as (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
    const heap = new Int32Array(memory.buffer);
    heap.set(prog.inner, 0);
    const { innerStart } = prog;
    result = {
      heap,
      nm,
      masks,
      planes,
      sweep: (t, W, at, scratch) => run(innerStart[t] * 24, innerStart[t + 1] * 24, W * 4, nm * 4, masks * 4, (planes + at) * 4, scratch),
    };
  }
  sweepers.set(prog, result);
  return result;
}
