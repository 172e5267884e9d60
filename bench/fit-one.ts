/**
 * One model fit on a transformed split (the netsec side of bench/train-scale.sh): reads
 * <train.npy> and <test.npy> (float64, last column = class index), fits one model, scores the test
 * rows, prints one JSON line: fit seconds, test F1 (class 0 = phishing) / ROC AUC / log loss, and
 * the process's resident memory before the fit and its peak up to the end of the fit (Linux VmHWM;
 * the test rows are read after the fit).
 *   deno run -A bench/fit-one.ts <train.npy> <test.npy> [--family hist_gbt] [--threads 1]
 *        [--params '{"n_estimators":300,"learning_rate":0.2,"max_leaf_nodes":31}'] [--model-out f.json]
 */
import { createModel } from "../src/models/registry.ts";
import type { Matrix } from "../src/models/classifier.ts";
import { score } from "../src/search/scoring.ts";

declare const Deno: {
  args: string[];
  readTextFileSync(p: string): string;
  writeTextFileSync(p: string, t: string): void;
  open(p: string): Promise<{ read(b: Uint8Array): Promise<number | null>; close(): void }>;
};

/**
 * A transformed .npy (float64, C order, last column = class index) read block by block straight
 * into the features matrix and the labels: no second copy of the file in memory (the peer script
 * reads it the same way).
 */
async function loadSplit(path: string): Promise<{ x: Matrix; y: Uint8Array }> {
  const file = await Deno.open(path);
  const readFully = async (buffer: Uint8Array) => {
    for (let filled = 0; filled < buffer.length;) {
      const n = await file.read(buffer.subarray(filled));
      if (n === null) throw new Error(`${path}: file ends early`);
      filled += n;
    }
  };
  const head = new Uint8Array(10);
  await readFully(head);
  const dict = new Uint8Array(head[8] | (head[9] << 8));
  await readFully(dict);
  const [rows, width] = /\((\d+), (\d+)\)/.exec(new TextDecoder().decode(dict))!.slice(1).map(Number);
  const cols = width - 1;
  const values = new Float64Array(rows * cols);
  const y = new Uint8Array(rows);
  const block = 65_536;
  const bytes = new Uint8Array(block * width * 8);
  const f64 = new Float64Array(bytes.buffer);
  for (let from = 0; from < rows; from += block) {
    const n = Math.min(block, rows - from);
    await readFully(bytes.subarray(0, n * width * 8));
    for (let r = 0; r < n; r++) {
      values.set(f64.subarray(r * width, r * width + cols), (from + r) * cols);
      y[from + r] = f64[r * width + cols];
    }
  }
  file.close();
  return { x: { values, rows, cols }, y };
}

const [trainPath, testPath] = Deno.args;
const opt = (name: string, fallback: string) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : fallback;
};
const family = opt("family", "hist_gbt");
const threads = Number(opt("threads", "1"));
const params = JSON.parse(opt("params", '{"n_estimators":300,"learning_rate":0.2,"max_leaf_nodes":31}'));
/** CPU seconds (user + system) of this process so far, from /proc/self/stat (10 ms ticks). */
const cpuSeconds = () => {
  const fields = Deno.readTextFileSync("/proc/self/stat").replace(/^.*\) /, "").split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const memKb = (field: string) => Number(/\d+/.exec(Deno.readTextFileSync("/proc/self/status").split("\n").find((l) => l.startsWith(field)) ?? "0")![0]);

const train = await loadSplit(trainPath);
const rssBefore = memKb("VmRSS:");
const model = createModel(family, params);
const started = performance.now();
const cpu0 = cpuSeconds();
await model.fit(train.x, train.y, { threads });
const fitSeconds = (performance.now() - started) / 1000;
const fitCpuSeconds = cpuSeconds() - cpu0;
const peakRssAfterFit = memKb("VmHWM:");
const test = await loadSplit(testPath);
const p1 = model.predictProba(test.x);
const out = Deno.args.indexOf("--model-out");
if (out >= 0) Deno.writeTextFileSync(Deno.args[out + 1], JSON.stringify(model.toJSON()));
let logLoss = 0;
for (let i = 0; i < p1.length; i++) logLoss -= Math.log(Math.min(1 - 1e-15, Math.max(1e-15, test.y[i] === 1 ? p1[i] : 1 - p1[i])));
console.log(JSON.stringify({
  system: "netsec", family, threads, trainRows: train.x.rows, fitSeconds, fitCpuSeconds,
  testF1: score("f1", test.y, p1, 0), testAuc: score("roc_auc", test.y, p1, 0), testLogLoss: logLoss / p1.length,
  rssBeforeFitMb: rssBefore / 1024, peakRssMb: peakRssAfterFit / 1024,
}));
