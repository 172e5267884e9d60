/**
 * Checks of the nested tree JSON that ml-cart (decision_tree) and ml-random-forest write, before
 * the library rebuilds it (recursively): split columns are integer indices below `cols`, split
 * values and leaf distributions finite numbers, depth and node count within TREE_LIMITS. The walk
 * is iterative, so a 200,000-level tree is refused with a message, not a stack overflow.
 */
import { TREE_LIMITS } from "./tree-ensemble.ts";

function show(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : Array.isArray(value) ? "an array" : String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Throws a RangeError naming `label` (e.g. "tree 3") and the node (pre-order number, depth). */
export function checkCartTree(root: unknown, cols: number, label: string): void {
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 1 }];
  let count = 0;
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    const where = `${label}, node ${count} (depth ${depth})`;
    count++;
    if (count > TREE_LIMITS.maxNodesPerTree) throw new RangeError(`${label}: more than ${TREE_LIMITS.maxNodesPerTree} nodes`);
    if (depth > TREE_LIMITS.maxDepth) throw new RangeError(`${where}: the tree is deeper than ${TREE_LIMITS.maxDepth} levels`);
    if (!isObject(node)) throw new RangeError(`${where}: expected a node object, got ${show(node)}`);
    if (node.distribution !== undefined) {
      // In a file: [[p0, p1]]; on a fitted model (not yet written): an ml-matrix Matrix.
      const d = node.distribution as { to2DArray?: () => number[][] } | unknown[] | number;
      const rows = d !== null && typeof d === "object" && "to2DArray" in d && typeof d.to2DArray === "function" ? d.to2DArray() : Array.isArray(d) ? d : [d];
      if (!rows.every((r) => (Array.isArray(r) ? r : [r]).every((v) => typeof v === "number" && Number.isFinite(v)))) {
        throw new RangeError(`${where}: the leaf distribution holds a value that is not a finite number`);
      }
      continue;
    }
    const column = node.splitColumn, value = node.splitValue;
    if (!Number.isInteger(column) || (column as number) < 0 || (column as number) >= cols) throw new RangeError(`${where}: split column ${show(column)} is not a feature index (an integer from 0 to ${cols - 1})`);
    if (typeof value !== "number" || !Number.isFinite(value)) throw new RangeError(`${where}: split value ${show(value)} is not a finite number`);
    if (!isObject(node.left) || !isObject(node.right)) throw new RangeError(`${where}: a split without two children`);
    stack.push({ node: node.right, depth: depth + 1 }, { node: node.left, depth: depth + 1 });
  }
}
