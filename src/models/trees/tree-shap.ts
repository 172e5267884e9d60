/**
 * Exact path-dependent TreeSHAP on our flat pre-order trees: for every row, the SHAP value of each
 * feature for the sum of the trees' leaf values, with the node covers (training rows reaching a
 * node) standing for the data distribution, as the `shap` package's TreeExplainer does with
 * feature_perturbation="tree_path_dependent". The contributions of a row plus the expected value
 * (the cover-weighted mean leaf, summed over trees) add up to the row's leaf sum, up to rounding.
 *
 * Two implementations of the same numbers:
 *   - `treeShapPaths`: Algorithm 2 of Lundberg, Erion & Lee 2018 ("Consistent individualized
 *     feature attribution for tree ensembles"), as shap's C++ implements it: it carries the
 *     permutation weights of the unique path to every leaf, O(leaves × depth²) per row and tree.
 *   - `treeShap` (used for explanations): the same sum written as an integral. A leaf l whose path
 *     holds the features j with zero fractions z_j (share of training rows going that way) and one
 *     fractions o_j ∈ {0, 1} (does the row go that way) gives feature i
 *         value_l · (o_i − z_i) · ∫₀¹ Π_{j≠i} (z_j (1 − t) + o_j t) dt,
 *     because the Shapley weight |S|!(m − |S| − 1)!/m! is the Beta integral ∫ t^|S| (1 − t)^(m−|S|−1).
 *     The integrand is a polynomial of degree < depth, so Gauss–Legendre quadrature with
 *     ⌈depth / 2⌉ + 1 nodes is exact, and the sums over the leaves below an edge are added bottom-up
 *     once per node (the idea of Linear TreeShap, Yu et al. 2022): O(nodes × depth) per row and tree,
 *     several times faster on deep forests. Tests check both against shap.
 */
import type { Matrix } from "../classifier.ts";
import type { FlatTrees } from "../scoring/types.ts";

export interface TreeShapResult {
  /** rows × cols contributions, row-major. */
  phi: Float64Array;
  /** Σ over trees of the cover-weighted mean leaf value (the same for every row). */
  expected: number;
}

/** Depth of the deepest leaf of every tree (pre-order layout). */
function maxDepth(trees: FlatTrees): number {
  const { feature, right, roots } = trees;
  let deepest = 0;
  const stack: number[] = [];
  for (let t = 0; t < roots.length; t++) {
    stack.push(roots[t], 0);
    while (stack.length) {
      const d = stack.pop()!;
      const n = stack.pop()!;
      if (feature[n] < 0) deepest = Math.max(deepest, d);
      else stack.push(n + 1, d + 1, right[n], d + 1);
    }
  }
  return deepest;
}

/** Per tree, the most distinct features on one root-to-leaf path (the degree the quadrature must integrate). */
function uniqueDepths(trees: FlatTrees, cols: number): Int32Array {
  const { feature, right, roots } = trees;
  const out = new Int32Array(roots.length);
  const count = new Int32Array(cols);
  for (let t = 0; t < roots.length; t++) {
    let best = 0;
    const walk = (n: number, unique: number): void => {
      const f = feature[n];
      if (f < 0) {
        best = Math.max(best, unique);
        return;
      }
      const fresh = count[f] === 0 ? 1 : 0;
      count[f]++;
      walk(n + 1, unique + fresh);
      walk(right[n], unique + fresh);
      count[f]--;
    };
    walk(roots[t], 0);
    out[t] = best;
  }
  return out;
}

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

/** Σ over trees of each tree's cover-weighted mean leaf value, times `scale`. */
function expectedValue(trees: FlatTrees, cover: Float64Array, scale: number): number {
  const { feature, right, value, roots } = trees;
  const nodeMean = new Float64Array(value.length);
  let expected = 0;
  for (let t = 0; t < roots.length; t++) {
    const end = t + 1 < roots.length ? roots[t + 1] : value.length;
    for (let n = end - 1; n >= roots[t]; n--) {
      if (feature[n] < 0) nodeMean[n] = value[n];
      else {
        const l = n + 1, r = right[n];
        const w = cover[l] + cover[r];
        nodeMean[n] = w > 0 ? (cover[l] * nodeMean[l] + cover[r] * nodeMean[r]) / w : 0;
      }
    }
    expected += nodeMean[roots[t]] * scale;
  }
  return expected;
}

