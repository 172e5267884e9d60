/**
 * A third prediction kernel for tree ensembles on few-valued features: wide bit-sliced blocks with
 * a linear sweep and leaf ids in bit planes. Per block of 32·W rows:
 * - for every threshold of the ensemble, W Int32 words say which rows lie above it (NaN: above
 *   all, the plain walk sends NaN right);
 * - each tree is swept in pre-order (parents before children, no stack, no branch on the data):
 *   an internal node splits its W-word row mask into its children's masks;
 * - every leaf ORs its mask into the bit planes of its local leaf id (one plane per id bit), so
 *   each row's leaf id is read back from P words with shifts, and the leaf's value is added to
 *   the row's sum. Rows are summed tree after tree, so every row's sum is exactly the plain walk's
 *   (same additions, same order).
 * The per-node cost is shared by 32·W rows, and no step branches on which rows reach which leaf
 * (the bit-by-bit enumeration of leaf masks mispredicts about once per row and tree).
 */
import type { Matrix } from "./classifier.ts";
import type { CompiledTrees } from "./compiled-trees.ts";

export interface SweepProgram {
  trees: number;
  /** Per tree: range of its internal nodes in `inner` (triples) and of its plane ops in `ops` (pairs). */
  innerStart: Int32Array;
  opsStart: Int32Array;
  /** (own local slot, global threshold index, right child's local slot); left child = own + 1. */
  inner: Int32Array;
  /** (local slot of a node, plane): OR the node's mask into that plane. */
  ops: Int32Array;
  /** Per tree, bit p set: plane p holds the rows whose leaf id has bit p CLEAR (invert it). */
  flips: Int32Array;
  /** Leaf values by tree, in local leaf id order, from `leafBase[t]`. */
  leafValues: Float64Array;
  leafBase: Int32Array;
  /** Bit planes needed for the largest leaf id (at most 8: ids are read back as bytes). */
  planes: number;
  maxTreeNodes: number;
  /** All thresholds, feature by feature (global threshold index order). */
  thresholds: Float64Array;
  /** The feature of each threshold. */
  thresholdFeature: Int32Array;
}

/** Leaf ids: leaves numbered in pre-order, so every subtree holds a contiguous id range. */
const MAX_PLANES = 8;

/**
 * The sweep form of compiled trees, or undefined when a tree has more than 256 leaves. Plane ops
 * are few: plane p is the union of the rows of the leaves whose id has bit p set, and where a
 * whole subtree's ids share that bit, one op on the subtree's mask replaces one op per leaf; per
 * plane and tree the cheaper of "rows with bit p" and "rows without it" (then inverted) is kept.
 */
export function sweepProgram(c: CompiledTrees): SweepProgram | undefined {
  const { nodes, roots, values, offsets } = c;
  const n = nodes.length;
  const trees = roots.length;
  const innerStart = new Int32Array(trees + 1);
  const opsStart = new Int32Array(trees + 1);
  const leafBase = new Int32Array(trees + 1);
  const flips = new Int32Array(trees);
  const inner: number[] = [];
  const ops: number[] = [];
  const leafValues: number[] = [];
  let maxLeaves = 1;
  for (let t = 0; t < trees; t++) {
    const root = roots[t];
    const end = t + 1 < trees ? roots[t + 1] : n;
    const size = end - root;
    innerStart[t] = inner.length / 3;
    opsStart[t] = ops.length / 2;
    leafBase[t] = leafValues.length;
    const lo = new Int32Array(size);
    const hi = new Int32Array(size);
    let leaf = 0;
    for (let i = 0; i < size; i++) {
      const w = nodes[root + i];
      if (w < 0) {
        lo[i] = hi[i] = leaf++;
        leafValues.push(values[root + i]);
      } else {
        inner.push(i, offsets[(w >>> 24) & 0x7f] + ((w >>> 16) & 0xff), i + (w & 0xffff));
      }
    }
    for (let i = size - 1; i >= 0; i--) {
      const w = nodes[root + i];
      if (w >= 0) {
        lo[i] = lo[i + 1];
        hi[i] = hi[i + (w & 0xffff)];
      }
    }
    maxLeaves = Math.max(maxLeaves, leaf);
    if (leaf > 1 << MAX_PLANES) return undefined;
    for (let p = 0; 1 << p < leaf; p++) {
      const cover = (want: number): number[] => {
        const found: number[] = [];
        const stack = [0];
        while (stack.length) {
          const i = stack.pop()!;
          if (lo[i] >> p === hi[i] >> p) {
            if (((lo[i] >> p) & 1) === want) found.push(i, p);
            continue;
          }
          const w = nodes[root + i];
          stack.push(i + (w & 0xffff), i + 1);
        }
        return found;
      };
      const set = cover(1);
      const clear = cover(0);
      if (clear.length < set.length) {
        flips[t] |= 1 << p;
        ops.push(...clear);
      } else {
        ops.push(...set);
      }
    }
  }
  innerStart[trees] = inner.length / 3;
  opsStart[trees] = ops.length / 2;
  leafBase[trees] = leafValues.length;
  let planes = 0;
  while (1 << planes < maxLeaves) planes++;
  const thresholds = new Float64Array(offsets[c.cols]);
  const thresholdFeature = new Int32Array(offsets[c.cols]);
  c.thresholds.forEach((t, f) => {
    thresholds.set(t, offsets[f]);
    thresholdFeature.fill(f, offsets[f], offsets[f + 1]);
  });
  return {
    trees,
    innerStart,
    opsStart,
    inner: Int32Array.from(inner),
    ops: Int32Array.from(ops),
    flips,
    leafValues: Float64Array.from(leafValues),
    leafBase,
    planes,
    maxTreeNodes: c.maxTreeNodes,
    thresholds,
    thresholdFeature,
  };
}

