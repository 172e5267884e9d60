/**
 * Focused micro-bench of the tree-walk kernels on one model file (single thread, distinct rows).
 * usage: deno run -A bench/predict-kernels.ts <model dir> [--rows 100000] [--passes 3]
 * Prints rows/s per kernel (best of the passes) and checks every kernel against the plain walk.
 */
import { treesFromJSON, sumLeavesPlain, type FlatTreesJson } from "../src/models/tree-ensemble.ts";
import { compileTrees, sumBitsliced, sumCompiled } from "../src/models/compiled-trees.ts";
import { sumSwept, sweepProgram } from "../src/models/swept-trees.ts";
import type { Matrix } from "../src/models/classifier.ts";

declare const Deno: { args: string[]; readTextFileSync(path: string): string };

const dir = Deno.args[0] ?? "final_model";
const arg = (name: string, fallback: number) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
};
const rows = arg("--rows", 100_000);
const passes = arg("--passes", 3);
const file = JSON.parse(Deno.readTextFileSync(`${dir}/model.json`));
const state = file.model.state as { features: number; trees: FlatTreesJson };
const cols = state.features;
const trees = treesFromJSON(state.trees, cols);
const compiled = compileTrees(trees, cols)!;
const program = sweepProgram(compiled)!;

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

console.log(`${file.model.family} ${JSON.stringify(file.model.params)}: ${trees.roots.length} trees, max depth ${compiled.maxDepth}, ${program.planes} leaf-id planes, ${rows} distinct rows`);
const only = Deno.args.includes("--only-swept");
if (!only) {
  time("plain", (m) => sumLeavesPlain(trees, m));
  time("compiled (4-row)", (m) => sumCompiled(compiled, m));
  time("bitsliced (32-row)", (m) => sumBitsliced(compiled, m));
}
console.log(`plane ops per tree: ${(program.ops.length / 2 / program.trees).toFixed(1)}`);
for (const w of [1, 2, 4, 8, 16, 32]) time(`swept W=${w} (${32 * w} rows)`, (m) => sumSwept(compiled, m, w, program));
