/**
 * Our gradient-boosted trees for the logistic loss (scikit-learn's HistGradientBoostingClassifier
 * semantics: baseline = log-odds of the training prior, trees grown best-first up to
 * `max_leaf_nodes` leaves, `min_samples_leaf`, L2 regularisation, leaves shrunk by
 * `learning_rate`). Rows are binned (one bin per distinct value) and identical rows merged into
 * groups, whose gradient and hessian are exact sums. Each split computes the histogram of the
 * smaller child and gets the larger one by subtraction from the parent. No randomness: the model
 * depends only on the data and the parameters.
 */
import type { Explanation, Matrix, ModelJson, Params } from "../classifier.ts";
import { type Bins, binCutThreshold, fitBins, groupRows, type GroupedRows } from "../trees/binning.ts";
import { addNode, flatten, newTreeBuilder, type TreeBuilder } from "../trees/tree-ensemble.ts";
import { TreeModel, type TreeModelState } from "../trees/tree-model.ts";
import { ParamReader } from "../params.ts";

export const HIST_GBT = "hist_gbt";
const KNOWN = ["n_estimators", "learning_rate", "max_leaf_nodes", "max_depth", "min_samples_leaf", "l2_regularization", "seed"] as const;

interface GbtOptions {
  iterations: number;
  rate: number;
  maxLeaves: number;
  maxDepth: number;
  minLeaf: number;
  lambda: number;
}

function readOptions(params: Params): GbtOptions {
  const p = new ParamReader(HIST_GBT, params, KNOWN);
  p.int("seed", 0); // accepted for a uniform grid; boosting here is deterministic
  return {
    iterations: p.int("n_estimators", 100, 1, 100_000),
    rate: p.number("learning_rate", 0.1, 1e-6, 10),
    maxLeaves: p.int("max_leaf_nodes", 31, 2, 65_536),
    maxDepth: p.limit("max_depth"),
    minLeaf: p.int("min_samples_leaf", 20, 1),
    lambda: p.number("l2_regularization", 0, 0),
  };
}

const MIN_HESSIAN = 1e-3;

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  /** Histograms [grad | hess | count] × total bins. */
  hist: Float64Array;
  G: number;
  H: number;
  N: number;
  gain: number;
  feature: number;
  lo: number;
  hi: number;
}

class GbtGrower {
  readonly offsets: Int32Array;
  readonly totalBins: number;

  constructor(readonly data: GroupedRows, readonly bins: Bins, readonly o: GbtOptions, readonly grad: Float64Array, readonly hess: Float64Array, readonly count: Float64Array) {
    this.offsets = new Int32Array(data.features + 1);
    for (let f = 0; f < data.features; f++) this.offsets[f + 1] = this.offsets[f] + bins.counts[f];
    this.totalBins = this.offsets[data.features];
  }

  histogram(idx: Int32Array, start: number, end: number): Float64Array {
    const { data, offsets, totalBins, grad, hess, count } = this;
    const hist = new Float64Array(totalBins * 3);
    const G = data.groups;
    for (let f = 0; f < data.features; f++) {
      const col = f * G;
      const off = offsets[f];
      for (let i = start; i < end; i++) {
        const g = idx[i];
        const b = off + data.codes[col + g];
        hist[b] += grad[g];
        hist[totalBins + b] += hess[g];
        hist[2 * totalBins + b] += count[g];
      }
    }
    return hist;
  }

  /** Fill the leaf's totals and best split. */
  evaluate(leaf: Leaf): void {
    const { offsets, totalBins, o, data } = this;
    const hist = leaf.hist;
    let G = 0, H = 0, N = 0;
    for (let b = offsets[0]; b < offsets[1]; b++) {
      G += hist[b];
      H += hist[totalBins + b];
      N += hist[2 * totalBins + b];
    }
    leaf.G = G;
    leaf.H = H;
    leaf.N = N;
    leaf.gain = 0;
    leaf.feature = -1;
    if (leaf.depth >= o.maxDepth || N < 2 * o.minLeaf) return;
    const parent = (G * G) / (H + o.lambda);
    let best = 1e-7;
    for (let f = 0; f < data.features; f++) {
      let GL = 0, HL = 0, NL = 0;
      let lo = -1;
      for (let b = offsets[f]; b < offsets[f + 1]; b++) {
        const nb = hist[2 * totalBins + b];
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
        GL += hist[b];
        HL += hist[totalBins + b];
        NL += nb;
        lo = b;
      }
    }
  }

