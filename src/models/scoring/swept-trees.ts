/**
 * A third prediction kernel for tree ensembles on few-valued features: wide bit-sliced blocks with
 * a linear sweep and leaf ids in bit planes. Per block of 32·W rows:
 * - for every threshold of the ensemble, W Int32 words say which rows lie above it (NaN: above
 *   all, the plain walk sends NaN right);
 * - each tree is swept in pre-order (parents before children, no stack, no branch on the data):
 *   an internal node splits its W-word row mask into its children's masks;
 * - leaf ids are an XOR code: every internal node has a code word c and a side, and a leaf's id is
 *   the XOR of the codes of the nodes where its rows took the coded side. Codes are chosen (once,
 *   when the program is built) so that the leaves of every tree get distinct ids; a node XORs its
 *   coded child's row mask into the planes of c's bits during the sweep, so each row's leaf id is
 *   read back from P plane words (4 rows at a time, one byte each), and the leaf's value is added
 *   to the row's sum. Rows are summed tree after tree, so every row's sum is exactly the plain
 *   walk's (same additions, same order).
 * The per-node cost is shared by 32·W rows, and no step branches on which rows reach which leaf
 * (the bit-by-bit enumeration of leaf masks mispredicts about once per row and tree).
 */
import type { Matrix } from "../classifier.ts";
import type { CompiledTrees, SweepProgram } from "./types.ts";
import { SIMD_MAX_WORDS, type SimdSweeper, simdSweeper } from "./swept-simd.ts";

const INNER = 6;
const MAX_PLANES = 8;

function popcount(v: number): number {
  let n = 0;
  for (; v; v &= v - 1) n++;
  return n;
}

/**
 * Codes of one tree's internal nodes with ids below 2^P, or undefined when the greedy choice finds
 * none. Bottom-up: a node's id set is its left set ∪ (c XOR right set) (or the mirror), so c must
 * keep the two disjoint; codes with fewest bits first (each extra bit costs one op per block).
 */
function treeCodes(nodes: Int32Array, root: number, size: number, P: number): { code: Int32Array; side: Int8Array } | undefined {
  const space = 1 << P;
  const sets: number[][] = new Array(size);
  const code = new Int32Array(size);
  const side = new Int8Array(size); // 0: right child coded, 1: left child coded
  const order = Array.from({ length: space }, (_, c) => c).sort((a, b) => popcount(a) - popcount(b) || a - b);
  const inLeft = new Uint8Array(space);
  const inRight = new Uint8Array(space);
  const disjoint = (member: Uint8Array, shifted: number[], c: number): boolean => {
    for (const v of shifted) if (member[v ^ c]) return false;
    return true;
  };
  for (let i = size - 1; i >= 0; i--) {
    const w = nodes[root + i];
    if (w < 0) {
      sets[i] = [0];
      continue;
    }
    const left = sets[i + 1];
    const right = sets[i + (w & 0xffff)];
    inLeft.fill(0);
    inRight.fill(0);
    for (const v of left) inLeft[v] = 1;
    for (const v of right) inRight[v] = 1;
    let found = -1;
    let mirrored = 0;
    for (const c of order) {
      if (disjoint(inLeft, right, c)) {
        found = c;
        break;
      }
      if (disjoint(inRight, left, c)) {
        found = c;
        mirrored = 1;
        break;
      }
    }
    if (found < 0) return undefined;
    code[i] = found;
    side[i] = mirrored;
    sets[i] = mirrored ? [...right, ...left.map((v) => v ^ found)] : [...left, ...right.map((v) => v ^ found)];
    sets[i + 1] = sets[i + (w & 0xffff)] = []; // free
  }
  return { code, side };
}

/**
 * The sweep form of compiled trees (fewest planes whose codes work for every tree), or undefined
 * when a tree has more than 128 leaves or its codes need more than 8 planes (then callers use the
 * bit-sliced walk).
 */
