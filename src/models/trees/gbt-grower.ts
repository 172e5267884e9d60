/**
 * Grows hist_gbt's trees (scikit-learn's HistGradientBoosting rules): best-first up to
 * `max_leaf_nodes` leaves, a split only where both sides keep `min_samples_leaf` rows and a
 * hessian of at least 1e-3, gain = G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ), leaf value
 * −G/(H+λ) × learning rate. Per split and shard the histogram of the smaller side is built and the
 * larger side's is the parent's minus it, in the parent's slot (slots are reused across nodes and
 * trees); a leaf's histogram is the sum of its shards' in shard order. Each step runs on the fit
 * team when there is one, else here: the model is the same (gbt-kernels.ts).
 */
import { binCutThreshold, type Bins } from "./binning.ts";
import { type Bundles, bundleOf, leftCodes } from "./bundles.ts";
import { addNode, newTreeBuilder, type TreeBuilder } from "./tree-ensemble.ts";
import { type GbtArrays, leafFields, REC, SHARD_FIELDS } from "./gbt-kernels.ts";
import { addInto, OP, runAll, slotAt, slotSize } from "./fit-ops.ts";
import type { GroupedRows } from "./grouping.ts";
import type { Team } from "./fit-team.ts";

export interface GbtOptions {
  iterations: number;
  rate: number;
  maxLeaves: number;
  maxDepth: number;
  minLeaf: number;
  lambda: number;
}

/** Rows per shard at least (smaller data is one shard); at most MAX_SHARDS shards. */
export const SHARD_ROWS = 16_384;
const MAX_SHARDS = 8;
const MIN_HESSIAN = 1e-3;

/**
 * Shards for G rows: a function of the data only (never of the thread count). One shard where
 * every bundle is one feature (continuous features): such a fit runs on one thread with the
 * WebAssembly kernels, and one histogram per node stays in cache and needs no shard sums.
 */
export function shardCount(groups: number, bundles: Pick<Bundles, "count" | "totalBins" | "binOffset">): number {
  if (bundles.count === bundles.binOffset.length - 1) return 1;
  const max = bundles.totalBins > 1024 ? 4 : MAX_SHARDS;
  return Math.max(1, Math.min(max, Math.floor(groups / SHARD_ROWS)));
}

/** Histogram slots per shard a fit may need at once: one per leaf that can still split, plus one. */
export function slotCapacity(maxLeaves: number, rows: number, minLeaf: number): number {
  return Math.min(maxLeaves, Math.floor(rows / minLeaf) + 1) + 1;
}

interface Leaf {
  node: number;
  /** Per shard: the leaf's positions [start, end). */
  start: Int32Array;
  end: Int32Array;
  /** Buffer holding the leaf's rows (0/1). */
  buffer: number;
  depth: number;
  /** Per shard, its histogram slot; undefined once the leaf cannot split. */
  slot?: Int32Array;
  G: number;
  H: number;
  N: number;
  gain: number;
  feature: number;
  lo: number;
  hi: number;
}

/** Memory for the fit's arrays: a buffer and the byte offset of a block of `bytes` in it. */
export type FitAlloc = (bytes: number) => [ArrayBufferLike, number];

/** Bytes `gbtArrays` allocates for `data` (each block rounded up to 16). */
export function gbtBytes(data: GroupedRows, bundles: Bundles, slots: number, maxLeaves: number): number {
  const G = data.groups;
  const shards = shardCount(G, bundles);
  const words = Math.ceil(bundles.count / 4);
  const r16 = (n: number) => Math.ceil(n / 16) * 16;
  return 2 * r16(8 * REC * G) + 2 * r16(4 * words * G) + r16(4 * (shards + 1)) + r16(8 * slots * shards * 3 * bundles.totalBins) +
    r16(4 * (4 + SHARD_FIELDS * shards)) + 256 + r16(8 * leafFields(shards) * Math.max(1, Math.min(maxLeaves, G))) + r16(24 * bundles.totalBins) +
    r16(24 * bundles.jointOffset[bundles.count]);
}

/**
 * The fit's per-row arrays for `data` (codes row-major), every row at raw score `baseline`, in
 * buffer 0; `slots`: histogram slots per shard to start with (fixed when shared).
 */
