/**
 * Each exportable family's model as ONNX nodes ending in `p1` (float [N, 1]: the probability of
 * class index 1, the same number the family's `predictProba` gives). Built from the model's JSON
 * state (plain data), never from a live object. The families that no standard operator
 * expresses are listed with the reason in NOT_EXPORTABLE.
 */
import type { ModelJson } from "../classifier.ts";
import type { FlatTreesJson } from "../trees/tree-ensemble.ts";
import { HIST_GBT } from "../families/hist-gbt.ts";
import { HIST_FOREST } from "../families/hist-forest.ts";
import { DECISION_TREE } from "../families/decision-tree.ts";
import { ML_RANDOM_FOREST } from "../families/ml-forest.ts";
import { LOGISTIC_REGRESSION } from "../families/logistic-regression.ts";
import { KNN } from "../families/knn.ts";
import { NAIVE_BAYES } from "../families/naive-bayes.ts";
import { addCartTree, addFlatTrees, type CartNodeJson, EnsembleBuilder } from "./trees.ts";
import { attr, DTYPE, ML_DOMAIN, node, tensor } from "./graph.ts";
import type { NodeProto, TensorProto } from "./types.ts";

export interface CoreGraph {
  nodes: NodeProto[];
  initializers: TensorProto[];
  /** The operators used, for the model card / docs (e.g. "TreeEnsembleRegressor"). */
  operators: string[];
}

/** The family's nodes from `input` (float [N, features]) to `p1` (float [N, 1]). */
type CoreBuilder = (model: ModelJson, features: number, input: string, p1: string) => CoreGraph;

const ANY_SHAPE = "model state";

/** Trees walked in float64: cast the float input first (see trees.ts). */
function treeCore(ensemble: EnsembleBuilder, input: string, out: string, aggregate: "SUM" | "AVERAGE", base?: number): NodeProto[] {
  return [node("Cast", [input], ["features_f64"], [attr.int("to", DTYPE.DOUBLE)]), ensemble.toNode("features_f64", out, aggregate, base)];
}

function state<T>(model: ModelJson): T {
  if (!model.state || typeof model.state !== "object") throw new RangeError(`${model.family}: the ${ANY_SHAPE} is missing`);
  return model.state as T;
}

const BUILDERS: Record<string, CoreBuilder> = {
  [HIST_GBT](model, features, input, p1) {
    const s = state<{ baseline: number; trees: FlatTreesJson }>(model);
    if (!Number.isFinite(s.baseline)) throw new RangeError("hist_gbt: baseline is not a finite number");
    const ensemble = new EnsembleBuilder();
    addFlatTrees(ensemble, s.trees, features);
    // probability = sigmoid(baseline + Σ leaf values), as HistGbt.predictProba
    return { nodes: [...treeCore(ensemble, input, "logit", "SUM", s.baseline), node("Sigmoid", ["logit"], [p1])], initializers: [], operators: ["TreeEnsembleRegressor", "Sigmoid"] };
  },
  [HIST_FOREST](model, features, input, p1) {
    const ensemble = new EnsembleBuilder();
    addFlatTrees(ensemble, state<{ trees: FlatTreesJson }>(model).trees, features);
    // probability = mean over trees of the leaf's class-1 share, as HistForest.predictProba
    return { nodes: treeCore(ensemble, input, p1, "AVERAGE"), initializers: [], operators: ["TreeEnsembleRegressor"] };
  },
  [DECISION_TREE](model, features, input, p1) {
    const s = state<{ tree?: { root?: CartNodeJson } }>(model);
    if (!s.tree?.root) throw new RangeError("decision_tree: the ml-cart tree has no root");
    const ensemble = new EnsembleBuilder();
    // DecisionTree.predictProba: the leaf distribution's class-1 entry (0 when the leaf saw only class 0)
    addCartTree(ensemble, s.tree.root, features, (c) => c, (d) => (d[0].length > 1 ? d[0][1] : 0));
    return { nodes: treeCore(ensemble, input, p1, "SUM"), initializers: [], operators: ["TreeEnsembleRegressor"] };
  },
  [ML_RANDOM_FOREST](model, features, input, p1) {
    // ml-random-forest's JSON: {name, baseModel: {indexes, estimators, …}}
    const s = state<{ forest?: { baseModel?: { indexes?: number[][]; estimators?: { root?: CartNodeJson }[] } } }>(model);
    const { indexes, estimators } = s.forest?.baseModel ?? {};
    if (!Array.isArray(estimators) || !Array.isArray(indexes) || estimators.length === 0 || indexes.length !== estimators.length) {
      throw new RangeError("ml_random_forest: the forest needs as many feature index lists as trees");
    }
    const ensemble = new EnsembleBuilder();
    estimators.forEach((est, t) => {
      if (!est?.root || !Array.isArray(indexes[t])) throw new RangeError(`ml_random_forest: tree ${t} has no root or no feature index list`);
      // Each tree sees the columns indexes[t]; its vote is its leaf's arg-max class (first on ties,
      // ml-matrix maxRowIndex); MlRandomForest.predictProba is the share of trees voting 1.
      addCartTree(ensemble, est.root, features, (c) => Number(indexes[t][c]), (d) => (d[0].length > 1 && d[0][1] > d[0][0] ? 1 : 0));
    });
    return { nodes: treeCore(ensemble, input, p1, "AVERAGE"), initializers: [], operators: ["TreeEnsembleRegressor"] };
  },
  [LOGISTIC_REGRESSION](model, features, input, p1) {
    const w = state<{ weights: number[] }>(model).weights;
    if (!Array.isArray(w) || w.length !== features + 1 || !w.every(Number.isFinite)) throw new RangeError(`logistic_regression: expected ${features + 1} finite weights (intercept + one per feature)`);
    const coef = w.slice(1);
    // Two rows, class 0 = -(b + w·x) and class 1 = b + w·x, each through the logistic function:
    // scores [1 - p, p] with p = sigmoid(b + w·x), as LogisticRegression.predictProba.
    const linear = node("LinearClassifier", [input], ["linear_label", "linear_scores"], [
      attr.ints("classlabels_ints", [0, 1]),
      attr.floats("coefficients", [...coef.map((c) => -c), ...coef]),
      attr.floats("intercepts", [-w[0], w[0]]),
      attr.string("post_transform", "LOGISTIC"),
    ], ML_DOMAIN);
    const slice = node("Slice", ["linear_scores", "slice_start", "slice_end", "slice_axis"], [p1]);
    const ints = (name: string, v: number) => tensor(name, DTYPE.INT64, [1], [v]);
    return { nodes: [linear, slice], initializers: [ints("slice_start", 1), ints("slice_end", 2), ints("slice_axis", 1)], operators: ["LinearClassifier"] };
  },
};

export const NOT_EXPORTABLE: Record<string, string> = {
  [KNN]: "k-nearest neighbours answers from the stored training rows; no standard ONNX operator holds a neighbour search, so the model cannot be expressed in ONNX",
  [NAIVE_BAYES]: "the ml-naivebayes model has no ai.onnx.ml operator; its export is not implemented",
};

export function coreBuilder(family: string): CoreBuilder | undefined {
  return BUILDERS[family];
}

export function exportableFamilies(): string[] {
  return Object.keys(BUILDERS);
}
