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

/** Limits of a tree model file (docs/models.md): deeper or bigger trees are refused on load. */
export const TREE_LIMITS = { maxDepth: 512, maxNodesPerTree: 1 << 22, maxNodes: 1 << 25, maxTrees: 100_000 } as const;

function show(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * Rebuild FlatTrees from JSON, checking values and not only shape: every split feature an integer
 * index below `features`, every split threshold and leaf value a finite number, children inside
 * their own tree and in pre-order (so prediction cannot loop, read out of bounds or see a node
 * twice), depth and node counts within TREE_LIMITS. A RangeError names the tree and node.
 */
export function treesFromJSON(json: FlatTreesJson, features: number): FlatTrees {
  if (!json || typeof json !== "object") throw new RangeError("the trees are missing");
  const n = Array.isArray(json.value) ? json.value.length : -1;
  if (n < 0 || ![json.feature, json.threshold, json.right].every((a) => Array.isArray(a) && a.length === n) || !Array.isArray(json.roots)) {
    throw new RangeError("tree arrays have different lengths");
  }
  if (n > TREE_LIMITS.maxNodes) throw new RangeError(`${n} nodes in all, over the limit of ${TREE_LIMITS.maxNodes}`);
  const roots = json.roots;
  if (roots.length === 0 || roots.length > TREE_LIMITS.maxTrees) throw new RangeError(`${roots.length} trees, expected 1 to ${TREE_LIMITS.maxTrees}`);
  roots.forEach((r, t) => {
    const before = t === 0 ? -1 : (roots[t - 1] as number);
    if (!Number.isInteger(r) || (t === 0 ? r !== 0 : r <= before) || r >= n) throw new RangeError(`tree ${t}: root ${show(r)} is not a node index in pre-order (after ${before}, below ${n})`);
  });
  const t: FlatTrees = {
    feature: new Int32Array(n),
    threshold: new Float64Array(n),
    right: new Int32Array(n),
    value: new Float64Array(n),
    roots: Int32Array.from(roots as number[]),
  };
  if (json.cover !== undefined) {
    if (!Array.isArray(json.cover) || json.cover.length !== n || !json.cover.every((c) => Number.isFinite(c) && c >= 0)) {
      throw new RangeError("tree covers must be one finite number ≥ 0 per node");
    }
    t.cover = Float64Array.from(json.cover);
  }
  const stack: number[] = [];
  const depths: number[] = [];
  for (let tree = 0; tree < roots.length; tree++) {
    const root = t.roots[tree];
    const end = tree + 1 < roots.length ? t.roots[tree + 1] : n;
    if (end - root > TREE_LIMITS.maxNodesPerTree) throw new RangeError(`tree ${tree}: ${end - root} nodes, over the limit of ${TREE_LIMITS.maxNodesPerTree}`);
    const where = (i: number) => `tree ${tree}, node ${i - root} (index ${i})`;
    // Walk the tree; in a valid pre-order layout the k-th node visited is node root + k.
    let expected = root;
    stack.length = 0;
    depths.length = 0;
    stack.push(root);
    depths.push(1);
    while (stack.length) {
      const i = stack.pop()!;
      const depth = depths.pop()!;
      if (i !== expected) throw new RangeError(`${where(i)}: reached out of pre-order (expected node ${expected - root}): the children are damaged`);
      expected++;
      if (depth > TREE_LIMITS.maxDepth) throw new RangeError(`${where(i)}: the tree is deeper than ${TREE_LIMITS.maxDepth} levels`);
      const f = json.feature[i], threshold = json.threshold[i], value = json.value[i];
      if (!Number.isInteger(f) || (f as number) < -1 || (f as number) >= features) throw new RangeError(`${where(i)}: split feature ${show(f)} is not a feature index (an integer from 0 to ${features - 1}, or -1 for a leaf)`);
      if (typeof value !== "number" || !Number.isFinite(value)) throw new RangeError(`${where(i)}: value ${show(value)} is not a finite number`);
      t.feature[i] = f as number;
      t.value[i] = value;
      t.right[i] = -1;
      if (f === -1) continue;
      if (typeof threshold !== "number" || !Number.isFinite(threshold)) throw new RangeError(`${where(i)}: threshold ${show(threshold)} is not a finite number`);
      const right = json.right[i];
      if (!Number.isInteger(right) || (right as number) <= i + 1 || (right as number) >= end) throw new RangeError(`${where(i)}: right child ${show(right)} is not a node of this tree after its left child`);
      t.threshold[i] = threshold;
      t.right[i] = right as number;
      stack.push(right as number, i + 1);
      depths.push(depth + 1, depth + 1);
    }
    if (expected !== end) throw new RangeError(`tree ${tree}: nodes ${expected - root} to ${end - root - 1} are not reachable from its root`);
  }
  return t;
}