export function gbtArrays(data: GroupedRows, bundles: Bundles, slots: number, baseline: number, maxLeaves: number, alloc: FitAlloc): GbtArrays {
  const G = data.groups;
  const B = bundles.count;
  const shards = shardCount(G, bundles);
  const words = Math.ceil(B / 4);
  const f64 = (n: number) => new Float64Array(...alloc(8 * n), n);
  const i32 = (n: number) => new Int32Array(...alloc(4 * n), n);
  const u32 = (n: number) => new Uint32Array(...alloc(4 * n), n);
  const rec: [Float64Array, Float64Array] = [f64(REC * G), f64(REC * G)];
  const codes: [Uint32Array, Uint32Array] = [u32(words * G), u32(words * G)];
  const codeBytes: [Uint8Array, Uint8Array] = [new Uint8Array(codes[0].buffer, codes[0].byteOffset, 4 * words * G), new Uint8Array(codes[1].buffer, codes[1].byteOffset, 4 * words * G)];
  for (let g = 0; g < G; g++) {
    const o = REC * g;
    rec[0][o + 2] = data.count0[g] + data.count1[g];
    rec[0][o + 3] = baseline;
    rec[0][o + 4] = data.count1[g];
    codeBytes[0].set(data.codes.subarray(g * B, (g + 1) * B), 4 * words * g);
  }
  const base = i32(shards + 1);
  for (let s = 0; s <= shards; s++) base[s] = Math.floor((G * s) / shards);
  return {
    groups: G,
    shards,
    base,
    words,
    rec,
    codes,
    codeBytes,
    slots: f64(slots * shards * 3 * bundles.totalBins),
    step: i32(4 + SHARD_FIELDS * shards),
    left: new Uint8Array(...alloc(256), 256),
    leaves: f64(leafFields(shards) * Math.max(1, Math.min(maxLeaves, G))),
    total: f64(3 * bundles.totalBins),
    joint: f64(3 * bundles.jointOffset[bundles.count]),
  };
}

export class GbtGrower {
  /** Free slot ids per shard. */
  private readonly free: number[][];
  private capacity: number;
  private readonly joint: Float64Array;
  private readonly shards: number;

  constructor(readonly a: GbtArrays, readonly bundles: Bundles, readonly bins: Bins, readonly o: GbtOptions, readonly team?: Team) {
    this.shards = a.shards;
    this.capacity = a.slots.length / (a.shards * slotSize(bundles));
    this.free = Array.from({ length: a.shards }, () => Array.from({ length: this.capacity }, (_, i) => this.capacity - 1 - i));
    this.joint = a.joint;
  }

  /** Runs a step on every shard: on the team, or here. */
  private run(op: number, a0 = 0, a1 = 0): void {
    if (this.team) this.team.run(op, a0, a1);
    else runAll(this.a, this.bundles, op, a0, a1, this.joint);
  }

  /** A free slot of shard s (the slots grow here when there is no team). */
  private take(s: number): number {
    if (!this.free[s].length) {
      if (this.team) throw new Error("hist_gbt: out of histogram slots");
      const grown = new Float64Array(this.a.slots.length * 2);
      grown.set(this.a.slots);
      this.a.slots = grown;
      for (let id = 2 * this.capacity - 1; id >= this.capacity; id--) for (const list of this.free) list.push(id);
      this.capacity *= 2;
    }
    return this.free[s].pop()!;
  }

  private release(leaf: Leaf): void {
    if (!leaf.slot) return;
    for (let s = 0; s < this.shards; s++) this.free[s].push(leaf.slot[s]);
    leaf.slot = undefined;
  }

  /** Gradients at the current raw scores (before the first tree). */
  gradients(): void {
    this.run(OP.gradients);
  }

  /** The leaf's histogram: its shards' slots summed in shard order (one shard: its slot, read in place). */
  private totalOf(leaf: Leaf): Float64Array {
    const { a, bundles } = this;
    const total = a.total;
    const n = total.length;
    if (this.shards === 1) return a.slots.subarray(slotAt(a, bundles, leaf.slot![0], 0), slotAt(a, bundles, leaf.slot![0], 0) + n);
    total.set(a.slots.subarray(slotAt(a, bundles, leaf.slot![0], 0), slotAt(a, bundles, leaf.slot![0], 0) + n));
    for (let s = 1; s < this.shards; s++) addInto(total, a.slots, slotAt(a, bundles, leaf.slot![s], s));
    return total;
  }

  /** Fill the leaf's totals and best split; a leaf that cannot split gives its slots back. */
  private evaluate(leaf: Leaf): void {
    const { o } = this;
    const offsets = this.bundles.binOffset;
    const hist = this.totalOf(leaf);
    let G = 0, H = 0, N = 0;
    for (let b = offsets[0]; b < offsets[1]; b++) {
      G += hist[3 * b];
      H += hist[3 * b + 1];
      N += hist[3 * b + 2];
    }
    leaf.G = G;
    leaf.H = H;
    leaf.N = N;
    leaf.gain = 0;
    leaf.feature = -1;
    if (leaf.depth < o.maxDepth && N >= 2 * o.minLeaf) {
      const parent = (G * G) / (H + o.lambda);
      let best = 1e-7;
      for (let f = 0; f < offsets.length - 1; f++) {
        let GL = 0, HL = 0, NL = 0;
        let lo = -1;
        for (let b = offsets[f]; b < offsets[f + 1]; b++) {
          const nb = hist[3 * b + 2];
          if (nb === 0) continue;
          if (lo >= 0 && NL >= o.minLeaf && N - NL >= o.minLeaf && HL >= MIN_HESSIAN && H - HL >= MIN_HESSIAN) {
            const GR = G - GL;
            const gain = (GL * GL) / (HL + o.lambda) + (GR * GR) / (H - HL + o.lambda) - parent;
            if (gain > best) {
              best = gain;
              leaf.gain = gain;
              leaf.feature = f;
              leaf.lo = lo - offsets[f];
              leaf.hi = b - offsets[f];
            }
          }
          GL += hist[3 * b];
          HL += hist[3 * b + 1];
          NL += nb;
          lo = b;
        }
      }
    }
    if (leaf.feature < 0) this.release(leaf);
  }

