/**
 * Side-by-side: log the same 20,000 metric points (20 keys × 1000 steps) plus 200 params to one
 * run, with our client (split log-batch) and with the official Python MlflowClient.log_batch
 * (chunks of 1000), against the same real server. Run once, by hand (not part of vitest):
 *   node_modules/deno/deno run -A tests/tracking/bench-log.ts [tracking uri]
 */
import { MlflowClient } from "../../src/tracking/index.ts";
import { platform } from "../../src/runtime/index.ts";

const uri = platform.args()[0] ?? "http://127.0.0.1:5055";
const client = new MlflowClient(uri);
const experimentId = await client.ensureExperiment(`bench-log-${Date.now()}`, []);
const metrics = [];
for (let k = 0; k < 20; k++) for (let s = 0; s < 1000; s++) metrics.push({ key: `m${k}`, value: Math.sin(k + s), timestamp: 1_700_000_000_000 + s, step: s });
const params = Array.from({ length: 200 }, (_, i) => ({ key: `p${i}`, value: String(i) }));

const run = await client.createRun({ experimentId, runName: "netsec-ts", startTime: Date.now(), tags: [] });
const t0 = performance.now();
const requests = await client.logBatch(run.run_id, { metrics, params, tags: [] });
const ours = (performance.now() - t0) / 1000;

const py = `
import sys, time
from mlflow.tracking import MlflowClient
from mlflow.entities import Metric, Param
import math
c = MlflowClient(sys.argv[1])
run = c.create_run(sys.argv[2], run_name="mlflow-python")
metrics = [Metric(f"m{k}", math.sin(k + s), 1_700_000_000_000 + s, s) for k in range(20) for s in range(1000)]
params = [Param(f"p{i}", str(i)) for i in range(200)]
t0 = time.perf_counter()
for i in range(0, 200, 100): c.log_batch(run.info.run_id, params=params[i:i+100])
for i in range(0, len(metrics), 1000): c.log_batch(run.info.run_id, metrics=metrics[i:i+1000])
print(time.perf_counter() - t0)
`;
const python = `${platform.env("HOME")}/.cache/netsec/venv/bin/python`;
const r = await platform.run(python, ["-c", py, uri, experimentId]);
if (r.code !== 0) throw new Error(r.stderr);
const theirs = Number(r.stdout.trim().split("\n").at(-1));
platform.stdoutWrite(`${metrics.length} metric points + ${params.length} params to ${uri}\n`);
platform.stdoutWrite(`netsec MlflowClient.logBatch: ${ours.toFixed(2)} s in ${requests} requests\n`);
platform.stdoutWrite(`mlflow (Python) MlflowClient.log_batch: ${theirs.toFixed(2)} s in 22 requests\n`);
