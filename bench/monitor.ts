// What monitoring costs the service: /predict with the rolling window on vs off (in process, no
// sockets, requests handed to the Hono app as bench/serve-inprocess.ts does, the two settings
// interleaved), the window's cost per row and its memory after 1M rows, and GET /monitor's latency.
// The model: hist_gbt fitted on 4 of every 5 rows of the real data, its reference built from the
// held-out 5th rows (tests/monitor/helpers.ts, as the monitor tests use it).
// Usage: node_modules/deno/deno run -A --config deno.json bench/monitor.ts
import { createApp } from "../src/serve/app.ts";
import { ModelStore } from "../src/serve/model-store.ts";
import { loadModelFile } from "../src/models/model-file.ts";
import { ServedMonitor } from "../src/monitor/served.ts";
import { RollingWindow } from "../src/monitor/window.ts";
import { analyzeWindow } from "../src/monitor/analysis.ts";
import { createFrame } from "../src/data/frame.ts";
import { fittedModel, featureCsv, schema } from "../tests/monitor/helpers.ts";

/** The few Deno calls this bench makes (it runs under Deno; typechecked with the Node types). */
const Deno = (globalThis as unknown as { Deno: { makeTempDir(o: { prefix: string }): Promise<string>; memoryUsage(): { heapUsed: number }; remove(p: string, o: { recursive: boolean }): Promise<void> } }).Deno;
const m = await fittedModel();
const dir = await Deno.makeTempDir({ prefix: "netsec-bench-monitor-" });
m.writeSet(dir);

class MonitorOff extends ServedMonitor {
  override record(): void {}
}

async function service(on: boolean) {
  const store = new ModelStore({ dir, load: (d) => loadModelFile(d, { schema }), pollMs: 0 });
  await store.check();
  return createApp({ schema, store, monitor: on ? new ServedMonitor() : new MonitorOff() });
}
const apps = { on: await service(true), off: await service(false) };

const width = m.test.columns.length;
const header = schema.featureNames;
const rowObject = (r: number) => Object.fromEntries(header.map((n) => [n, m.test.values[r * width + m.test.columns.indexOf(n)]]));
// 100k rows: the test rows repeated
const reps = Math.ceil(100_000 / m.test.rows);
const big = createFrame(m.test.columns, m.test.rows * reps, new Float64Array(m.test.rows * reps * width).map((_, i) => m.test.values[i % m.test.values.length]));
const bigCsv = featureCsv(createFrame(big.columns, 100_000, big.values.slice(0, 100_000 * width)));
// 100k rows drawn at random (seeded) from each feature's allowed values: nearly all distinct
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const randomCsv = [header.join(","), ...Array.from({ length: 100_000 }, () => schema.features.map((f) => f.allowed![Math.floor(rand() * f.allowed!.length)]).join(","))].join("\n") + "\n";

async function time(app: typeof apps.on, body: string, type: string, accept: string): Promise<number> {
  const t = performance.now();
  const res = await app.fetch(new Request("http://bench/predict", { method: "POST", headers: { "content-type": type, accept }, body }));
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  return performance.now() - t;
}

const q = (xs: number[], f: number) => [...xs].sort((a, b) => a - b)[Math.floor(f * (xs.length - 1))]!;
const singles = Array.from({ length: 64 }, (_, i) => JSON.stringify([rowObject(i)]));
for (const app of [apps.on, apps.off]) for (let i = 0; i < 2000; i++) await time(app, singles[i % 64]!, "application/json", "application/json");
const single: Record<string, number[]> = { on: [], off: [] };
for (let round = 0; round < 20; round++) {
  for (const k of ["on", "off"] as const) for (let i = 0; i < 500; i++) single[k]!.push(await time(apps[k], singles[i % 64]!, "application/json", "application/json"));
}
for (const k of ["on", "off"] as const) console.log(`single-row JSON /predict, monitor ${k}: 10000 requests, mean ${(single[k]!.reduce((s, v) => s + v, 0) / single[k]!.length).toFixed(4)} ms, p50 ${q(single[k]!, 0.5).toFixed(3)} ms, p99 ${q(single[k]!, 0.99).toFixed(3)} ms`);
const bulk: Record<string, number[]> = { on: [], off: [] };
for (let round = 0; round < 6; round++) for (const k of ["on", "off"] as const) bulk[k]!.push(await time(apps[k], bigCsv, "text/csv", "text/csv"));
for (const k of ["on", "off"] as const) console.log(`100,000-row CSV /predict (the test rows repeated), monitor ${k}: best ${Math.min(...bulk[k]!).toFixed(0)} ms, median ${q(bulk[k]!, 0.5).toFixed(0)} ms (6 runs)`);
const distinct: Record<string, number[]> = { on: [], off: [] };
for (let round = 0; round < 6; round++) for (const k of ["on", "off"] as const) distinct[k]!.push(await time(apps[k], randomCsv, "text/csv", "text/csv"));
for (const k of ["on", "off"] as const) console.log(`100,000 random (distinct) rows as CSV /predict, monitor ${k}: best ${Math.min(...distinct[k]!).toFixed(0)} ms, median ${q(distinct[k]!, 0.5).toFixed(0)} ms (6 runs)`);

// The window alone: 1M rows recorded, memory before and after.
const w = new RollingWindow(m.reference);
const probability = m.score(big);
(globalThis as { gc?: () => void }).gc?.();
const heapBefore = Deno.memoryUsage().heapUsed;
const t0 = performance.now();
let rows = 0;
while (rows < 1_000_000) {
  w.record(big, probability);
  rows += big.rows;
}
const seconds = (performance.now() - t0) / 1000;
(globalThis as { gc?: () => void }).gc?.();
const heapAfter = Deno.memoryUsage().heapUsed;
console.log(`window: ${w.seen} rows recorded in ${seconds.toFixed(2)} s (${(seconds / w.seen * 1e6).toFixed(2)} µs a row); holds ${w.counts().rows} rows in ${w.footprint} numbers; heap ${((heapAfter - heapBefore) / 1024).toFixed(0)} KB after vs before`);
const reports: number[] = [];
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  analyzeWindow(m.reference, w.counts());
  reports.push(performance.now() - t);
}
console.log(`analysis of a full window (10,000 rows): median ${q(reports, 0.5).toFixed(1)} ms, max ${Math.max(...reports).toFixed(1)} ms`);
const monitorTimes: number[] = [];
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  const res = await apps.on.fetch(new Request("http://bench/monitor?format=json"));
  await res.arrayBuffer();
  monitorTimes.push(performance.now() - t);
}
console.log(`GET /monitor?format=json after the runs above: median ${q(monitorTimes, 0.5).toFixed(1)} ms`);
await Deno.remove(dir, { recursive: true });