  /** Grow one tree, add its leaf values to the raw scores; `last`: no gradients needed after it. */
  grow(importance: Float64Array, last: boolean): TreeBuilder {
    const { a, o, bundles, bins, shards } = this;
    const tree = newTreeBuilder();
    const step = a.step;
    const root: Leaf = {
      node: addNode(tree, 0),
      start: a.base.slice(0, shards),
      end: a.base.slice(1, shards + 1),
      buffer: 0,
      depth: 0,
      slot: Int32Array.from({ length: shards }, (_, s) => this.take(s)),
      G: 0, H: 0, N: 0, gain: 0, feature: -1, lo: 0, hi: 0,
    };
    for (let s = 0; s < shards; s++) step[4 + SHARD_FIELDS * s + 3] = root.slot![s];
    this.run(OP.root);
    this.evaluate(root);
    tree.cover[root.node] = root.N;
    const leaves: Leaf[] = [root];
    while (leaves.length < o.maxLeaves) {
      let pick = -1;
      for (let i = 0; i < leaves.length; i++) if (leaves[i].feature >= 0 && (pick < 0 || leaves[i].gain > leaves[pick].gain)) pick = i;
      if (pick < 0) break;
      const leaf = leaves[pick];
      leftCodes(bundles, bins, leaf.feature, leaf.lo, a.left);
      step[0] = bundleOf(bundles, leaf.feature);
      step[1] = leaf.buffer;
      const fresh = new Int32Array(shards);
      for (let s = 0; s < shards; s++) {
        const f = 4 + SHARD_FIELDS * s;
        fresh[s] = this.take(s);
        step[f] = leaf.start[s];
        step[f + 1] = leaf.end[s];
        step[f + 2] = leaf.slot![s];
        step[f + 3] = fresh[s];
      }
      this.run(OP.split);
      const buffer = 1 - leaf.buffer;
      const left: Leaf = { ...leaf, node: addNode(tree, 0), start: leaf.start, end: new Int32Array(shards), buffer, depth: leaf.depth + 1, slot: new Int32Array(shards) };
      const right: Leaf = { ...leaf, node: addNode(tree, 0), start: new Int32Array(shards), end: leaf.end, buffer, depth: leaf.depth + 1, slot: new Int32Array(shards) };
      for (let s = 0; s < shards; s++) {
        const i = leaf.start[s] + step[4 + SHARD_FIELDS * s + 4];
        left.end[s] = right.start[s] = i;
        const smallLeft = i - leaf.start[s] <= leaf.end[s] - i;
        left.slot![s] = smallLeft ? fresh[s] : leaf.slot![s];
        right.slot![s] = smallLeft ? leaf.slot![s] : fresh[s];
      }
      importance[leaf.feature] += leaf.gain;
      tree.feature[leaf.node] = leaf.feature;
      // The global cut above bin lo (scikit-learn's bin threshold), not the midpoint of the two
      // values this node holds: rows with a value no training row of this node had go the way
      // scikit-learn sends them.
      tree.threshold[leaf.node] = binCutThreshold(bins, leaf.feature, leaf.lo);
      tree.left[leaf.node] = left.node;
      tree.right[leaf.node] = right.node;
      this.evaluate(left);
      this.evaluate(right);
      tree.cover[left.node] = left.N;
      tree.cover[right.node] = right.N;
      leaves.splice(pick, 1, left, right);
    }
    const F = leafFields(shards);
    leaves.forEach((leaf, l) => {
      const value = (-leaf.G / (leaf.H + o.lambda)) * o.rate;
      tree.value[leaf.node] = value;
      a.leaves[F * l] = leaf.buffer;
      a.leaves[F * l + 1] = value;
      for (let s = 0; s < shards; s++) {
        a.leaves[F * l + 2 + 2 * s] = leaf.start[s];
        a.leaves[F * l + 3 + 2 * s] = leaf.end[s];
      }
      this.release(leaf);
    });
    this.run(OP.leaves, leaves.length, last ? 0 : 1);
    return tree;
  }
}
