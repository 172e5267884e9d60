/**
 * Exact path-dependent TreeSHAP on our flat pre-order trees: for every row, the SHAP value of each
 * feature for the sum of the trees' leaf values, with the node covers (training rows reaching a
 * node) standing for the data distribution, as the `shap` package's TreeExplainer does with
 * feature_perturbation="tree_path_dependent". The contributions of a row plus the expected value
 * (the cover-weighted mean leaf, summed over trees) add up to the row's leaf sum, up to rounding.
 *
 * Two implementations of the same numbers:
 *   - `treeShapPaths` (tree-shap-paths.ts): Algorithm 2 of Lundberg, Erion & Lee 2018 ("Consistent individualized
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
export function maxDepth(trees: FlatTrees): number {
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

/** Σ over trees of each tree's cover-weighted mean leaf value, times `scale`. */
export function expectedValue(trees: FlatTrees, cover: Float64Array, scale: number): number {
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
