/**
 * The inner loops of hist_gbt's fit, as plain functions over typed arrays so the same code runs in
 * this thread and in fit workers (trees/fit-worker.ts) on shared memory.
 *
 * Rows (merged groups) are kept grouped by node: a node is a contiguous range of positions, and a
 * split moves its rows into the other of two buffers, lefts first (in order), rights from the end
 * (in order, backwards). Every access is a sequential pass: no gathers through a row index. Per
 * row a packed record of gradient, hessian, count, raw score and class-1 count (`rec`), and the
 * row's bundle codes (trees/bundles.ts) as bytes (`codes`, moved as 32-bit words). At the end of a
 * tree every leaf's rows get the leaf value and new gradients, written back into buffer 0: each
 * tree starts from all rows in buffer 0.
 *
 * Large data is cut into a fixed number of shards (contiguous position ranges, a function of the
 * data size only): every node has a range in each shard, and every step works on one shard's
 * range. A thread runs whole shards, so the result does not depend on the thread count.
 */
import type { Bundles } from "./bundles.ts";
import { kernelsOf } from "./hist-wasm.ts";

/** Float64 slots per row record: gradient, hessian, count, raw score, class-1 count. */
export const REC = 5;

export interface GbtArrays {
  groups: number;
  /** Shards and their first positions (`base[shards]` = groups). */
  shards: number;
  base: Int32Array;
  /** 32-bit words of codes per row (4 bundles a word). */
  words: number;
  /** Row records of buffer 0 and buffer 1. */
  rec: [Float64Array, Float64Array];
  /** Codes of buffer 0 and 1: bundle k of the row at position p is byte `4 * words * p + k`. */
  codes: [Uint32Array, Uint32Array];
  codeBytes: [Uint8Array, Uint8Array];
  /** Histogram slots of one shard each: [grad, hess, count] × total bins. */
  slots: Float64Array;
  /** The step being run: bundle, buffer, then per shard (SHARD_FIELDS) start, end, parent slot, new slot, lefts (out). */
  step: Int32Array;
  /** Per joint code of the split's bundle: 1 if it goes left. */
  left: Uint8Array;
  /** Leaves of the finished tree: buffer, value, then per shard start, end (LEAF_FIELDS(shards) each). */
  leaves: Float64Array;
  /** A leaf's histogram, its shards' summed (thread 0 only). */
  total: Float64Array;
  /** Thread 0's zeroed scratch of joint histograms (a fit worker has its own). */
  joint: Float64Array;
}

export const SHARD_FIELDS = 5;
/** Bundles the WebAssembly histogram takes (its table of bin addresses is the arena's scratch). */
export const WASM_TABLE = 1024;
export const leafFields = (shards: number) => 2 + 2 * shards;

export type Layout = Pick<Bundles, "count" | "first" | "binOffset" | "totalBins" | "jointOffset" | "width" | "digits">;

function gradientAt(rec: Float64Array, o: number): void {
  const p = 1 / (1 + Math.exp(-rec[o + 3]));
  const c = rec[o + 2];
  rec[o] = c * p - rec[o + 4];
  rec[o + 1] = Math.max(c * p * (1 - p), 1e-16);
}

/** Gradient and hessian of the logistic loss at the raw scores of positions [from, to) of buffer 0 (as scikit-learn). */
export function gradients(a: GbtArrays, from: number, to: number): void {
  const rec = a.rec[0];
  for (let p = from; p < to; p++) gradientAt(rec, REC * p);
}

/**
 * Adds each leaf's value to the raw scores of its rows in shard s, moving them into buffer 0; then,
 * with `recompute`, their new gradients.
 */
export function applyLeaves(a: GbtArrays, leafCount: number, s: number, recompute: boolean): void {
  const { leaves, words: W } = a;
  const F = leafFields(a.shards);
  const dst = a.rec[0];
  const dstCodes = a.codes[0];
  for (let l = 0; l < leafCount; l++) {
    const start = leaves[F * l + 2 + 2 * s];
    const end = leaves[F * l + 3 + 2 * s];
    if (start >= end) continue;
    const value = leaves[F * l + 1];
    if (leaves[F * l] === 1) {
      dst.set(a.rec[1].subarray(REC * start, REC * end), REC * start);
      dstCodes.set(a.codes[1].subarray(W * start, W * end), W * start);
    }
    for (let p = start; p < end; p++) {
      const o = REC * p;
      dst[o + 3] += value;
      if (recompute) gradientAt(dst, o);
    }
  }
}

