/**
 * The tree layouts the scoring kernels read, in one file below them all: FlatTrees (the plain
 * pre-order arrays a model file holds), CompiledTrees (packed nodes on threshold codes) and
 * SweepProgram (the bit-sliced sweep). Kernels import these types from here, never from each
 * other, so the kernel files form a chain without cycles.
 */

export interface FlatTrees {
  /** Split feature, -1 for a leaf. */
  feature: Int32Array;
  /** Go left when x[feature] <= threshold. */
  threshold: Float64Array;
  /** Index of the right child (left child = index + 1). */
  right: Int32Array;
  /** Leaf value (probability of class 1 for a forest, raw score for boosting). */
  value: Float64Array;
  /** Index of each tree's root. */
  roots: Int32Array;
  /** Training rows (or bootstrap weight) that reached each node (TreeSHAP); absent in older model files. */
  cover?: Float64Array;
}

export interface CompiledTrees {
  cols: number;
  /** Offset of feature f's first threshold in the flat list of all thresholds. */
  offsets: Int32Array;
  /** Nodes in the largest tree (bounds the traversal stack). */
  maxTreeNodes: number;
  /** Depth of the deepest leaf over all trees. */
  maxDepth: number;
  /** Per feature, the ascending distinct thresholds. */
  thresholds: Float64Array[];
  nodes: Int32Array;
  values: Float64Array;
  roots: Int32Array;
  /** The swept form (built once SWEEP_BUILD_ROWS rows were scored; null when the trees have none). */
  sweep?: SweepProgram | null;
  /** Rows scored so far without the swept form. */
  scored?: number;
}

export interface SweepProgram {
  trees: number;
  /** Per tree: range of its internal nodes in `inner` (records of INNER ints) and of its extra plane ops in `ops` (pairs). */
  innerStart: Int32Array;
  opsStart: Int32Array;
  /**
   * Per internal node: own local slot, global threshold index, right child's local slot (left =
   * own + 1), which children's masks to keep (1: left, 2: right: internal children and coded
   * children with extra ops), plane of the code's lowest bit (-1: no code), and
   * the side flip (0: the right child is coded, -1: the left one).
   */
  inner: Int32Array;
  /** (local slot of a node, plane): XOR the node's mask into that plane (codes with several bits). */
  ops: Int32Array;
  /** Leaf values by tree, indexed by leaf id (2^planes slots per tree), from `leafBase[t]`. */
  leafValues: Float64Array;
  leafBase: Int32Array;
  /** Bit planes of the leaf ids, the most of any tree (at most 8: ids are read back as bytes). */
  planes: number;
  /** Bit planes of each tree's leaf ids. */
  treePlanes: Int32Array;
  maxTreeNodes: number;
  /** All thresholds, feature by feature (global threshold index order). */
  thresholds: Float64Array;
  /** The feature of each threshold. */
  thresholdFeature: Int32Array;
}