export function sweepProgram(c: CompiledTrees): SweepProgram | undefined {
  const { nodes, roots, values, offsets } = c;
  const n = nodes.length;
  const trees = roots.length;
  const sizes = Array.from({ length: trees }, (_, t) => (t + 1 < trees ? roots[t + 1] : n) - roots[t]);
  let maxLeaves = 1;
  for (let t = 0; t < trees; t++) {
    let leaves = 0;
    for (let i = 0; i < sizes[t]; i++) if (nodes[roots[t] + i] < 0) leaves++;
    maxLeaves = Math.max(maxLeaves, leaves);
  }
  // Ids are found greedily: beyond 128 leaves in 256 ids the search rarely succeeds, so do not try.
  if (maxLeaves > 128) return undefined;
  // Each tree gets the fewest planes its codes fit in (extraction reads the larger of a pair's).
  const treePlaneCount = new Int32Array(trees);
  const codes: { code: Int32Array; side: Int8Array }[] = [];
  let P = 0;
  for (let t = 0; t < trees; t++) {
    let leaves = 0;
    for (let i = 0; i < sizes[t]; i++) if (nodes[roots[t] + i] < 0) leaves++;
    let p = 0;
    while (1 << p < leaves + (leaves >> 2)) p++; // a full id space (31 leaves in 32 ids) is rarely codable: start with some room
    let found: { code: Int32Array; side: Int8Array } | undefined;
    for (; p <= MAX_PLANES && !found; p++) found = treeCodes(nodes, roots[t], sizes[t], p);
    if (!found) return undefined;
    codes.push(found);
    treePlaneCount[t] = p - 1;
    P = Math.max(P, p - 1);
  }
  const innerStart = new Int32Array(trees + 1);
  const opsStart = new Int32Array(trees + 1);
  const leafBase = new Int32Array(trees + 1);
  const inner: number[] = [];
  const ops: number[] = [];
  const leafValues = new Float64Array(trees << P);
  for (let t = 0; t < trees; t++) {
    const root = roots[t];
    const size = sizes[t];
    const { code, side } = codes[t];
    innerStart[t] = inner.length / INNER;
    opsStart[t] = ops.length / 2;
    leafBase[t] = t << P;
    const id = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      const w = nodes[root + i];
      if (w < 0) {
        leafValues[(t << P) + id[i]] = values[root + i];
        continue;
      }
      const r = i + (w & 0xffff);
      const coded = side[i] ? i + 1 : r;
      id[i + 1] = id[i] ^ (side[i] ? code[i] : 0);
      id[r] = id[i] ^ (side[i] ? 0 : code[i]);
      let keep = (nodes[root + i + 1] >= 0 ? 1 : 0) | (nodes[root + r] >= 0 ? 2 : 0);
      const low = code[i] & -code[i];
      for (let rest = code[i] ^ low; rest; rest &= rest - 1) {
        ops.push(coded, 31 - Math.clz32(rest & -rest));
        keep |= side[i] ? 1 : 2;
      }
      inner.push(i, offsets[(w >>> 24) & 0x7f] + ((w >>> 16) & 0xff), r, keep, low ? 31 - Math.clz32(low) : -1, side[i] ? -1 : 0);
    }
  }
  innerStart[trees] = inner.length / INNER;
  opsStart[trees] = ops.length / 2;
  leafBase[trees] = trees << P;
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
    leafValues,
    leafBase,
    planes: P,
    treePlanes: treePlaneCount,
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
 * Sweeps tree t over the block (row masks in `nm`) and leaves its leaf-id planes in `planes` from
 * `at` (plane `scratch` takes the XORs of nodes without a code).
 */