/**
 * Per block of 32·words rows: the W-word "above threshold k" masks of every threshold, built
 * threshold by threshold with branch-free compares (`!(v <= t)`: NaN counts as above, as the plain
 * walk sends NaN right); a data-dependent branch here mispredicts about once per row and feature.
 */
function fillMasks(prog: SweepProgram, x: Matrix, start: number, count: number, words: number, masks: Int32Array): void {
  const { thresholds, thresholdFeature } = prog;
  const cols = x.cols;
  const values = x.values;
  const K = thresholds.length;
  for (let w = 0; w < words; w++) {
    const n = Math.min(32, count - 32 * w);
    const r0 = (start + 32 * w) * cols;
    for (let k = 0; k < K; k++) {
      const t = thresholds[k];
      let m = 0;
      for (let b = 0, at = r0 + thresholdFeature[k]; b < n; b++, at += cols) m |= (+(values[at] <= t) ^ 1) << b;
      masks[k * words + w] = m;
    }
  }
}

/**
 * Sweeps tree t over the block (row masks in `nm`) and writes its leaf-id planes (P planes of W
 * words) into `planes` from `at`, inverted planes already flipped back.
 */
function treePlanes(prog: SweepProgram, t: number, W: number, all: Int32Array, masks: Int32Array, nm: Int32Array, planes: Int32Array, at: number, P: number): void {
  const { inner, ops, innerStart, opsStart } = prog;
  for (let w = 0; w < W; w++) nm[w] = all[w];
  for (let i = innerStart[t] * 3, e = innerStart[t + 1] * 3; i < e; i += 3) {
    const s = inner[i] * W;
    const th = inner[i + 1] * W;
    const r = inner[i + 2] * W;
    let w = 0;
    for (; w + 4 <= W; w += 4) {
      const m0 = nm[s + w], m1 = nm[s + w + 1], m2 = nm[s + w + 2], m3 = nm[s + w + 3];
      const a0 = masks[th + w], a1 = masks[th + w + 1], a2 = masks[th + w + 2], a3 = masks[th + w + 3];
      const l = s + W + w;
      nm[l] = m0 & ~a0;
      nm[l + 1] = m1 & ~a1;
      nm[l + 2] = m2 & ~a2;
      nm[l + 3] = m3 & ~a3;
      nm[r + w] = m0 & a0;
      nm[r + w + 1] = m1 & a1;
      nm[r + w + 2] = m2 & a2;
      nm[r + w + 3] = m3 & a3;
    }
    for (; w < W; w++) {
      const m = nm[s + w];
      const a = masks[th + w];
      nm[s + W + w] = m & ~a;
      nm[r + w] = m & a;
    }
  }
  planes.fill(0, at, at + P * W);
  for (let i = opsStart[t] * 2, e = opsStart[t + 1] * 2; i < e; i += 2) {
    const s = ops[i] * W;
    const p = at + ops[i + 1] * W;
    let w = 0;
    for (; w + 4 <= W; w += 4) {
      planes[p + w] |= nm[s + w];
      planes[p + w + 1] |= nm[s + w + 1];
      planes[p + w + 2] |= nm[s + w + 2];
      planes[p + w + 3] |= nm[s + w + 3];
    }
    for (; w < W; w++) planes[p + w] |= nm[s + w];
  }
  const flip = prog.flips[t];
  for (let p = 0; p < P; p++) {
    if (((flip >> p) & 1) === 0) continue;
    for (let w = at + p * W, e = w + W; w < e; w++) planes[w] = ~planes[w];
  }
}