/**
 * The features tree `tr` splits on and, per feature, its distinct thresholds in increasing order: a
 * row's bucket among them (how many it exceeds) fixes the side it takes at every split on it.
 */
function treeCuts(trees: FlatTrees, tr: number, cols: number, slot: Int32Array): { features: number[]; cuts: number[][] } {
  const { feature, threshold, roots, value } = trees;
  const end = tr + 1 < roots.length ? roots[tr + 1] : value.length;
  const features: number[] = [];
  const cuts: number[][] = [];
  slot.fill(-1, 0, cols);
  for (let n = roots[tr]; n < end; n++) {
    const f = feature[n];
    if (f < 0) continue;
    if (slot[f] < 0) {
      slot[f] = features.length;
      features.push(f);
      cuts.push([]);
    }
    const c = cuts[slot[f]];
    if (!c.includes(threshold[n])) c.push(threshold[n]);
  }
  for (const c of cuts) c.sort((a, b) => a - b);
  return { features, cuts };
}

/** Gauss–Legendre nodes and weights on [0, 1] (exact for polynomials of degree < 2n). */
export function gaussLegendre01(n: number): { t: Float64Array; w: Float64Array } {
  const t = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 1;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1, p1 = z;
      for (let k = 2; k <= n; k++) {
        const p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      if (n === 1) p0 = 1;
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const step = p1 / dp;
      z -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    t[i] = (1 - z) / 2;
    w[i] = 1 / ((1 - z * z) * dp * dp);
  }
  return { t, w };
}

/**
 * TreeSHAP contributions of every row of `x` for the sum of the trees' leaf values, times `scale`
 * (1/trees for a forest's mean), by the quadrature form (see the top of the file). Needs the node
 * covers (`trees.cover`).
 */
