/**
 * A faster form of FlatTrees for prediction, exploiting that the features take few distinct
 * values. Per feature, the sorted distinct thresholds used anywhere in the ensemble define codes:
 * code(x) = how many thresholds lie below x, so `x <= t_k` ⇔ `code(x) <= k` exactly. A row is
 * encoded once (30 tiny searches) into Uint8 codes, and each node is one Int32 word
 * (feature << 24 | threshold code << 16 | offset of the right child), so a tree walk touches one
 * word and one byte per level. Built lazily from FlatTrees; not serialised (the JSON stays the
 * plain tree arrays). Returns undefined when an ensemble does not fit the packing (then callers
 * use the plain walk).
 */
import type { Matrix } from "../classifier.ts";
import type { CompiledTrees, FlatTrees } from "./types.ts";
import { sumSwept, sweepProgram } from "./swept-trees.ts";

const NAN_CODE = 255;
/** A leaf: sign bit set, every other field 0 (so a branch-free step from it is 0). */
const LEAF = 1 << 31;

export function compileTrees(trees: FlatTrees, cols: number): CompiledTrees | undefined {
  if (cols > 127) return undefined;
  const n = trees.value.length;
  const perFeature: Set<number>[] = Array.from({ length: cols }, () => new Set());
  for (let i = 0; i < n; i++) if (trees.feature[i] >= 0) perFeature[trees.feature[i]].add(trees.threshold[i]);
  const thresholds = perFeature.map((s) => Float64Array.from(s).sort());
  if (thresholds.some((t) => t.length > 254)) return undefined;
  const nodes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const f = trees.feature[i];
    if (f < 0) {
      nodes[i] = LEAF;
      continue;
    }
    const delta = trees.right[i] - i;
    if (delta <= 0 || delta > 0xffff) return undefined;
    const code = thresholds[f].indexOf(trees.threshold[i]);
    nodes[i] = (f << 24) | (code << 16) | delta;
  }
  const offsets = new Int32Array(cols + 1);
  for (let f = 0; f < cols; f++) offsets[f + 1] = offsets[f] + thresholds[f].length;
  let maxTreeNodes = 0;
  for (let t = 0; t < trees.roots.length; t++) maxTreeNodes = Math.max(maxTreeNodes, (t + 1 < trees.roots.length ? trees.roots[t + 1] : n) - trees.roots[t]);
  const depth = new Int32Array(n);
  let maxDepth = 0;
  for (let i = 0; i < n; i++) {
    if (trees.feature[i] < 0) {
      maxDepth = Math.max(maxDepth, depth[i]);
      continue;
    }
    depth[i + 1] = depth[i] + 1;
    depth[trees.right[i]] = depth[i] + 1;
  }
  return { cols, offsets, maxTreeNodes, maxDepth, thresholds, nodes, values: trees.value, roots: trees.roots };
}

const BLOCK = 256;

/** Sum over trees of the leaf value of every row (same result as sumLeaves on the FlatTrees). */
export function sumCompiled(c: CompiledTrees, x: Matrix): Float64Array {
  const { nodes, values, roots, thresholds } = c;
  const cols = x.cols;
  const out = new Float64Array(x.rows);
  const codes = new Uint8Array(BLOCK * cols);
  const treeCount = roots.length;
  for (let start = 0; start < x.rows; start += BLOCK) {
    const end = Math.min(x.rows, start + BLOCK);
    for (let r = start; r < end; r++) {
      const base = r * cols;
      const cb = (r - start) * cols;
      for (let f = 0; f < cols; f++) {
        const v = x.values[base + f];
        const t = thresholds[f];
        let k = 0;
        while (k < t.length && t[k] < v) k++;
        codes[cb + f] = v !== v ? NAN_CODE : k;
      }
    }
    // Four rows walk each tree together with branch-free steps (a leaf steps by 0): no
    // mispredicted branch per level, only one loop exit per group, and four independent chains.
    const groupEnd = start + ((end - start) & ~3);
    for (let t = 0; t < treeCount; t++) {
      const root = roots[t];
      for (let r = start; r < groupEnd; r += 4) {
        const c0 = (r - start) * cols, c1 = c0 + cols, c2 = c1 + cols, c3 = c2 + cols;
        let n0 = root, n1 = root, n2 = root, n3 = root;
        for (;;) {
          const w0 = nodes[n0], w1 = nodes[n1], w2 = nodes[n2], w3 = nodes[n3];
          if ((w0 & w1 & w2 & w3) < 0) break;
          n0 += step(w0, codes[c0 + ((w0 >>> 24) & 0x7f)]);
          n1 += step(w1, codes[c1 + ((w1 >>> 24) & 0x7f)]);
          n2 += step(w2, codes[c2 + ((w2 >>> 24) & 0x7f)]);
          n3 += step(w3, codes[c3 + ((w3 >>> 24) & 0x7f)]);
        }
        out[r] += values[n0];
        out[r + 1] += values[n1];
        out[r + 2] += values[n2];
        out[r + 3] += values[n3];
      }
      for (let r = groupEnd; r < end; r++) {
        const cb = (r - start) * cols;
        let n = root;
        let w = nodes[n];
        while (w >= 0) {
          n += codes[cb + (w >>> 24)] <= ((w >>> 16) & 0xff) ? 1 : w & 0xffff;
          w = nodes[n];
        }
        out[r] += values[n];
      }
    }
  }
  return out;
}