/**
 * Whether bundle k's histogram over n rows is built as a joint histogram (one update per row, then
 * the ≤ 256 joint bins summed per feature) rather than feature by feature: when
 * `n × (width - 1) > joint × (width + 1)`. Depends on the row count and the bundle only.
 */
function useJoint(layout: Layout, k: number, n: number): boolean {
  const width = layout.first[k + 1] - layout.first[k];
  const joint = layout.jointOffset[k + 1] - layout.jointOffset[k];
  return width > 1 && n * (width - 1) > joint * (width + 1);
}

/** Adds the rows at positions [start, end) of buffer b into the joint histograms at `joint[base …]`, every bundle. */
export function jointPart(a: GbtArrays, layout: Layout, b: number, start: number, end: number, joint: Float64Array, base: number): void {
  const rec = a.rec[b];
  const bytes = a.codeBytes[b];
  const cw = 4 * a.words;
  const B = layout.count;
  const offs = layout.jointOffset;
  for (let p = start; p < end; p++) {
    const o = REC * p;
    const g = rec[o];
    const h = rec[o + 1];
    const c = rec[o + 2];
    const cb = cw * p;
    for (let k = 0; k < B; k++) {
      const e = base + 3 * (offs[k] + bytes[cb + k]);
      joint[e] += g;
      joint[e + 1] += h;
      joint[e + 2] += c;
    }
  }
}

/** Sums bundle k's joint histograms (`parts` of them, `size` apart, in order) into its features' bins of `out` (from `at`), zeroing them. */
export function marginalize(layout: Layout, k: number, joint: Float64Array, parts: number, size: number, out: Float64Array, at = 0): void {
  const { first, jointOffset, digits, width: W } = layout;
  const w = first[k + 1] - first[k];
  for (let e = jointOffset[k]; e < jointOffset[k + 1]; e++) {
    let g = 0, h = 0, c = 0;
    for (let q = 0, at = 3 * e; q < parts; q++, at += size) {
      g += joint[at];
      h += joint[at + 1];
      c += joint[at + 2];
      joint[at] = joint[at + 1] = joint[at + 2] = 0;
    }
    if (c === 0) continue; // no row here: all three sums are zero
    for (let t = 0; t < w; t++) {
      const bin = at + 3 * digits[e * W + t];
      out[bin] += g;
      out[bin + 1] += h;
      out[bin + 2] += c;
    }
  }
}

/**
 * Histogram of the rows at positions [start, end) of buffer b into `out` ([grad, hess, count] ×
 * total bins from `at` on, overwritten). `joint`: zeroed scratch of 3 × joint entries (left zeroed).
 * One pass over the rows (LightGBM's row-wise layout): each row's record is read once and added to
 * every bundle, into its joint histogram (marginalized after the pass) or straight into its
 * features' bins. Every bin still receives its rows in position order, so the sums do not depend
 * on the loop order.
 */
