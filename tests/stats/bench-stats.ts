/**
 * Benchmark of the stats building blocks at the data-pipeline's scale (not a vitest file).
 *   node_modules/deno/deno run -A tests/stats/bench-stats.ts [--rows 1000000] [--missing 0.001]
 * Rows are resampled (seeded) from the real dataset (../shared/data/phisingData.csv) like
 * bench/gen-data.mjs, with a share of feature cells made missing; the imputer is fitted on the
 * first 80% and applied to all rows; KS and chi-square run on every column, 80% vs 20%.
 */
import { readFileSync } from "node:fs";
import { cpuUsage } from "node:process";
import { KnnImputer } from "../../src/stats/knn-imputer.ts";
import { ksTwoSample } from "../../src/stats/ks.ts";
import { chiSquareTwoSample } from "../../src/stats/chi2.ts";
import { SHARED_DATA } from "../helpers/env.ts";

const args = new Map<string, string>();
const argv = (globalThis as unknown as { Deno?: { args: string[] } }).Deno?.args ?? process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) args.set(argv[i]!.replace(/^--/, ""), argv[i + 1]!);
const rows = Number(args.get("rows") ?? 1_000_000);
const missing = Number(args.get("missing") ?? 0.001);

let state = 7 >>> 0;
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const source = readFileSync(SHARED_DATA, "utf8").trim().split(/\r?\n/).slice(1).map((l) => l.split(",").slice(0, -1).map(Number));
const cols = source[0]!.length;
const values = new Float64Array(rows * cols);
let blanked = 0;
for (let r = 0; r < rows; r++) {
  const src = source[Math.floor(random() * source.length)]!;
  for (let c = 0; c < cols; c++) {
    if (random() < missing) { values[r * cols + c] = NaN; blanked++; } else values[r * cols + c] = src[c]!;
  }
}
const fitRows = Math.floor(rows * 0.8);
// Wall time and this process's CPU time (user + system): the machine is shared, CPU time is the steadier figure.
let cpu0 = cpuUsage();
const seconds = (t0: number) => {
  const cpu = cpuUsage(cpu0);
  cpu0 = cpuUsage();
  return `${((performance.now() - t0) / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU`;
};
console.log(`${rows} rows × ${cols} columns, ${blanked} missing cells; imputer fitted on ${fitRows} rows, k = 3`);

cpu0 = cpuUsage();
let t0 = performance.now();
const imputer = new KnnImputer({ k: 3 }).fit(values.subarray(0, fitRows * cols), fitRows, cols);
console.log(`KNN fit:       ${seconds(t0)}`);
t0 = performance.now();
const out = imputer.transform(values, rows);
console.log(`KNN transform: ${seconds(t0)} (${out.some(Number.isNaN) ? "NaN left!" : "no NaN left"})`);
t0 = performance.now();
const json = JSON.stringify(imputer);
console.log(`KNN toJSON:    ${seconds(t0)}, ${(json.length / 1e6).toFixed(1)} MB`);

const column = (from: number, to: number, c: number) => {
  const col = new Float64Array(to - from);
  for (let r = from; r < to; r++) col[r - from] = values[r * cols + c]!;
  return col;
};
t0 = performance.now();
let minP = 1;
for (let c = 0; c < cols; c++) minP = Math.min(minP, ksTwoSample(column(0, fitRows, c), column(fitRows, rows, c)).pValue);
console.log(`KS, ${cols} columns (${fitRows} vs ${rows - fitRows}): ${seconds(t0)}, min p ${minP.toExponential(3)}`);
t0 = performance.now();
for (let c = 0; c < cols; c++) chiSquareTwoSample(column(0, fitRows, c), column(fitRows, rows, c));
console.log(`chi-square, ${cols} columns: ${seconds(t0)}`);

// Worst case for the imputer: distinct random -1/0/1 rows, so no query has a donor at distance 0
// and every query scans all fit rows.
{
  const fitN = 200_000;
  const queries = 2_000;
  const fit = new Float64Array(fitN * cols).map(() => Math.floor(random() * 3) - 1);
  const x = new Float64Array(queries * cols).map(() => (random() < 0.05 ? NaN : Math.floor(random() * 3) - 1));
  const worst = new KnnImputer({ k: 3 }).fit(fit, fitN, cols);
  cpu0 = cpuUsage();
  t0 = performance.now();
  worst.transform(x, queries);
  console.log(`KNN worst case, ${fitN} distinct random fit rows, ${queries} query rows: ${seconds(t0)}`);
}