/** Spreads the low 4 bits of q to the low bit of each byte (bit k → bit 8k). */
const SPREAD = 0x204081;
const LOW_BITS = 0x01010101;

/** Leaf ids of 4 rows (one per byte) from their bits in 5 plane words. */
function ids4(q0: number, q1: number, q2: number, q3: number, q4: number): number {
  return (Math.imul(q0 & 15, SPREAD) & LOW_BITS) | ((Math.imul(q1 & 15, SPREAD) & LOW_BITS) << 1) | ((Math.imul(q2 & 15, SPREAD) & LOW_BITS) << 2) |
    ((Math.imul(q3 & 15, SPREAD) & LOW_BITS) << 3) | ((Math.imul(q4 & 15, SPREAD) & LOW_BITS) << 4);
}

/**
 * Sum over trees of the leaf value of every row; `words` Int32 mask words per block (32 rows
 * each). Trees go in pairs: both trees' leaf ids are found first, then each row gets
 * `(sum + leaf of t) + leaf of t+1`, the same two additions in the same order as tree by tree.
 */
export function sumSwept(c: CompiledTrees, x: Matrix, words = 32, program?: SweepProgram): Float64Array {
  const prog = program ?? sweepProgram(c);
  if (!prog) throw new RangeError("sumSwept: a tree has more than 256 leaves");
  const W = words;
  const B = 32 * W;
  const { leafValues, leafBase, trees } = prog;
  const P = Math.max(prog.planes, 5);
  const out = new Float64Array(x.rows);
  const masks = new Int32Array(prog.thresholds.length * W);
  const nm = new Int32Array(prog.maxTreeNodes * W);
  const planes = new Int32Array(2 * P * W);
  const all = new Int32Array(W);
  const pairs = P === 5 ? trees & ~1 : 0;
  for (let start = 0; start < x.rows; start += B) {
    const count = Math.min(B, x.rows - start);
    fillMasks(prog, x, start, count, W, masks);
    for (let w = 0; w < W; w++) {
      const left = count - 32 * w;
      all[w] = left >= 32 ? -1 : left <= 0 ? 0 : (1 << left) - 1;
    }
    const wordsIn = (count + 31) >>> 5;
    for (let t = 0; t < pairs; t += 2) {
      treePlanes(prog, t, W, all, masks, nm, planes, 0, P);
      treePlanes(prog, t + 1, W, all, masks, nm, planes, 5 * W, P);
      const baseA = leafBase[t];
      const baseB = leafBase[t + 1];
      for (let w = 0; w < wordsIn; w++) {
        const row0 = start + 32 * w;
        const n = Math.min(32, count - 32 * w);
        let a0 = planes[w], a1 = planes[W + w], a2 = planes[2 * W + w], a3 = planes[3 * W + w], a4 = planes[4 * W + w];
        let b0 = planes[5 * W + w], b1 = planes[6 * W + w], b2 = planes[7 * W + w], b3 = planes[8 * W + w], b4 = planes[9 * W + w];
        for (let b = 0; b < n; b += 4) {
          const ia = ids4(a0, a1, a2, a3, a4);
          const ib = ids4(b0, b1, b2, b3, b4);
          const r = row0 + b;
          out[r] = out[r] + leafValues[baseA + (ia & 0xff)] + leafValues[baseB + (ib & 0xff)];
          if (b + 1 < n) out[r + 1] = out[r + 1] + leafValues[baseA + ((ia >>> 8) & 0xff)] + leafValues[baseB + ((ib >>> 8) & 0xff)];
          if (b + 2 < n) out[r + 2] = out[r + 2] + leafValues[baseA + ((ia >>> 16) & 0xff)] + leafValues[baseB + ((ib >>> 16) & 0xff)];
          if (b + 3 < n) out[r + 3] = out[r + 3] + leafValues[baseA + (ia >>> 24)] + leafValues[baseB + (ib >>> 24)];
          a0 >>>= 4, a1 >>>= 4, a2 >>>= 4, a3 >>>= 4, a4 >>>= 4;
          b0 >>>= 4, b1 >>>= 4, b2 >>>= 4, b3 >>>= 4, b4 >>>= 4;
        }
      }
    }
    for (let t = pairs; t < trees; t++) {
      treePlanes(prog, t, W, all, masks, nm, planes, 0, P);
      const base = leafBase[t];
      for (let w = 0; w < wordsIn; w++) {
        const row0 = start + 32 * w;
        const n = Math.min(32, count - 32 * w);
        for (let b = 0; b < n; b++) {
          let id = 0;
          for (let p = 0; p < P; p++) id |= ((planes[p * W + w] >>> b) & 1) << p;
          out[row0 + b] += leafValues[base + id];
        }
      }
    }
  }
  return out;
}