export function histogram(a: GbtArrays, layout: Layout, b: number, start: number, end: number, out: Float64Array, at: number, joint: Float64Array): void {
  const { first, jointOffset, digits, width: W, count: B, binOffset } = layout;
  out.fill(0, at, at + 3 * layout.totalBins);
  const n = end - start;
  let joints = 0;
  let wide = 0;
  for (let k = 0; k < B; k++) {
    if (useJoint(layout, k, n)) joints++;
    else if (first[k + 1] - first[k] > 1) wide++;
  }
  if (joints === B) {
    const wasm = kernelsOf(a.rec[b].buffer);
    if (wasm && joint.buffer === a.rec[b].buffer && B <= WASM_TABLE) {
      // The same updates in the same order as jointPart, in the module.
      const table = new Int32Array(joint.buffer, 0, B);
      for (let k = 0; k < B; k++) table[k] = joint.byteOffset + 24 * jointOffset[k];
      const cw = 4 * a.words;
      wasm.hist(a.rec[b].byteOffset + 8 * REC * start, a.rec[b].byteOffset + 8 * REC * end, a.codeBytes[b].byteOffset + cw * start, cw, B, 0);
    } else jointPart(a, layout, b, start, end, joint, 0);
    for (let k = 0; k < B; k++) marginalize(layout, k, joint, 1, 0, out, at);
    return;
  }
  const rec = a.rec[b];
  const bytes = a.codeBytes[b];
  const cw = 4 * a.words;
  if (joints === 0 && wide === 0) {
    // Every bundle is one feature (e.g. continuous features of up to 255 bins): its code is the bin.
    const wasm = kernelsOf(rec.buffer);
    if (wasm && out.buffer === rec.buffer && B <= WASM_TABLE) {
      const table = new Int32Array(rec.buffer, 0, B);
      const outAt = out.byteOffset + 8 * at;
      for (let k = 0; k < B; k++) table[k] = outAt + 24 * binOffset[first[k]];
      wasm.hist(rec.byteOffset + 8 * REC * start, rec.byteOffset + 8 * REC * end, bytes.byteOffset + cw * start, cw, B, 0);
      return;
    }
    const base = new Int32Array(B);
    for (let k = 0; k < B; k++) base[k] = at + 3 * binOffset[first[k]];
    for (let p = start; p < end; p++) {
      const o = REC * p;
      const g = rec[o];
      const h = rec[o + 1];
      const c = rec[o + 2];
      const cb = cw * p;
      for (let k = 0; k < B; k++) {
        const e = base[k] + 3 * bytes[cb + k];
        out[e] += g;
        out[e + 1] += h;
        out[e + 2] += c;
      }
    }
    return;
  }
  // Mixed: per bundle, 0 = features' bins through the digits, 1 = joint histogram.
  const viaJoint = new Uint8Array(B);
  for (let k = 0; k < B; k++) viaJoint[k] = useJoint(layout, k, n) ? 1 : 0;
  for (let p = start; p < end; p++) {
    const o = REC * p;
    const g = rec[o];
    const h = rec[o + 1];
    const c = rec[o + 2];
    const cb = cw * p;
    for (let k = 0; k < B; k++) {
      const j = jointOffset[k] + bytes[cb + k];
      if (viaJoint[k]) {
        joint[3 * j] += g;
        joint[3 * j + 1] += h;
        joint[3 * j + 2] += c;
        continue;
      }
      for (let t = 0, w = first[k + 1] - first[k], d = j * W; t < w; t++) {
        const bin = at + 3 * digits[d + t];
        out[bin] += g;
        out[bin + 1] += h;
        out[bin + 2] += c;
      }
    }
  }
  for (let k = 0; k < B; k++) if (viaJoint[k]) marginalize(layout, k, joint, 1, 0, out, at);
}

/**
 * Moves the rows at positions [start, end) of buffer b into the other buffer by `a.left` on
 * bundle k: lefts to `l0`, `l0 + 1`, …, rights to `r0`, `r0 - 1`, … Returns the lefts.
 */
export function place(a: GbtArrays, k: number, b: number, start: number, end: number, l0: number, r0: number): number {
  const src = a.rec[b];
  const dst = a.rec[1 - b];
  const srcCodes = a.codes[b];
  const dstCodes = a.codes[1 - b];
  const bytes = a.codeBytes[b];
  const W = a.words;
  const left = a.left;
  const wasm = kernelsOf(src.buffer);
  if (wasm && left.buffer === src.buffer && W > 0) {
    const cw = 4 * W;
    return wasm.place(src.byteOffset + 8 * REC * start, src.byteOffset + 8 * REC * end, bytes.byteOffset + cw * start, cw, k, left.byteOffset, dst.byteOffset, dstCodes.byteOffset, l0, r0) - l0;
  }
  let l = l0;
  let r = r0;
  for (let p = start; p < end; p++) {
    const q = left[bytes[4 * W * p + k]] ? l++ : r--; // V8 makes this a conditional move, not a branch
    const o = REC * p;
    const d = REC * q;
    dst[d] = src[o];
    dst[d + 1] = src[o + 1];
    dst[d + 2] = src[o + 2];
    dst[d + 3] = src[o + 3];
    dst[d + 4] = src[o + 4];
    if (W === 2) {
      dstCodes[2 * q] = srcCodes[2 * p];
      dstCodes[2 * q + 1] = srcCodes[2 * p + 1];
    } else {
      for (let w = 0; w < W; w++) dstCodes[W * q + w] = srcCodes[W * p + w];
    }
  }
  return l - l0;
}

/** Positions [from, to) of part t of `parts` of a range: contiguous, in order. */
export function chunk(start: number, end: number, t: number, parts: number): [number, number] {
  const n = end - start;
  return [start + Math.floor((n * t) / parts), start + Math.floor((n * (t + 1)) / parts)];
}
