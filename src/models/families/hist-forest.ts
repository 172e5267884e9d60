/**
 * Our random forest on binned features (scikit-learn's RandomForestClassifier semantics: bootstrap
 * rows, `max_features` features drawn per node, Gini splits, fully grown trees by default, leaf =
 * class-1 share, probability = mean over trees). Identical rows are merged into weighted groups and
 * the bootstrap becomes per-group weights, so a tree costs O(groups × depth × max_features) with a
 * histogram per candidate feature (one bin per distinct value). Tree t uses its own PRNG seeded by
 * (seed, t): the model does not depend on how work is scheduled.
 */
import type { Explanation, Matrix, ModelJson, Params } from "../classifier.ts";
import { type Bins, fitBins, splitThreshold } from "../trees/binning.ts";
import { groupRows, type GroupedRows } from "../trees/grouping.ts";
import { addNode, flatten, newTreeBuilder, type TreeBuilder } from "../trees/tree-ensemble.ts";
import { TreeModel, type TreeModelState } from "../trees/tree-model.ts";
import { childSeed, mulberry32, type Rng } from "../../stats/rng.ts";
import { ParamReader } from "../params.ts";

export const HIST_FOREST = "hist_forest";
const KNOWN = ["n_estimators", "max_features", "max_depth", "min_samples_split", "min_samples_leaf", "bootstrap", "seed"] as const;

interface ForestOptions {
  trees: number;
  mtry: number;
  maxDepth: number;
  minSplit: number;
  minLeaf: number;
  bootstrap: boolean;
  seed: number;
}

function readOptions(params: Params, features: number): ForestOptions {
  const p = new ParamReader(HIST_FOREST, params, KNOWN);
  return {
    trees: p.int("n_estimators", 100, 1, 100_000),
    mtry: p.maxFeatures("max_features", "sqrt", features),
    maxDepth: p.limit("max_depth"),
    minSplit: p.int("min_samples_split", 2, 2),
    minLeaf: p.int("min_samples_leaf", 1, 1),
    bootstrap: p.bool("bootstrap", true),
    seed: p.int("seed", 42),
  };
}

/**
 * Grow one tree on group weights w0/w1 (bootstrap draws per class); adds impurity decreases to
 * `importance`. `rows[g]`: distinct training rows of group g in the sample (drawn at least once),
 * which min_samples_split and min_samples_leaf count, as scikit-learn counts a node's samples (a
 * row drawn three times is one sample of weight 3).
 */
export function growTree(data: GroupedRows, bins: Bins, w0: Float64Array, w1: Float64Array, rows: Float64Array, o: ForestOptions, rng: Rng, importance: Float64Array): TreeBuilder {
  const tree = newTreeBuilder();
  const G = data.groups;
  const F = data.features;
  const idx = new Int32Array(G);
  let n = 0;
  for (let g = 0; g < G; g++) if (w0[g] + w1[g] > 0) idx[n++] = g;
  const feats = Int32Array.from({ length: F }, (_, i) => i);
  const h0 = new Float64Array(256);
  const h1 = new Float64Array(256);
  const hn = new Float64Array(256);
  // `constant`: features already seen constant in an ancestor (so constant here too; up to 32
  // features are tracked). Drawing one still consumes its random draw, only its scan is skipped.
  const track = F <= 32;
  const stack: { start: number; end: number; depth: number; node: number; constant: number }[] = [{ start: 0, end: n, depth: 0, node: addNode(tree, 0), constant: 0 }];
  while (stack.length) {
    const top = stack.pop()!;
    const { start, end, depth, node } = top;
    let constant = top.constant;
    let W0 = 0;
    let W1 = 0;
    let N = 0;
    for (let i = start; i < end; i++) {
      W0 += w0[idx[i]];
      W1 += w1[idx[i]];
      N += rows[idx[i]];
    }
    const W = W0 + W1;
    tree.value[node] = W1 / W;
    tree.cover[node] = W;
    if (W0 === 0 || W1 === 0 || depth >= o.maxDepth || N < o.minSplit || N < 2 * o.minLeaf) continue;
    const parentScore = (W0 * W0 + W1 * W1) / W;
    let bestScore = parentScore + 1e-12;
    let bestF = -1;
    let bestLo = 0;
    let bestHi = 0;
    let visited = 0;
    for (let k = 0; k < F && visited < o.mtry; k++) {
      const j = k + rng.int(F - k);
      const f = feats[j];
      feats[j] = feats[k];
      feats[k] = f;
      if (track && constant & (1 << f)) continue;
      const nb = bins.counts[f];
      h0.fill(0, 0, nb);
      h1.fill(0, 0, nb);
      hn.fill(0, 0, nb);
      const col = f * G;
      for (let i = start; i < end; i++) {
        const g = idx[i];
        const c = data.codes[col + g];
        h0[c] += w0[g];
        h1[c] += w1[g];
        hn[c] += rows[g];
      }
      let nonEmpty = 0;
      for (let b = 0; b < nb; b++) if (h0[b] + h1[b] > 0) nonEmpty++;
      if (nonEmpty < 2) {
        constant |= 1 << f; // constant here and below: does not count towards max_features (as scikit-learn)
        continue;
      }
      visited++;
      let L0 = 0;
      let L1 = 0;
      let NL = 0;
      let lo = -1;
      for (let b = 0; b < nb; b++) {
        if (h0[b] + h1[b] === 0) continue;
        if (lo >= 0) {
          const WL = L0 + L1;
          const WR = W - WL;
          if (NL >= o.minLeaf && N - NL >= o.minLeaf) {
            const R0 = W0 - L0;
            const R1 = W1 - L1;
            const score = (L0 * L0 + L1 * L1) / WL + (R0 * R0 + R1 * R1) / WR;
            if (score > bestScore) {
              bestScore = score;
              bestF = f;
              bestLo = lo;
              bestHi = b;
            }
          }
        }
        L0 += h0[b];
        L1 += h1[b];
        NL += hn[b];
        lo = b;
      }
    }
    if (bestF < 0) continue;
    importance[bestF] += bestScore - parentScore;
    // Partition idx[start, end) into codes <= bestLo | codes > bestLo.
    const col = bestF * G;
    let i = start;
    let jEnd = end - 1;
    while (i <= jEnd) {
      if (data.codes[col + idx[i]] <= bestLo) i++;
      else {
        const t = idx[i];
        idx[i] = idx[jEnd];
        idx[jEnd--] = t;
      }
    }
    tree.feature[node] = bestF;
    tree.threshold[node] = splitThreshold(bins, bestF, bestLo, bestHi);
    const left = addNode(tree, 0);
    const right = addNode(tree, 0);
    tree.left[node] = left;
    tree.right[node] = right;
    stack.push({ start: i, end, depth: depth + 1, node: right, constant });
    stack.push({ start, end: i, depth: depth + 1, node: left, constant });
  }
  return tree;
}

