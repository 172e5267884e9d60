/**
 * Focused micro-bench of the tree-walk kernels on one model file (single thread, distinct rows).
 * usage: deno run -A bench/predict-kernels.ts <model dir> [--rows 100000] [--passes 3]
 * Prints rows/s per kernel (best of the passes) and checks every kernel against the plain walk.
 */
import { treesFromJSON, sumLeavesPlain, type FlatTreesJson } from "../src/models/trees/tree-ensemble.ts";
import { compileTrees, sumBitsliced, sumCompiled } from "../src/models/scoring/compiled-trees.ts";
import { sumSwept, sweepProgram } from "../src/models/scoring/swept-trees.ts";
import type { Matrix } from "../src/models/classifier.ts";
import { createModel, modelFromJSON } from "../src/models/registry.ts";
import { createParallelScorer } from "../src/models/scoring/parallel-scorer.ts";
import { readNpy, splitFeaturesAndLabels } from "../src/data/npy.ts";

/** With --forest, <dir> is a run folder: fit a 256-tree hist_forest on its transformed train rows. */
async function forestFile(runDir: string) {
  const { x, y } = splitFeaturesAndLabels(await readNpy(`${runDir}/data_transformation/transformed/train.npy`));
  const m = createModel("hist_forest", { n_estimators: 256, seed: 42 });
  m.fit(x, y);
  return { model: m.toJSON() };
}

declare const Deno: { args: string[]; readTextFileSync(path: string): string; exit(code: number): never };

const dir = Deno.args[0] ?? "final_model";
const arg = (name: string, fallback: number) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
};
const rows = arg("--rows", 100_000);
const passes = arg("--passes", 3);
const file = Deno.args.includes("--forest") ? await forestFile(dir) : JSON.parse(Deno.readTextFileSync(`${dir}/model.json`));
const state = file.model.state as { features: number; trees: FlatTreesJson };
const cols = state.features;
const trees = treesFromJSON(state.trees, cols);
const compiled = compileTrees(trees, cols)!;
const program = sweepProgram(compiled);

const values = new Float64Array(rows * cols);
let s = 12345;
for (let i = 0; i < values.length; i++) {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0;
  values[i] = (s >>> 16) % 3 - 1;
}
const x: Matrix = { values, rows, cols };
const reference = sumLeavesPlain(trees, x);

function time(name: string, f: (x: Matrix) => Float64Array): void {
  f({ values: values.subarray(0, 2000 * cols), rows: 2000, cols });
  let best = Infinity;
  let result: Float64Array | undefined;
  for (let i = 0; i < passes; i++) {
    const t0 = performance.now();
    result = f(x);
    best = Math.min(best, performance.now() - t0);
  }
  const same = result!.every((v, i) => Object.is(v, reference[i]));
  console.log(`${name.padEnd(22)} ${Math.round(rows / (best / 1000)).toLocaleString("en").padStart(12)} rows/s ${same ? "exact" : "MISMATCH"}`);
}

console.log(`${file.model.family} ${JSON.stringify(file.model.params)}: ${trees.roots.length} trees, max depth ${compiled.maxDepth}, ${program ? `${program.planes} leaf-id planes` : "no swept form (a tree has > 256 leaves)"}, ${rows} distinct rows`);
if (Deno.args.includes("--parallel")) {
  // Whole-model P(class 1): one thread (the classifier) against the 2-worker scorer, same rows.
  const model = modelFromJSON(file.model);
  const scorer = createParallelScorer(file.model, { workers: 2, callerScores: Deno.args.includes("--caller") });
  const one = model.predictProba(x);
  const two = await scorer.predictProba(x);
  console.log(`2 workers identical to one thread: ${one.every((v, i) => Object.is(v, two[i]))}`);
  for (let pass = 0; pass < passes; pass++) {
    let t0 = performance.now();
    model.predictProba(x);
    const single = rows / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    await scorer.predictProba(x);
    const parallel = rows / ((performance.now() - t0) / 1000);
    console.log(`one thread ${Math.round(single).toLocaleString("en")} rows/s, 2 workers ${Math.round(parallel).toLocaleString("en")} rows/s`);
  }
  scorer.close();
  Deno.exit(0);
}
if (Deno.args.includes("--small")) {
  // Few rows (serving): rows/s of each kernel at small batch sizes, 2000 calls each.
  for (const n of [1, 8, 32, 64, 128, 256, 1024]) {
    // Different rows on every call: the same few rows again and again would train the branch predictor.
    const at = (i: number): Matrix => ({ values: values.subarray(((i * n) % (rows - n)) * cols, ((i * n) % (rows - n) + n) * cols), rows: n, cols });
    const line: string[] = [];
    const kernels: [string, (m: Matrix) => Float64Array][] = [["compiled", (m) => sumCompiled(compiled, m)], ["bitsliced", (m) => sumBitsliced(compiled, m)]];
    if (program) kernels.push(["swept", (m) => sumSwept(compiled, m, Math.max(1, Math.min(16, n >>> 5)), program)]);
    for (const [name, f] of kernels) {
      for (let i = 0; i < 50; i++) f(at(i));
      const t0 = performance.now();
      const calls = Math.max(20, Math.round(20000 / n));
      for (let i = 0; i < calls; i++) f(at(i));
      line.push(`${name} ${Math.round((n * calls) / ((performance.now() - t0) / 1000)).toLocaleString("en")}`);
    }
    console.log(`${String(n).padStart(5)} rows: ${line.join(", ")} rows/s`);
  }
  Deno.exit(0);
}
const only = Deno.args.includes("--only-swept");
if (!only) {
  time("plain", (m) => sumLeavesPlain(trees, m));
  time("compiled (4-row)", (m) => sumCompiled(compiled, m));
  time("bitsliced (32-row)", (m) => sumBitsliced(compiled, m));
}
if (program) console.log(`extra plane ops per tree: ${(program.ops.length / 2 / program.trees).toFixed(2)}`);
if (program) for (const w of [4, 8, 16, 32, 64]) time(`swept W=${w} (${32 * w} rows)`, (m) => sumSwept(compiled, m, w, program));