export function treeShap(trees: FlatTrees, x: Matrix, scale = 1): TreeShapResult {
  const cover = trees.cover;
  if (!cover) throw new RangeError("the trees have no node covers");
  const { feature, threshold, right, value, roots } = trees;
  const cols = x.cols;
  const levels = maxDepth(trees) + 2;
  // Per tree: Gauss–Legendre nodes exact for its paths (degree < its most distinct features on a path).
  const unique = uniqueDepths(trees, cols);
  const rules = new Map<number, { t: Float64Array; w: Float64Array }>();
  const ruleOf = (u: number) => {
    const n = Math.max(1, Math.ceil(u / 2));
    let r = rules.get(n);
    if (!r) rules.set(n, (r = gaussLegendre01(n)));
    return r;
  };
  const maxQ = Math.max(1, Math.ceil(Math.max(0, ...unique) / 2));
  const G = new Float64Array(levels * maxQ); // path polynomial at the node of each level, at the nodes t
  const S = new Float64Array(levels * maxQ); // Σ over the leaves below of value · G
  const saved = new Float64Array(levels * maxQ);
  const acc = new Float64Array(cols * maxQ); // per feature: S of the nearest edges on it below the current one
  const zf = new Float64Array(cols).fill(1);
  let widest = 1;
  for (let tr = 0; tr < roots.length; tr++) widest = Math.max(widest, (tr + 1 < roots.length ? roots[tr + 1] : value.length) - roots[tr]);
  const table = () => new Float64Array(widest * maxQ);
  const edges = { zero: new Float64Array(widest), r00: table(), r01: table(), r11: table(), w0: table(), w1: table() };
  const of = new Float64Array(cols).fill(1);
  const phi = new Float64Array(x.rows * cols);
  const expected = expectedValue(trees, cover, scale);
  let xBase = 0;
  let Q = 1;
  let t: Float64Array = new Float64Array(1);
  let w: Float64Array = new Float64Array(1);

  // The zero fractions along a path depend on the tree only, and the one fractions are 0 or 1: so
  // every edge's new factor zc (1 − t) + oc t, its reciprocal (times the quadrature weight) and its
  // ratio to the factor it replaces take a few values per edge, tabulated once per tree (`edges`)
  // instead of divided out for every row. Indexed by (child − root) · Q + q.
  const visit = (node: number, d: number, out: Float64Array, root: number): void => {
    const at = d * Q;
    const f = feature[node];
    if (f < 0) {
      const v = value[node] * scale;
      for (let q = 0; q < Q; q++) S[at + q] = v * G[at + q];
      return;
    }
    const oOld = of[f];
    const hot = x.values[xBase + f] <= threshold[node] ? node + 1 : right[node];
    const next = at + Q;
    const accAt = f * Q;
    for (let q = 0; q < Q; q++) S[at + q] = 0;
    for (let side = 0; side < 2; side++) {
      const child = side === 0 ? node + 1 : right[node];
      const oc = child === hot ? oOld : 0;
      const e = (child - root) * Q;
      const ratio = oOld === 0 ? edges.r00 : oc === 1 ? edges.r11 : edges.r01;
      const weighted = oc === 1 ? edges.w1 : edges.w0;
      for (let q = 0; q < Q; q++) {
        G[next + q] = G[at + q] * ratio[e + q];
        saved[next + q] = acc[accAt + q];
        acc[accAt + q] = 0;
      }
      of[f] = oc;
      visit(child, d + 1, out, root);
      let sum = 0;
      for (let q = 0; q < Q; q++) {
        const below = S[next + q];
        sum += (below - acc[accAt + q]) * weighted[e + q];
        acc[accAt + q] = saved[next + q] + below;
        S[at + q] += below;
      }
      out[f] += (oc - edges.zero[child - root]) * sum;
    }
    of[f] = oOld;
  };

  /** Fill `edges` for the tree at `root` (the walk keeps each feature's zero fraction in `zf`). */
  const tabulate = (node: number, root: number): void => {
    const f = feature[node];
    if (f < 0) return;
    const zOld = zf[f];
    const fresh = zOld === 1; // with one fraction 1: first split on f on this path, its old factor is 1
    for (let side = 0; side < 2; side++) {
      const child = side === 0 ? node + 1 : right[node];
      const zc = (zOld * cover[child]) / cover[node];
      const e = (child - root) * Q;
      edges.zero[child - root] = zc;
      for (let q = 0; q < Q; q++) {
        const tq = t[q];
        const f0 = zc * (1 - tq), f1 = zc * (1 - tq) + tq;
        const old0 = zOld * (1 - tq), old1 = zOld * (1 - tq) + tq;
        edges.r00[e + q] = f0 / old0;
        edges.r01[e + q] = fresh ? f0 : f0 / old1;
        edges.r11[e + q] = fresh ? f1 : f1 / old1;
        edges.w0[e + q] = w[q] / f0;
        edges.w1[e + q] = w[q] / f1;
      }
      zf[f] = zc;
      tabulate(child, root);
    }
    zf[f] = zOld;
  };

  // Rows that take the same side at every split of a tree get the same contributions from it: the
  // row is summarised by its bucket among the tree's thresholds of each feature the tree uses, and
  // a tree's contributions are computed once per bucket pattern (the data's ternary features leave
  // few patterns per tree). A pattern's contributions are computed into `scratch`, then added to every row that has it.
  const scratch = new Float64Array(cols);
  const used = new Int32Array(cols);
  for (let tr = 0; tr < roots.length; tr++) {
    ({ t, w } = ruleOf(unique[tr]));
    Q = t.length;
    const { features, cuts } = treeCuts(trees, tr, cols, used);
    tabulate(roots[tr], roots[tr]);
    const memo = new Map<string, Float64Array>();
    // one UTF-16 code unit per feature: memoise only when every bucket fits (and no cut is NaN)
    const memoOk = cuts.every((c) => c.length < 0xffff && c.every((v) => v === v));
    const codes: number[] = new Array(features.length);
    for (let row = 0; row < x.rows; row++) {
      const base = row * cols;
      xBase = row * x.cols;
      for (let k = 0; k < features.length; k++) {
        const v = x.values[xBase + features[k]];
        const c = cuts[k];
        let b = 0;
        while (b < c.length && v > c[b]) b++;
        codes[k] = v === v ? b : c.length; // NaN goes right at every split, as a value above all cuts does
      }
      const key = memoOk ? String.fromCharCode.apply(null, codes) : "";
      let got = memoOk ? memo.get(key) : undefined;
      if (!got) {
        for (let k = 0; k < features.length; k++) scratch[features[k]] = 0;
        G.fill(1, 0, Q);
        acc.fill(0, 0, cols * Q);
        visit(roots[tr], 0, scratch, roots[tr]);
        got = new Float64Array(features.length);
        for (let k = 0; k < features.length; k++) got[k] = scratch[features[k]];
        if (memoOk) memo.set(key, got);
      }
      for (let k = 0; k < features.length; k++) phi[base + features[k]] += got[k];
    }
  }
  return { phi, expected };
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