function treePlanes(prog: SweepProgram, t: number, W: number, all: Int32Array, masks: Int32Array, nm: Int32Array, planes: Int32Array, at: number, scratch: number, simd: SimdSweeper | null): void {
  const { inner, ops, innerStart, opsStart } = prog;
  for (let w = 0; w < W; w++) nm[w] = all[w];
  planes.fill(0, at, at + scratch * W);
  if (simd) simd.sweep(t, W, at, scratch);
  else for (let i = innerStart[t] * INNER, e = innerStart[t + 1] * INNER; i < e; i += INNER) {
    const s = inner[i] * W;
    const th = inner[i + 1] * W;
    const r = inner[i + 2] * W;
    const keep = inner[i + 3];
    const p = at + (inner[i + 4] < 0 ? scratch : inner[i + 4]) * W;
    const flip = inner[i + 5];
    const l = s + W;
    // One loop per kind of node, so that no store of a mask nobody reads is made.
    if (keep === 3) {
      for (let w = 0; w < W; w++) {
        const m = nm[s + w];
        const a = masks[th + w];
        nm[l + w] = m & ~a;
        nm[r + w] = m & a;
        planes[p + w] ^= m & (a ^ flip);
      }
    } else if (keep === 1) {
      for (let w = 0; w < W; w++) {
        const m = nm[s + w];
        const a = masks[th + w];
        nm[l + w] = m & ~a;
        planes[p + w] ^= m & (a ^ flip);
      }
    } else if (keep === 2) {
      for (let w = 0; w < W; w++) {
        const m = nm[s + w];
        const a = masks[th + w];
        nm[r + w] = m & a;
        planes[p + w] ^= m & (a ^ flip);
      }
    } else {
      for (let w = 0; w < W; w++) planes[p + w] ^= nm[s + w] & (masks[th + w] ^ flip);
    }
  }
  for (let i = opsStart[t] * 2, e = opsStart[t + 1] * 2; i < e; i += 2) {
    const s = ops[i] * W;
    const p = at + ops[i + 1] * W;
    for (let w = 0; w < W; w++) planes[p + w] ^= nm[s + w];
  }
}

/** Spreads the low 4 bits of q to the low bit of each byte (bit k → bit 8k). */
const SPREAD = 0x204081;
const LOW_BITS = 0x01010101;

/** Spread(q): 4 rows' bits of one plane, one per byte. */
const SPREAD_TABLE = Int32Array.from({ length: 16 }, (_, q) => Math.imul(q, SPREAD) & LOW_BITS);
function spread(q: number): number {
  return SPREAD_TABLE[q & 15];
}

/**
 * Sum over trees of the leaf value of every row; `words` Int32 mask words per block (32 rows
 * each). Trees go in pairs: both trees' leaf ids are found first, then each row gets
 * `(sum + leaf of t) + leaf of t+1`, the same two additions in the same order as tree by tree.
 */
