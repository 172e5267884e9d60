/**
 * A single CART decision tree from `ml-cart` (Gini). The library's `predict` returns labels only;
 * the adapter reads the leaf's class distribution for the probability. `ml-cart` sorts every
 * feature at every node on ml-matrix objects, so it is slow on thousands of rows: keep
 * `max_depth` small in everyday experiments (see experiments/default.yaml).
 */
// @ts-ignore: ml-cart ships no type declarations; its shape is declared below.
import * as cart from "ml-cart";
import type { Classifier, Matrix, ModelJson, Params } from "../classifier.ts";
import { assertFitted, checkWidth, classesOf, ParamReader } from "../params.ts";
import { checkCartTree } from "../trees/cart-json.ts";

export const DECISION_TREE = "decision_tree";
const KNOWN = ["max_depth", "min_samples_leaf", "seed"] as const;

interface LibMatrix {
  get(row: number, column: number): number;
  columns: number;
}
interface CartTree {
  root: { classify(row: number[]): LibMatrix };
  train(x: number[][], y: number[]): void;
  toJSON(): unknown;
}
const lib = cart as unknown as {
  DecisionTreeClassifier: { new (options: Record<string, unknown>): CartTree; load(model: unknown): CartTree };
};

export class DecisionTree implements Classifier {
  readonly family = DECISION_TREE;
  private tree?: CartTree;
  private cols = 0;
  /** The library's JSON as loaded (its toJSON after load drops fields, so reuse the original). */
  private loaded?: unknown;

  constructor(readonly params: Params = {}) {
    this.options();
  }

  private options(): Record<string, unknown> {
    const p = new ParamReader(DECISION_TREE, this.params, KNOWN);
    return { gainFunction: "gini", splitFunction: "mean", maxDepth: p.limit("max_depth"), minNumSamples: p.int("min_samples_leaf", 3, 1) };
  }

  fit(x: Matrix, y: Uint8Array): void {
    const rows: number[][] = [];
    for (let r = 0; r < x.rows; r++) rows.push(Array.from(x.values.subarray(r * x.cols, (r + 1) * x.cols)));
    const tree = new lib.DecisionTreeClassifier(this.options());
    tree.train(rows, Array.from(y));
    this.tree = tree;
    this.cols = x.cols;
  }

  predictProba(x: Matrix): Float64Array {
    const tree = assertFitted(this.tree, this.family);
    checkWidth(this.family, this.cols, x.cols);
    const out = new Float64Array(x.rows);
    for (let r = 0; r < x.rows; r++) {
      const dist = tree.root.classify(Array.from(x.values.subarray(r * x.cols, (r + 1) * x.cols)));
      out[r] = dist.columns > 1 ? dist.get(0, 1) : 0;
    }
    return out;
  }

  predict(x: Matrix): Uint8Array {
    return classesOf(this.predictProba(x));
  }

  toJSON(): ModelJson {
    return { family: this.family, formatVersion: 1, params: this.params, state: { cols: this.cols, tree: this.loaded ?? assertFitted(this.tree, this.family).toJSON() } };
  }

  static fromJSON(json: ModelJson): DecisionTree {
    const state = json.state as { cols: number; tree: { root?: unknown } };
    if (!Number.isInteger(state?.cols) || state.cols < 1) throw new RangeError(`decision_tree: cols ${String(state?.cols)} is not a positive integer`);
    checkCartTree(state.tree?.root, state.cols, "the tree");
    const model = new DecisionTree(json.params);
    model.tree = lib.DecisionTreeClassifier.load(JSON.parse(JSON.stringify(state.tree)));
    model.cols = state.cols;
    model.loaded = state.tree;
    return model;
  }
}
