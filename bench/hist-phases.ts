/**
 * Where one hist_gbt fit's CPU goes (the profile behind bench/RESULTS.md, "hist_gbt on continuous
 * features: the WebAssembly kernels"): binning, grouping, then the boosting steps (root histogram,
 * splits, leaf values) and, inside them, the WebAssembly kernels (histogram, row moves,
 * subtraction, shard sums), in CPU seconds of this process (getrusage, so the machine's load
 * inflates them less than wall time); then the cost of one histogram update over all rows, the
 * WebAssembly kernel against the JavaScript loop on ordinary memory (same sums).
 *   deno run -A bench/hist-phases.ts <train.npy> [trees = 30]
 */
import process from "node:process";
import { readNpy, splitFeaturesAndLabels } from "../src/data/npy.ts";
import { fitBins } from "../src/models/trees/binning.ts";
import { bundleFeatures } from "../src/models/trees/bundles.ts";
import { runAll } from "../src/models/trees/fit-ops.ts";
import { gbtArrays, gbtBytes, GbtGrower, slotCapacity } from "../src/models/trees/gbt-grower.ts";
import { histogram, REC } from "../src/models/trees/gbt-kernels.ts";
import { groupRows } from "../src/models/trees/grouping.ts";
import { wasmArena } from "../src/models/trees/hist-wasm.ts";

declare const Deno: { args: string[] };

const { x, y } = splitFeaturesAndLabels(await readNpy(Deno.args[0]));
const trees = Number(Deno.args[1] ?? 30);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const out: Record<string, number | string | Record<string, number>> = { rows: x.rows, features: x.cols, trees };
let c = cpu();
const bins = fitBins(x);
const bundles = bundleFeatures(bins);
out.binningCpuSeconds = cpu() - c;
c = cpu();
const data = groupRows(x, y, bins, bundles, true);
out.groupingCpuSeconds = cpu() - c;
const o = { iterations: trees, rate: 0.2, maxLeaves: 31, maxDepth: Infinity, minLeaf: 20, lambda: 0 };
const capacity = slotCapacity(o.maxLeaves, y.length, o.minLeaf);
const arena = wasmArena(gbtBytes(data, bundles, capacity, o.maxLeaves))!;
const kernels: Record<string, number> = {};
const k = arena.kernels as unknown as Record<string, (...args: number[]) => number>;
for (const name of ["hist", "place", "sub", "add"]) {
  const run = k[name];
  kernels[name] = 0;
  k[name] = (...args) => {
    const s = cpu();
    const r = run(...args);
    kernels[name] += cpu() - s;
    return r;
  };
}
const a = gbtArrays(data, bundles, capacity, 0, o.maxLeaves, arena.alloc);
const steps: Record<string, number> = { gradients: 0, root: 0, split: 0, leaves: 0 };
const names = ["", "gradients", "root", "split", "leaves"];
const team = {
  threads: 1,
  run(op: number, a0 = 0, a1 = 0) {
    const s = cpu();
    runAll(a, bundles, op, a0, a1, a.joint);
    steps[names[op]] += cpu() - s;
  },
  close() {},
};
c = cpu();
const grower = new GbtGrower(a, bundles, bins, o, team);
grower.gradients();
for (let t = 0; t < trees; t++) grower.grow(new Float64Array(x.cols), t === trees - 1);
out.boostingCpuSeconds = cpu() - c;
out.stepsCpuSeconds = steps;
out.kernelsCpuSeconds = kernels;
out.shards = a.shards;
// One histogram update = one row into one bundle's bin: WebAssembly vs the JavaScript loop.
for (const mode of ["wasm", "js"]) {
  const b = mode === "wasm" ? a : gbtArrays(data, bundles, 2, 0, o.maxLeaves, (n) => [new ArrayBuffer(n), 0]);
  for (let p = 0; p < b.groups; p++) b.rec[0][REC * p + 1] = 0.25;
  const reps = 10;
  c = cpu();
  for (let r = 0; r < reps; r++) histogram(b, bundles, 0, 0, b.groups, b.slots, 0, b.joint);
  out[`${mode}NsPerUpdate`] = ((cpu() - c) * 1e9) / (reps * b.groups * bundles.count);
}
console.log(JSON.stringify(out));