/** Offset to the next node: 1 (left) or the right child's offset; 0 at a leaf. Branch-free. */
function step(w: number, code: number): number {
  const greater = (((w >>> 16) & 0xff) - code) >>> 31; // 1 when code > threshold code: go right
  return (1 + greater * ((w & 0xffff) - 1)) * (1 - (w >>> 31));
}

/**
 * The same sums, 32 rows at a time with bit masks: for every threshold of the ensemble, one 32-bit
 * mask says which of the 32 rows lie above it; a tree is then walked once per block, carrying the
 * mask of rows that reach each node (left = mask & ~above, right = mask & above), and a leaf adds
 * its value to the rows in its mask. Nodes no row of the block reaches are never visited. This
 * replaces 32 data-dependent walks (one mispredicted branch per level each) by one walk of cheap
 * integer operations, which is what makes small-integer features fast to score.
 */
export function sumBitsliced(c: CompiledTrees, x: Matrix): Float64Array {
  const { nodes, values, roots, thresholds, offsets } = c;
  const cols = x.cols;
  const out = new Float64Array(x.rows);
  const masks = new Int32Array(offsets[cols]);
  const stack = new Int32Array(2 * (c.maxTreeNodes + 2));
  const treeCount = roots.length;
  for (let start = 0; start < x.rows; start += 32) {
    const count = Math.min(32, x.rows - start);
    masks.fill(0);
    for (let i = 0; i < count; i++) {
      const base = (start + i) * cols;
      const bit = 1 << i;
      for (let f = 0; f < cols; f++) {
        const v = x.values[base + f];
        const t = thresholds[f];
        const off = offsets[f];
        if (v !== v) {
          for (let k = 0; k < t.length; k++) masks[off + k] |= bit; // NaN goes right everywhere
        } else {
          for (let k = 0; k < t.length && t[k] < v; k++) masks[off + k] |= bit;
        }
      }
    }
    const all = count === 32 ? -1 : (1 << count) - 1;
    for (let t = 0; t < treeCount; t++) {
      let sp = 0;
      stack[sp++] = roots[t];
      stack[sp++] = all;
      while (sp > 0) {
        const mask = stack[--sp];
        const n = stack[--sp];
        const w = nodes[n];
        if (w < 0) {
          const v = values[n];
          let m = mask;
          while (m !== 0) {
            const low = m & -m;
            out[start + 31 - Math.clz32(low)] += v;
            m ^= low;
          }
          continue;
        }
        const above = masks[offsets[(w >>> 24) & 0x7f] + ((w >>> 16) & 0xff)];
        const right = mask & above;
        const left = mask & ~above;
        if (right !== 0) {
          stack[sp++] = n + (w & 0xffff);
          stack[sp++] = right;
        }
        if (left !== 0) {
          stack[sp++] = n + 1;
          stack[sp++] = left;
        }
      }
    }
  }
  return out;
}

/** From this many rows on, the swept kernel (when the ensemble has one) beats the per-row walks. */
export const SWEEP_MIN_ROWS = 32;
/**
 * Building the swept form costs ~20–40 ms for 300 trees (choosing leaf codes), the time of ~8k rows
 * of the bit-sliced walk: a model scored once on a few thousand rows (a search fold) never builds
 * it; a served or pushed model builds it once this many rows were scored.
 */
export const SWEEP_BUILD_ROWS = 8192;
/**
 * Mask words per swept block (32 rows each): wider blocks share each node's cost among more rows
 * (pushed model: 622k rows/s at 128-row blocks, 756k at 512, 813k at 1024, 852k at 2048) as long
 * as a tree's node masks stay in the L1 cache; 16 KB of them, at most 64 words.
 */
export function sweepWords(maxTreeNodes: number, rows: number): number {
  const fit = Math.max(4, Math.min(64, Math.floor(4096 / maxTreeNodes)));
  return Math.max(1, Math.min(fit, rows >>> 5));
}

/**
 * The kernel by measurement (`deno run -A bench/predict-kernels.ts <model dir> --small`, pushed
 * hist_gbt, distinct rows, different rows on every call): the swept kernel from 32 rows on
 * (347k rows/s at 32 rows, 494k at 64, 772k at 1024, when the 32-row bit-sliced walk stays at
 * 290k and the 4-row walk at 160k), the bit-sliced walk from 16 rows on or when there is no swept
 * form (trees with > 128 leaves: forests), the 4-row walk for fewer rows (1 row: 79k/s against
 * 13k/s for a whole swept block).
 */
export function sumTrees(c: CompiledTrees, x: Matrix): Float64Array {
  if (x.rows >= SWEEP_MIN_ROWS) {
    if (c.sweep === undefined && (c.scored = (c.scored ?? 0) + x.rows) >= SWEEP_BUILD_ROWS) c.sweep = sweepProgram(c) ?? null;
    if (c.sweep) return sumSwept(c, x, sweepWords(c.maxTreeNodes, x.rows), c.sweep);
  }
  return x.rows >= 16 ? sumBitsliced(c, x) : sumCompiled(c, x);
}