  /** Grow one tree over all groups; returns the tree and writes each group's leaf value into `delta`. */
  grow(importance: Float64Array, delta: Float64Array): TreeBuilder {
    const { data, o } = this;
    const tree = newTreeBuilder();
    const idx = Int32Array.from({ length: data.groups }, (_, i) => i);
    const root: Leaf = { node: addNode(tree, 0), start: 0, end: data.groups, depth: 0, hist: this.histogram(idx, 0, data.groups), G: 0, H: 0, N: 0, gain: 0, feature: -1, lo: 0, hi: 0 };
    this.evaluate(root);
    tree.cover[root.node] = root.N;
    const leaves: Leaf[] = [root];
    while (leaves.length < o.maxLeaves) {
      let pick = -1;
      for (let i = 0; i < leaves.length; i++) if (leaves[i].feature >= 0 && (pick < 0 || leaves[i].gain > leaves[pick].gain)) pick = i;
      if (pick < 0) break;
      const leaf = leaves[pick];
      const col = leaf.feature * data.groups;
      let i = leaf.start;
      let j = leaf.end - 1;
      while (i <= j) {
        if (data.codes[col + idx[i]] <= leaf.lo) i++;
        else {
          const t = idx[i];
          idx[i] = idx[j];
          idx[j--] = t;
        }
      }
      const smallLeft = i - leaf.start <= leaf.end - i;
      const small = smallLeft ? this.histogram(idx, leaf.start, i) : this.histogram(idx, i, leaf.end);
      const large = new Float64Array(small.length);
      for (let b = 0; b < large.length; b++) large[b] = leaf.hist[b] - small[b];
      importance[leaf.feature] += leaf.gain;
      tree.feature[leaf.node] = leaf.feature;
      // The global cut above bin lo (scikit-learn's bin threshold), not the midpoint of the two
      // values this node holds: rows with a value no training row of this node had go the way
      // scikit-learn sends them.
      tree.threshold[leaf.node] = binCutThreshold(this.bins, leaf.feature, leaf.lo);
      const left: Leaf = { ...leaf, node: addNode(tree, 0), end: i, depth: leaf.depth + 1, hist: smallLeft ? small : large };
      const right: Leaf = { ...leaf, node: addNode(tree, 0), start: i, depth: leaf.depth + 1, hist: smallLeft ? large : small };
      tree.left[leaf.node] = left.node;
      tree.right[leaf.node] = right.node;
      this.evaluate(left);
      this.evaluate(right);
      tree.cover[left.node] = left.N;
      tree.cover[right.node] = right.N;
      leaves.splice(pick, 1, left, right);
    }
    for (const leaf of leaves) {
      const value = (-leaf.G / (leaf.H + o.lambda)) * o.rate;
      tree.value[leaf.node] = value;
      for (let k = leaf.start; k < leaf.end; k++) delta[idx[k]] = value;
    }
    return tree;
  }
}

interface GbtState extends TreeModelState {
  baseline: number;
}

export class HistGbt extends TreeModel {
  readonly family = HIST_GBT;
  private baseline = 0;

  constructor(params: Params = {}) {
    super(params);
    readOptions(params);
  }

  fit(x: Matrix, y: Uint8Array): void {
    const o = readOptions(this.params);
    const bins = fitBins(x);
    const data = groupRows(x, y, bins);
    const G = data.groups;
    let ones = 0;
    for (let i = 0; i < y.length; i++) ones += y[i];
    const prior = Math.min(1 - 1e-12, Math.max(1e-12, ones / y.length));
    this.baseline = Math.log(prior / (1 - prior));
    const raw = new Float64Array(G).fill(this.baseline);
    const grad = new Float64Array(G);
    const hess = new Float64Array(G);
    const count = new Float64Array(G);
    for (let g = 0; g < G; g++) count[g] = data.count0[g] + data.count1[g];
    const grower = new GbtGrower(data, bins, o, grad, hess, count);
    const importance = new Float64Array(x.cols);
    const delta = new Float64Array(G);
    const builders: TreeBuilder[] = [];
    for (let t = 0; t < o.iterations; t++) {
      for (let g = 0; g < G; g++) {
        const p = 1 / (1 + Math.exp(-raw[g]));
        grad[g] = count[g] * p - data.count1[g];
        hess[g] = Math.max(count[g] * p * (1 - p), 1e-16);
      }
      builders.push(grower.grow(importance, delta));
      for (let g = 0; g < G; g++) raw[g] += delta[g];
    }
    const sum = importance.reduce((a, b) => a + b, 0);
    if (sum > 0) for (let f = 0; f < x.cols; f++) importance[f] /= sum;
    this.fitted(flatten(builders), importance, x.cols);
  }

  /** Raw scores (log-odds of class 1). */
  decisionFunction(x: Matrix): Float64Array {
    const out = this.leafSums(x).sums;
    for (let i = 0; i < out.length; i++) out[i] += this.baseline;
    return out;
  }

  /** TreeSHAP contributions to the log-odds of class 1 (baseline included in `base`). */
  explain(x: Matrix): Explanation {
    return this.explainTrees(x, "log_odds", 1, this.baseline);
  }

  predictProba(x: Matrix): Float64Array {
    const out = this.decisionFunction(x);
    for (let i = 0; i < out.length; i++) out[i] = 1 / (1 + Math.exp(-out[i]));
    return out;
  }

  toJSON(): ModelJson {
    return this.stateJSON({ baseline: this.baseline });
  }

  static fromJSON(json: ModelJson): HistGbt {
    const state = json.state as GbtState;
    if (!Number.isFinite(state.baseline)) throw new RangeError("hist_gbt: baseline is not a finite number");
    const model = new HistGbt(json.params).restore(state);
    model.baseline = state.baseline;
    return model;
  }
}
