/**
 * What our two tree ensembles (hist_forest, hist_gbt) share once fitted: the flat trees, the
 * feature importances, the width they were fitted on, the leaf sums every prediction starts from,
 * and the common part of their JSON state. Each family adds how it fits and how a leaf sum
 * becomes a probability (mean over trees; sigmoid of baseline + sum).
 */
import type { Classifier, Explanation, Matrix, ModelJson, Params } from "../classifier.ts";
import { type FlatTrees, type FlatTreesJson, sumLeaves, treesFromJSON, treesToJSON } from "./tree-ensemble.ts";
import { treeShap } from "./tree-shap.ts";
import { assertFitted, checkWidth, classesOf } from "../params.ts";
import { NetsecError } from "../../errors.ts";

/** The JSON state both families write: their own fields go between `features` and `importances`. */
export interface TreeModelState {
  features: number;
  importances: number[];
  trees: FlatTreesJson;
}

export abstract class TreeModel implements Classifier {
  abstract readonly family: string;
  protected trees?: FlatTrees;
  protected importances?: Float64Array;
  protected features = 0;

  constructor(readonly params: Params) {}

  abstract fit(x: Matrix, y: Uint8Array): void;
  abstract predictProba(x: Matrix): Float64Array;
  abstract toJSON(): ModelJson;

  predict(x: Matrix): Uint8Array {
    return classesOf(this.predictProba(x));
  }

  featureImportances(): Float64Array {
    return Float64Array.from(assertFitted(this.importances, this.family));
  }

  /** Per row, the sum over trees of its leaf values; also the trees (fitted and width checked). */
  protected leafSums(x: Matrix): { sums: Float64Array; trees: FlatTrees } {
    const trees = assertFitted(this.trees, this.family);
    checkWidth(this.family, this.features, x.cols);
    return { sums: sumLeaves(trees, x), trees };
  }

  /**
   * TreeSHAP contributions for `scale` × (sum of leaf values) + `offset` (the family's raw output):
   * the trees' node covers weigh the paths, as shap's TreeExplainer does.
   */
  protected explainTrees(x: Matrix, output: Explanation["output"], scale: number, offset: number): Explanation {
    const trees = assertFitted(this.trees, this.family);
    checkWidth(this.family, this.features, x.cols);
    if (!trees.cover) {
      throw new NetsecError("EXPLAIN_UNAVAILABLE", `${this.family}: this model file has no node covers (it was trained before netsec stored them), so its predictions cannot be explained: train it again`);
    }
    const { phi, expected } = treeShap(trees, x, scale);
    return { output, contributions: phi, base: expected + offset };
  }

  protected fitted(trees: FlatTrees, importances: Float64Array, features: number): void {
    this.trees = trees;
    this.importances = importances;
    this.features = features;
  }

  /** The model's JSON with `own` (the family's state fields) after `features`. */
  protected stateJSON(own: Record<string, number> = {}): ModelJson {
    const trees = assertFitted(this.trees, this.family);
    const state = { features: this.features, ...own, importances: Array.from(this.importances!), trees: treesToJSON(trees) };
    return { family: this.family, formatVersion: 1, params: this.params, state };
  }

  /** Loads the shared state written by `stateJSON`. */
  protected restore(state: TreeModelState): this {
    this.fitted(treesFromJSON(state.trees, state.features), Float64Array.from(state.importances), state.features);
    return this;
  }
}