export class HistForest extends TreeModel {
  readonly family = HIST_FOREST;

  constructor(params: Params = {}) {
    super(params);
    readOptions(params, 30); // fail early on a bad grid
  }

  fit(x: Matrix, y: Uint8Array): void {
    const o = readOptions(this.params, x.cols);
    const bins = fitBins(x);
    const data = groupRows(x, y, bins);
    const importance = new Float64Array(x.cols);
    const builders: TreeBuilder[] = [];
    const w0 = new Float64Array(data.groups);
    const w1 = new Float64Array(data.groups);
    const rows = new Float64Array(data.groups);
    const drawn = new Uint8Array(x.rows);
    for (let t = 0; t < o.trees; t++) {
      const rng = mulberry32(childSeed(o.seed, t));
      if (o.bootstrap) {
        w0.fill(0);
        w1.fill(0);
        rows.fill(0);
        drawn.fill(0);
        for (let r = 0; r < x.rows; r++) {
          const i = rng.int(x.rows);
          if (y[i] === 1) w1[data.rowGroup[i]]++;
          else w0[data.rowGroup[i]]++;
          if (!drawn[i]) {
            drawn[i] = 1;
            rows[data.rowGroup[i]]++;
          }
        }
      } else {
        w0.set(data.count0);
        w1.set(data.count1);
        for (let g = 0; g < data.groups; g++) rows[g] = data.count0[g] + data.count1[g];
      }
      const treeImportance = new Float64Array(x.cols);
      builders.push(growTree(data, bins, w0, w1, rows, o, rng, treeImportance));
      const total = treeImportance.reduce((a, b) => a + b, 0);
      if (total > 0) for (let f = 0; f < x.cols; f++) importance[f] += treeImportance[f] / total;
    }
    const sum = importance.reduce((a, b) => a + b, 0);
    if (sum > 0) for (let f = 0; f < x.cols; f++) importance[f] /= sum;
    this.fitted(flatten(builders), importance, x.cols);
  }

  predictProba(x: Matrix): Float64Array {
    const { sums: out, trees } = this.leafSums(x);
    const k = trees.roots.length;
    for (let i = 0; i < out.length; i++) out[i] /= k;
    return out;
  }

  /** TreeSHAP contributions to the probability of class 1 (the mean over trees). */
  explain(x: Matrix): Explanation {
    return this.explainTrees(x, "probability", 1 / (this.trees?.roots.length ?? 1), 0);
  }

  toJSON(): ModelJson {
    return this.stateJSON();
  }

  static fromJSON(json: ModelJson): HistForest {
    return new HistForest(json.params).restore(json.state as TreeModelState);
  }
}
