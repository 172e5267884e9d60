/**
 * `treeShapPaths`: path-dependent TreeSHAP as Algorithm 2 of Lundberg, Erion & Lee 2018 computes
 * it (shap's C++), the reference the faster `treeShap` of tree-shap.ts is tested against: the
 * permutation weights of the unique path to every leaf, O(leaves × depth²) per row and tree.
 */
import type { Matrix } from "../classifier.ts";
import type { FlatTrees } from "../scoring/types.ts";
import { expectedValue, maxDepth, type TreeShapResult } from "./tree-shap.ts";

/** The path of unique features from the root, as four parallel arrays (one segment per recursion level). */
class Path {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;

  constructor(size: number) {
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }

  copy(from: number, to: number, n: number): void {
    this.feature.copyWithin(to, from, from + n);
    this.zero.copyWithin(to, from, from + n);
    this.one.copyWithin(to, from, from + n);
    this.weight.copyWithin(to, from, from + n);
  }
}

/** EXTEND: add a feature to the path at `at` (depth `d`), updating the permutation weights. */
function extend(p: Path, at: number, d: number, zero: number, one: number, feature: number): void {
  p.feature[at + d] = feature;
  p.zero[at + d] = zero;
  p.one[at + d] = one;
  p.weight[at + d] = d === 0 ? 1 : 0;
  for (let i = d - 1; i >= 0; i--) {
    p.weight[at + i + 1] += (one * p.weight[at + i] * (i + 1)) / (d + 1);
    p.weight[at + i] = (zero * p.weight[at + i] * (d - i)) / (d + 1);
  }
}

/** UNWIND: undo the extension by element `k` of the path at `at` (depth `d`). */
function unwind(p: Path, at: number, d: number, k: number): void {
  const one = p.one[at + k];
  const zero = p.zero[at + k];
  let next = p.weight[at + d];
  for (let i = d - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = p.weight[at + i];
      p.weight[at + i] = (next * (d + 1)) / ((i + 1) * one);
      next = tmp - (p.weight[at + i] * zero * (d - i)) / (d + 1);
    } else {
      p.weight[at + i] = (p.weight[at + i] * (d + 1)) / (zero * (d - i));
    }
  }
  for (let i = k; i < d; i++) {
    p.feature[at + i] = p.feature[at + i + 1];
    p.zero[at + i] = p.zero[at + i + 1];
    p.one[at + i] = p.one[at + i + 1];
  }
}

/** The total permutation weight the path would have with element `k` unwound (without changing it). */
function unwoundSum(p: Path, at: number, d: number, k: number): number {
  const one = p.one[at + k];
  const zero = p.zero[at + k];
  let next = p.weight[at + d];
  let total = 0;
  for (let i = d - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = (next * (d + 1)) / ((i + 1) * one);
      total += tmp;
      next = p.weight[at + i] - (tmp * zero * (d - i)) / (d + 1);
    } else {
      total += p.weight[at + i] / zero / ((d - i) / (d + 1));
    }
  }
  return total;
}

/**
 * TreeSHAP contributions of every row of `x` for the sum of the trees' leaf values, times `scale`,
 * by Algorithm 2 (the reference implementation: same numbers as `treeShap`, slower on deep trees).
 */
export function treeShapPaths(trees: FlatTrees, x: Matrix, scale = 1): TreeShapResult {
  const cover = trees.cover;
  if (!cover) throw new RangeError("the trees have no node covers");
  const { feature, threshold, right, value, roots } = trees;
  const cols = x.cols;
  const depth = maxDepth(trees) + 2;
  const path = new Path(((depth + 1) * (depth + 2)) / 2);
  const phi = new Float64Array(x.rows * cols);
  const expected = expectedValue(trees, cover, scale);
  const pf = path.feature, pz = path.zero, po = path.one, pw = path.weight;
  let xBase = 0;
  let base = 0;
  const recurse = (node: number, at: number, d: number, zero: number, one: number, parentFeature: number): void => {
    // Each level gets its own copy of the path (its d + 1 elements), right after the parent's.
    const here = at + d + 1;
    path.copy(at, here, d + 1);
    extend(path, here, d, zero, one, parentFeature);
    const f = feature[node];
    if (f < 0) {
      const leaf = value[node] * scale;
      // Elements with one = 0 (features whose condition the row fails) all unwind to the same
      // sum divided by their zero fraction: compute it once (Fast TreeSHAP's observation).
      let coldSum = 0;
      for (let i = d - 1; i >= 0; i--) coldSum += (pw[here + i] * (d + 1)) / (d - i);
      for (let i = 1; i <= d; i++) {
        const o = po[here + i], z = pz[here + i];
        const w = o === 0 ? coldSum / z : unwoundSum(path, here, d, i);
        phi[base + pf[here + i]] += w * (o - z) * leaf;
      }
      return;
    }
    const l = node + 1, r = right[node];
    const goesLeft = x.values[xBase + f] <= threshold[node];
    const hot = goesLeft ? l : r;
    const cold = goesLeft ? r : l;
    const w = cover[node];
    const hotZero = w > 0 ? cover[hot] / w : 0;
    const coldZero = w > 0 ? cover[cold] / w : 0;
    let inZero = 1, inOne = 1;
    let k = 0;
    for (; k <= d; k++) if (pf[here + k] === f) break;
    let depthNow = d;
    if (k <= d) {
      // The feature was split on above: undo that split so it counts once.
      inZero = pz[here + k];
      inOne = po[here + k];
      unwind(path, here, d, k);
      depthNow = d - 1;
    }
    recurse(hot, here, depthNow + 1, hotZero * inZero, inOne, f);
    recurse(cold, here, depthNow + 1, coldZero * inZero, 0, f);
  };

  for (let row = 0; row < x.rows; row++) {
    base = row * cols;
    xBase = row * x.cols;
    for (let t = 0; t < roots.length; t++) recurse(roots[t], 0, 0, 1, 1, -1);
  }
  return { phi, expected };
}
