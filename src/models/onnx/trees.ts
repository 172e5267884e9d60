/**
 * Our trees as one `ai.onnx.ml` TreeEnsembleRegressor node (opset 3): every tree's nodes get ids
 * local to their tree, split nodes compare one feature with a threshold (`BRANCH_LEQ` for our
 * histogram trees, which go left when x <= threshold; `BRANCH_LT` for ml-cart, left when
 * x < splitValue), leaves carry one weight for target 0. Thresholds, leaf weights and the base
 * value go in the double `*_as_tensor` attributes, and the input is cast to double before the node,
 * so onnxruntime walks and sums the trees in float64 as netsec does.
 */
import { treesFromJSON, type FlatTreesJson } from "../trees/tree-ensemble.ts";
import { attr, ML_DOMAIN, node } from "./graph.ts";
import type { NodeProto } from "./types.ts";

export type BranchMode = "BRANCH_LEQ" | "BRANCH_LT";

/** The node and leaf arrays of a TreeEnsembleRegressor, filled tree by tree. */
export class EnsembleBuilder {
  readonly treeIds: number[] = [];
  readonly nodeIds: number[] = [];
  readonly featureIds: number[] = [];
  readonly modes: string[] = [];
  readonly values: number[] = [];
  readonly trueIds: number[] = [];
  readonly falseIds: number[] = [];
  readonly leafTree: number[] = [];
  readonly leafNode: number[] = [];
  readonly leafWeight: number[] = [];
  trees = 0;

  /** Start a tree; returns its id. */
  tree(): number {
    return this.trees++;
  }

  split(tree: number, id: number, feature: number, threshold: number, mode: BranchMode, trueId: number, falseId: number): void {
    this.push(tree, id, feature, mode, threshold, trueId, falseId);
  }

  leaf(tree: number, id: number, weight: number): void {
    this.push(tree, id, 0, "LEAF", 0, 0, 0);
    this.leafTree.push(tree);
    this.leafNode.push(id);
    this.leafWeight.push(weight);
  }

  private push(tree: number, id: number, feature: number, mode: string, value: number, t: number, f: number): void {
    this.treeIds.push(tree);
    this.nodeIds.push(id);
    this.featureIds.push(feature);
    this.modes.push(mode);
    this.values.push(value);
    this.trueIds.push(t);
    this.falseIds.push(f);
  }

  /** The TreeEnsembleRegressor reading `input` (float64 [N, features]) into `output` (float [N, 1]). */
  toNode(input: string, output: string, aggregate: "SUM" | "AVERAGE", base?: number): NodeProto {
    return node("TreeEnsembleRegressor", [input], [output], [
      attr.int("n_targets", 1),
      attr.string("aggregate_function", aggregate),
      attr.string("post_transform", "NONE"),
      attr.ints("nodes_treeids", this.treeIds),
      attr.ints("nodes_nodeids", this.nodeIds),
      attr.ints("nodes_featureids", this.featureIds),
      attr.strings("nodes_modes", this.modes),
      attr.doubles("nodes_values_as_tensor", this.values),
      attr.ints("nodes_truenodeids", this.trueIds),
      attr.ints("nodes_falsenodeids", this.falseIds),
      attr.ints("target_treeids", this.leafTree),
      attr.ints("target_nodeids", this.leafNode),
      attr.ints("target_ids", new Array(this.leafTree.length).fill(0)),
      attr.doubles("target_weights_as_tensor", this.leafWeight),
      ...(base === undefined ? [] : [attr.doubles("base_values_as_tensor", [base])]),
    ], ML_DOMAIN);
  }
}

/**
 * Add our flat pre-order trees (hist_gbt, hist_forest: left child = next node, right child
 * stored). `treesFromJSON` checks every reference first, so a damaged file cannot loop here.
 */
export function addFlatTrees(out: EnsembleBuilder, json: FlatTreesJson, features: number): void {
  const t = treesFromJSON(json, features);
  for (const root of t.roots) {
    const tree = out.tree();
    const ids = new Map<number, number>();
    const idOf = (n: number) => {
      let id = ids.get(n);
      if (id === undefined) ids.set(n, (id = ids.size));
      return id;
    };
    const stack = [root];
    while (stack.length) {
      const n = stack.pop()!;
      const id = idOf(n);
      if (t.feature[n] < 0) out.leaf(tree, id, t.value[n]);
      else {
        out.split(tree, id, t.feature[n], t.threshold[n], "BRANCH_LEQ", idOf(n + 1), idOf(t.right[n]));
        stack.push(t.right[n], n + 1);
      }
    }
  }
}

/** One node of an ml-cart tree as its JSON has it (a leaf has `distribution`, 1 × classes). */
export interface CartNodeJson {
  splitColumn?: number;
  splitValue?: number;
  distribution?: number[][];
  left?: CartNodeJson;
  right?: CartNodeJson;
}

/**
 * Add one ml-cart tree: a node without `distribution` goes left when row[splitColumn] <
 * splitValue (ml-cart's TreeNode.classify); `featureOf` maps the tree's column to the model's
 * feature (ml-random-forest gives each tree a subset), `leafValue` turns a leaf's class
 * distribution into the weight.
 */
export function addCartTree(out: EnsembleBuilder, root: CartNodeJson, features: number, featureOf: (column: number) => number, leafValue: (distribution: number[][]) => number): void {
  const tree = out.tree();
  let next = 0;
  const stack: { node: CartNodeJson; id: number; depth: number }[] = [{ node: root, id: next++, depth: 0 }];
  while (stack.length) {
    const { node: n, id, depth } = stack.pop()!;
    if (!n || typeof n !== "object" || depth > 10_000) throw new RangeError("ml-cart tree: a node is missing or the tree is too deep");
    if (n.distribution !== undefined) {
      if (!Array.isArray(n.distribution) || !Array.isArray(n.distribution[0]) || !n.distribution[0].every(Number.isFinite)) throw new RangeError("ml-cart tree: a leaf's distribution is not a 1 × classes array of numbers");
      out.leaf(tree, id, leafValue(n.distribution));
      continue;
    }
    const feature = featureOf(Number(n.splitColumn));
    if (!Number.isInteger(feature) || feature < 0 || feature >= features) throw new RangeError(`ml-cart tree: split column ${n.splitColumn} is not one of the model's ${features} features`);
    if (typeof n.splitValue !== "number" || !Number.isFinite(n.splitValue)) throw new RangeError(`ml-cart tree: a split on column ${n.splitColumn} has no finite split value`);
    const left = next++;
    const right = next++;
    out.split(tree, id, feature, n.splitValue, "BRANCH_LT", left, right);
    stack.push({ node: n.right!, id: right, depth: depth + 1 }, { node: n.left!, id: left, depth: depth + 1 });
  }
}
