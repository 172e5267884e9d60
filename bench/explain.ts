/**
 * TreeSHAP speed on a pushed model: our two implementations (Algorithm 2 and the quadrature form)
 * and the `shap` package's TreeExplainer (C++) on the same trees, exported in its custom-tree
 * format, over the same distinct rows. Prints ms per row and the largest difference.
 *
 *   node_modules/deno/deno run -A bench/explain.ts [model dir=final_model] [data csv] [rows=200]
 */
import { loadModelFile, loadSchema, platform, readCsv } from "../src/mod.ts";
import { matrixGroups } from "../src/stats/vector-groups.ts";
import { treeShap } from "../src/models/trees/tree-shap.ts";
import { treeShapPaths } from "../src/models/trees/tree-shap-paths.ts";
import { treesFromJSON, type FlatTreesJson } from "../src/models/trees/tree-ensemble.ts";

const [modelDir = "final_model", dataFile = "network_data/phisingData.csv", rowsText = "200"] = platform.args();
const schema = await loadSchema();
const model = await loadModelFile(modelDir, { schema });
const state = model.file.model.state as { trees?: FlatTreesJson; baseline?: number };
if (!state.trees) throw new Error(`${model.family} has no trees`);
const trees = treesFromJSON(state.trees, schema.featureNames.length);
const frame = (await readCsv(dataFile)).frame;
const cols = schema.featureNames.length;
// distinct feature rows (the data repeats itself), the first n
const all = new Float64Array(frame.rows * cols);
for (let r = 0; r < frame.rows; r++) for (let c = 0; c < cols; c++) all[r * cols + c] = frame.values[r * frame.columns.length + c];
const { group } = matrixGroups(all, frame.rows, cols);
const firsts: number[] = [];
const seen = new Set<number>();
for (let r = 0; r < frame.rows && firsts.length < Number(rowsText); r++) if (!seen.has(group[r])) (seen.add(group[r]), firsts.push(r));
const x = { values: new Float64Array(firsts.length * cols), rows: firsts.length, cols };
firsts.forEach((r, i) => x.values.set(all.subarray(r * cols, (r + 1) * cols), i * cols));
const scale = model.family === "hist_forest" ? 1 / trees.roots.length : 1;

const time = <T>(f: () => T): [T, number] => {
  const t0 = performance.now();
  const out = f();
  return [out, performance.now() - t0];
};
treeShap(trees, { ...x, rows: 2, values: x.values.subarray(0, 2 * cols) }, scale); // warm up
const [quad, tq] = time(() => treeShap(trees, x, scale));
const [paths, tp] = time(() => treeShapPaths(trees, x, scale));

// shap's TreeExplainer on the same trees (its C++ recursion), timed inside Python
const { feature, threshold, right, value, roots, cover } = trees;
const shapTrees = Array.from(roots, (root, t) => {
  const end = t + 1 < roots.length ? roots[t + 1] : value.length;
  const ids = Array.from({ length: end - root }, (_, i) => root + i);
  return {
    children_left: ids.map((n) => (feature[n] < 0 ? -1 : n + 1 - root)),
    children_right: ids.map((n) => (feature[n] < 0 ? -1 : right[n] - root)),
    children_default: ids.map((n) => (feature[n] < 0 ? -1 : n + 1 - root)),
    features: ids.map((n) => (feature[n] < 0 ? -2 : feature[n])),
    thresholds: ids.map((n) => (feature[n] < 0 ? 0 : threshold[n])),
    values: ids.map((n) => value[n] * scale),
    node_sample_weight: ids.map((n) => cover![n]),
  };
});
const rows = Array.from({ length: x.rows }, (_, r) => Array.from(x.values.subarray(r * cols, (r + 1) * cols)));
const python = platform.env("NETSEC_PYTHON") ?? `${platform.env("NETSEC_CACHE") ?? `${platform.env("HOME")}/.cache/netsec`}/venv/bin/python`;
const run = await platform.run(python, ["bench/shap_speed.py"], { stdin: JSON.stringify({ trees: shapTrees, base_offset: state.baseline ?? 0, rows }) });
if (run.code !== 0) throw new Error(`bench/shap_speed.py failed: ${run.stderr}`);
const answer = JSON.parse(run.stdout) as { values: number[][]; seconds: number; shap: string };
let diff = 0, diffShap = 0;
for (let i = 0; i < quad.phi.length; i++) {
  diff = Math.max(diff, Math.abs(quad.phi[i] - paths.phi[i]));
  diffShap = Math.max(diffShap, Math.abs(quad.phi[i] - answer.values[Math.floor(i / cols)][i % cols]));
}
const out: string[] = [];
out.push(`${model.family}, ${trees.roots.length} trees, ${value.length} nodes; ${x.rows} distinct rows`);
out.push(`  treeShap (quadrature): ${(tq / x.rows).toFixed(2)} ms/row`);
out.push(`  treeShapPaths (Algorithm 2): ${(tp / x.rows).toFixed(2)} ms/row (max |difference| ${diff.toExponential(1)})`);
out.push(`  shap ${answer.shap} TreeExplainer (C++): ${((answer.seconds * 1000) / x.rows).toFixed(2)} ms/row (max |difference| ${diffShap.toExponential(1)})`);
platform.stdoutWrite(out.join("\n") + "\n");