export function sumSwept(c: CompiledTrees, x: Matrix, words = 32, program?: SweepProgram, useSimd = true): Float64Array {
  const prog = program ?? sweepProgram(c);
  if (!prog) throw new RangeError("sumSwept: these trees have no swept form (leaf ids need more than 8 planes)");
  const W = words;
  const B = 32 * W;
  const { leafValues, leafBase, trees } = prog;
  // Planes read back per tree: 5 or 8 (unused ones stay 0); one more takes uncoded XORs.
  const R = prog.planes <= 5 ? 5 : 8;
  const region = (R + 1) * W;
  const out = new Float64Array(x.rows);
  /** The block's row sums (every row starts at 0 and gets its trees' leaves in tree order). */
  const acc = new Float64Array(B);
  // The sweep runs as WebAssembly SIMD (4 words at a time) when it can; its memory holds the masks.
  const simd = useSimd && W % 4 === 0 && W <= SIMD_MAX_WORDS ? simdSweeper(prog, 2 * (R + 1)) : null;
  const masks = simd ? simd.heap.subarray(simd.masks, simd.masks + prog.thresholds.length * W) : new Int32Array(prog.thresholds.length * W);
  const nm = simd ? simd.heap.subarray(simd.nm, simd.nm + prog.maxTreeNodes * W) : new Int32Array(prog.maxTreeNodes * W);
  const planes = simd ? simd.heap.subarray(simd.planes, simd.planes + 2 * region) : new Int32Array(2 * region);
  const all = new Int32Array(W);
  const pairs = trees & ~1;
  for (let start = 0; start < x.rows; start += B) {
    const count = Math.min(B, x.rows - start);
    fillMasks(prog, x, start, count, W, masks);
    for (let w = 0; w < W; w++) {
      const left = count - 32 * w;
      all[w] = left >= 32 ? -1 : left <= 0 ? 0 : (1 << left) - 1;
    }
    const wordsIn = (count + 31) >>> 5;
    acc.fill(0);
    for (let t = 0; t < pairs; t += 2) {
      treePlanes(prog, t, W, all, masks, nm, planes, 0, R, simd);
      treePlanes(prog, t + 1, W, all, masks, nm, planes, region, R, simd);
      const baseA = leafBase[t];
      const baseB = leafBase[t + 1];
      const pp = Math.max(prog.treePlanes[t], prog.treePlanes[t + 1]);
      for (let w = 0; w < wordsIn; w++) {
        const row0 = 32 * w; // in the block's sums (rows past the end add to unused slots)
        const n = 32;
        let a0 = planes[w], a1 = planes[W + w], a2 = planes[2 * W + w], a3 = planes[3 * W + w], a4 = planes[4 * W + w];
        let b0 = planes[region + w], b1 = planes[region + W + w], b2 = planes[region + 2 * W + w], b3 = planes[region + 3 * W + w], b4 = planes[region + 4 * W + w];
        let a5 = 0, a6 = 0, a7 = 0, b5 = 0, b6 = 0, b7 = 0;
        if (pp > 5) a5 = planes[5 * W + w], b5 = planes[region + 5 * W + w];
        if (pp > 6) a6 = planes[6 * W + w], b6 = planes[region + 6 * W + w];
        if (pp > 7) a7 = planes[7 * W + w], b7 = planes[region + 7 * W + w];
        for (let b = 0; b < n; b += 4) {
          let ia = spread(a0) | (spread(a1) << 1) | (spread(a2) << 2) | (spread(a3) << 3) | (spread(a4) << 4);
          let ib = spread(b0) | (spread(b1) << 1) | (spread(b2) << 2) | (spread(b3) << 3) | (spread(b4) << 4);
          if (pp > 5) {
            ia |= spread(a5) << 5;
            ib |= spread(b5) << 5;
            a5 >>>= 4, b5 >>>= 4;
            if (pp > 6) {
              ia |= spread(a6) << 6;
              ib |= spread(b6) << 6;
              a6 >>>= 4, b6 >>>= 4;
              if (pp > 7) {
                ia |= spread(a7) << 7;
                ib |= spread(b7) << 7;
                a7 >>>= 4, b7 >>>= 4;
              }
            }
          }
          const r = row0 + b;
          acc[r] = acc[r] + leafValues[baseA + (ia & 0xff)] + leafValues[baseB + (ib & 0xff)];
          acc[r + 1] = acc[r + 1] + leafValues[baseA + ((ia >>> 8) & 0xff)] + leafValues[baseB + ((ib >>> 8) & 0xff)];
          acc[r + 2] = acc[r + 2] + leafValues[baseA + ((ia >>> 16) & 0xff)] + leafValues[baseB + ((ib >>> 16) & 0xff)];
          acc[r + 3] = acc[r + 3] + leafValues[baseA + (ia >>> 24)] + leafValues[baseB + (ib >>> 24)];
          a0 >>>= 4, a1 >>>= 4, a2 >>>= 4, a3 >>>= 4, a4 >>>= 4;
          b0 >>>= 4, b1 >>>= 4, b2 >>>= 4, b3 >>>= 4, b4 >>>= 4;
        }
      }
    }
    for (let t = pairs; t < trees; t++) {
      treePlanes(prog, t, W, all, masks, nm, planes, 0, R, simd);
      const base = leafBase[t];
      for (let w = 0; w < wordsIn; w++) {
        const row0 = 32 * w;
        const n = Math.min(32, count - 32 * w);
        for (let b = 0; b < n; b++) {
          let id = 0;
          for (let p = 0; p < R; p++) id |= ((planes[p * W + w] >>> b) & 1) << p;
          acc[row0 + b] += leafValues[base + id];
        }
      }
    }
    out.set(acc.subarray(0, count), start);
  }
  return out;
}
