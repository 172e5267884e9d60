/**
 * TreeSHAP (quadrature form) CPU time per distinct row of the data, this tree-shap.ts against an
 * older copy of it, on final_model/'s trees, explained in blocks as `predict --explain`'s workers
 * do (256 rows). Prints the largest relative difference of the contributions too.
 *
 *   git show <commit>:src/models/trees/tree-shap.ts > /tmp/tree-shap-old.ts
 *   node_modules/deno/deno run -A --quiet --config deno.json bench/tree-shap-speed.ts /tmp/tree-shap-old.ts 256 256
 */
import { loadModelFile, loadSchema, platform, readCsv } from "../src/mod.ts";
import { matrixGroups } from "../src/stats/vector-groups.ts";
import { treeShap } from "../src/models/trees/tree-shap.ts";
import { treesFromJSON, type FlatTreesJson } from "../src/models/trees/tree-ensemble.ts";
const [oldFile, n = "256", block = "256"] = platform.args();
if (!oldFile) throw new Error("usage: bench/tree-shap-speed.ts <an older tree-shap.ts, e.g. from git show> [rows] [block]");
const { treeShap: oldShap } = (await import(new URL(oldFile, `file://${platform.cwd()}/`).href)) as { treeShap: typeof treeShap };
const schema = await loadSchema();
const model = await loadModelFile("final_model", { schema });
const state = model.file.model.state as { trees?: FlatTreesJson };
const trees = treesFromJSON(state.trees!, schema.featureNames.length);
const frame = (await readCsv("network_data/phisingData.csv")).frame;
const cols = schema.featureNames.length;
const all = new Float64Array(frame.rows * cols);
for (let r = 0; r < frame.rows; r++) for (let c = 0; c < cols; c++) all[r * cols + c] = frame.values[r * frame.columns.length + c];
const { group } = matrixGroups(all, frame.rows, cols);
const firsts: number[] = []; const seen = new Set<number>();
for (let r = 0; r < frame.rows && firsts.length < Number(n); r++) if (!seen.has(group[r])) (seen.add(group[r]), firsts.push(r));
const x = { values: new Float64Array(firsts.length * cols), rows: firsts.length, cols };
firsts.forEach((r, i) => x.values.set(all.subarray(r * cols, (r + 1) * cols), i * cols));
const scale = 1 / trees.roots.length;
const B = Number(block);
import process from "node:process";
const now = () => process.cpuUsage().user / 1000;
const run = (f: typeof treeShap) => { const t0 = now(); const out = new Float64Array(x.rows * cols);
  for (let s = 0; s < x.rows; s += B) { const e = Math.min(x.rows, s + B); out.set(f(trees, { values: x.values.subarray(s * cols, e * cols), rows: e - s, cols }, scale).phi, s * cols); }
  return [out, now() - t0] as const; };
run(oldShap); run(treeShap);
const [a, ta] = run(oldShap); const [b, tb] = run(treeShap);
let rel = 0, abs = 0;
for (let i = 0; i < a.length; i++) (abs = Math.max(abs, Math.abs(a[i] - b[i]))), (rel = Math.max(rel, Math.abs(a[i] - b[i]) / Math.max(1e-300, Math.abs(a[i]))));
console.log(`CPU: rows ${x.rows} block ${B}: old ${(ta / x.rows).toFixed(3)} ms/row, new ${(tb / x.rows).toFixed(3)} ms/row, max abs diff ${abs.toExponential(2)}, max rel diff ${rel.toExponential(2)}`);
