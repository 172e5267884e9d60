/**
 * Trees as flat typed arrays, laid out in pre-order so a node's left child is the next node and
 * only the right child's index is stored. All trees of an ensemble share one set of arrays;
 * prediction walks blocks of rows tree by tree (the tree stays in cache). Each node may carry its
 * cover (the training rows, or bootstrap weight, that reached it): TreeSHAP needs it; model files
 * written before covers were stored load without them.
 */
import type { Matrix } from "../classifier.ts";
import { compileTrees, sumTrees } from "../scoring/compiled-trees.ts";
import type { CompiledTrees, FlatTrees } from "../scoring/types.ts";

export type { FlatTrees };

/** A tree under construction: any node order; `toPreorder` lays it out. */
export interface TreeBuilder {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
  /** Training rows (or sample weight) reaching each node. */
  cover: number[];
}

export function newTreeBuilder(): TreeBuilder {
  return { feature: [], threshold: [], left: [], right: [], value: [], cover: [] };
}

export function addNode(t: TreeBuilder, value: number, cover = 0): number {
  t.feature.push(-1);
  t.threshold.push(0);
  t.left.push(-1);
  t.right.push(-1);
  t.value.push(value);
  t.cover.push(cover);
  return t.value.length - 1;
}

/** Concatenate trees (node 0 of each builder is its root) into one pre-order FlatTrees. */
export function flatten(trees: TreeBuilder[]): FlatTrees {
  const total = trees.reduce((n, t) => n + t.value.length, 0);
  const out: FlatTrees = {
    feature: new Int32Array(total),
    threshold: new Float64Array(total),
    right: new Int32Array(total),
    value: new Float64Array(total),
    roots: new Int32Array(trees.length),
    cover: new Float64Array(total),
  };
  let next = 0;
  trees.forEach((t, i) => {
    out.roots[i] = next;
    const stack: { node: number; parent: number }[] = [{ node: 0, parent: -1 }];
    while (stack.length) {
      const { node, parent } = stack.pop()!;
      const id = next++;
      if (parent >= 0) out.right[parent] = id;
      out.feature[id] = t.feature[node];
      out.threshold[id] = t.threshold[node];
      out.value[id] = t.value[node];
      out.cover![id] = t.cover[node] ?? 0;
      out.right[id] = -1;
      if (t.feature[node] >= 0) {
        stack.push({ node: t.right[node], parent: id });
        stack.push({ node: t.left[node], parent: -1 });
      }
    }
  });
  return out;
}

const BLOCK = 512;
const compiled = new WeakMap<FlatTrees, CompiledTrees | null>();

/** Sum over trees of the leaf value reached by every row (the compiled form when it applies). */
export function sumLeaves(trees: FlatTrees, x: Matrix): Float64Array {
  let c = compiled.get(trees);
  if (c === undefined) {
    c = compileTrees(trees, x.cols) ?? null;
    compiled.set(trees, c);
  }
  return c && c.cols === x.cols ? sumTrees(c, x) : sumLeavesPlain(trees, x);
}

/** The plain walk over FlatTrees (reference implementation). */
export function sumLeavesPlain(trees: FlatTrees, x: Matrix, treeCount = trees.roots.length): Float64Array {
  const { feature, threshold, right, value, roots } = trees;
  const values = x.values;
  const cols = x.cols;
  const out = new Float64Array(x.rows);
  for (let start = 0; start < x.rows; start += BLOCK) {
    const end = Math.min(x.rows, start + BLOCK);
    for (let t = 0; t < treeCount; t++) {
      const root = roots[t];
      for (let r = start; r < end; r++) {
        const base = r * cols;
        let n = root;
        let f = feature[n];
        while (f >= 0) {
          n = values[base + f] <= threshold[n] ? n + 1 : right[n];
          f = feature[n];
        }
        out[r] += value[n];
      }
    }
  }
  return out;
}

export interface FlatTreesJson {
  feature: number[];
  threshold: number[];
  right: number[];
  value: number[];
  roots: number[];
  /** Optional (absent in files written before covers were stored). */
  cover?: number[];
}

export function treesToJSON(t: FlatTrees): FlatTreesJson {
  const json: FlatTreesJson = { feature: Array.from(t.feature), threshold: Array.from(t.threshold), right: Array.from(t.right), value: Array.from(t.value), roots: Array.from(t.roots) };
  if (t.cover) json.cover = Array.from(t.cover);
  return json;
}

export function treesFromJSON(json: FlatTreesJson, features: number): FlatTrees {
  const n = json.value.length;
  if (![json.feature, json.threshold, json.right].every((a) => Array.isArray(a) && a.length === n) || !Array.isArray(json.roots)) {
    throw new RangeError("tree arrays have different lengths");
  }
  const t: FlatTrees = {
    feature: Int32Array.from(json.feature),
    threshold: Float64Array.from(json.threshold),
    right: Int32Array.from(json.right),
    value: Float64Array.from(json.value),
    roots: Int32Array.from(json.roots),
  };
  if (json.cover !== undefined) {
    if (!Array.isArray(json.cover) || json.cover.length !== n || !json.cover.every((c) => Number.isFinite(c) && c >= 0)) {
      throw new RangeError("tree covers must be one finite number ≥ 0 per node");
    }
    t.cover = Float64Array.from(json.cover);
  }
  // Check every reference so a crafted file cannot make prediction loop or read out of bounds.
  for (let i = 0; i < n; i++) {
    const f = t.feature[i];
    if (f >= features || f < -1) throw new RangeError(`node ${i} splits on feature ${f} (model has ${features})`);
    if (f >= 0 && (i + 1 >= n || t.right[i] <= i || t.right[i] >= n)) throw new RangeError(`node ${i} has invalid children`);
    if (!Number.isFinite(t.value[i])) throw new RangeError(`node ${i} has a non-finite value`);
  }
  for (const r of t.roots) if (r < 0 || r >= n) throw new RangeError(`tree root ${r} out of range`);
  return t;
}
