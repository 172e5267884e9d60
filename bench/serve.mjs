#!/usr/bin/env node
// Serving benchmark: `netsec serve` under Deno (the CLI) on 127.0.0.1, driven from Node.
//   1. single-row JSON predictions with autocannon at a fixed rate (500 req/s, fixed number of
//      requests, 10 connections): errors, p50/p99 latency;
//   2. a 100k-row CSV (rows sampled from the real dataset, features only) through POST /predict,
//      answered as CSV and as JSON: wall time per request (best and median of 3).
// Usage: node bench/serve.mjs [--model-dir final_model] [--rate 500] [--amount 15000] [--rows 100000]
// The model folder must hold a pushed model, e.g. (in bench/out/serve-run):
//   npx netsec train --data ../../../../shared/data/phisingData.csv --model-dir final_model
// Prints a Markdown block for bench/RESULTS.md.
import { spawn } from "node:child_process";
import { Agent, request as httpRequest } from "node:http";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cpus } from "node:os";
import autocannon from "autocannon";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const modelDir = resolve(args["model-dir"] ?? join(root, "final_model"));
const rate = Number(args.rate ?? 500);
const amount = Number(args.amount ?? 15_000);
const bigRows = Number(args.rows ?? 100_000);
const dataset = join(root, "..", "shared", "data", "phisingData.csv");

if (!existsSync(join(modelDir, "model.json"))) {
  console.error(`no model in ${modelDir}: run \`npx netsec train --model-dir ${modelDir}\` first`);
  process.exit(1);
}

function startServer() {
  const deno = join(root, "node_modules", "deno", "deno");
  const child = spawn(deno, ["run", "-A", "--quiet", "--config", join(root, "deno.json"), join(root, "src", "cli.ts"), "serve", "--port", "0", "--model-dir", modelDir, "--max-body-mb", "256"], {
    stdio: ["ignore", "inherit", "pipe"],
    env: { ...process.env, NETSEC_TRAIN_TOKEN: "", DENO_NO_UPDATE_CHECK: "1" },
  });
  return new Promise((resolveUrl, reject) => {
    let text = "";
    let listening = false;
    child.stderr.on("data", (chunk) => {
      if (listening) return; // the server logs one line per request from here on: not kept
      text += chunk;
      const match = /listening on (http:\/\/[^\s]+)/.exec(text);
      if (match) {
        listening = true;
        resolveUrl({ child, url: match[1] });
      }
    });
    child.on("exit", (code) => reject(new Error(`netsec serve exited with ${code}: ${text}`)));
  });
}

function sampleRows() {
  const lines = readFileSync(dataset, "utf8").trim().split("\n");
  const header = lines[0].split(",").map((h) => h.replaceAll('"', ""));
  const target = header.indexOf("Result");
  const keep = header.map((_, i) => i).filter((i) => i !== target);
  const rows = lines.slice(1).map((l) => l.split(","));
  return { header: keep.map((i) => header[i]), rows: rows.map((r) => keep.map((i) => r[i])) };
}

const { header, rows } = sampleRows();
const single = JSON.stringify([Object.fromEntries(header.map((h, i) => [h, Number(rows[0][i])]))]);
const outDir = join(root, "bench", "out");
mkdirSync(outDir, { recursive: true });
const bigFile = join(outDir, `serve-${bigRows}.csv`);
const bigLines = [header.map((h) => `"${h}"`).join(",")];
for (let r = 0; r < bigRows; r++) bigLines.push(rows[(r * 7919) % rows.length].join(","));
writeFileSync(bigFile, bigLines.join("\n") + "\n");
const bigBody = readFileSync(bigFile);
// Worst case for the distinct-row scoring: rows drawn at random from the allowed values (seeded),
// so nearly every row is different.
const allowed = header.map((_, c) => [...new Set(rows.map((r) => r[c]))]);
let seed = 12345;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const randomLines = [bigLines[0]];
for (let r = 0; r < bigRows; r++) randomLines.push(allowed.map((values) => values[Math.floor(random() * values.length)]).join(","));
const randomFile = join(outDir, `serve-${bigRows}-random.csv`);
writeFileSync(randomFile, randomLines.join("\n") + "\n");
const randomBody = readFileSync(randomFile);

const { loadavg } = await import("node:os");
const loadBefore = loadavg().map((l) => l.toFixed(2)).join(", ");
const { child, url } = await startServer();
try {
  const model = await (await fetch(`${url}/model`)).json();
  // Warm up (JIT) before measuring.
  for (let i = 0; i < 3000; i++) await (await fetch(`${url}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: single })).arrayBuffer();
  await (await fetch(`${url}/predict`, { method: "POST", headers: { "content-type": "text/csv", accept: "text/csv" }, body: bigBody })).arrayBuffer();

  const predictLoad = (connections) =>
    autocannon({ url: `${url}/predict`, method: "POST", headers: { "content-type": "application/json" }, body: single, connections, overallRate: rate, amount, timeout: 10 });
  const load = await predictLoad(10);

  // The same rate over 2 keep-alive connections. autocannon paces each connection on its own
  // timer, all started together, so 10 connections at 500 req/s arrive as bursts of 10 requests
  // every 20 ms: the last of a burst waits for the nine before it. 2 connections give the same
  // rate with bursts of 2 (closer to independent clients arriving at random).
  const paced = await predictLoad(2);

  // Floor of this machine + runtime + client: the same load on GET /health (no body, no model).
  const floor = await autocannon({ url: `${url}/health`, connections: 10, overallRate: rate, amount: Math.min(amount, 5000), timeout: 10 });

  // Sequential probe with microsecond timing (autocannon rounds to 1 ms): one keep-alive
  // connection, one request at a time.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(`${url}/predict`);
  const once = () => new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const req = httpRequest({ agent, host: target.hostname, port: target.port, path: "/predict", method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(single) } }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? done(Number(process.hrtime.bigint() - started) / 1e6) : fail(new Error(`status ${res.statusCode}`))));
    });
    req.on("error", fail);
    req.end(single);
  });
  const probe = [];
  for (let i = 0; i < 3000; i++) probe.push(await once());
  agent.destroy();
  probe.sort((a, b) => a - b);
  const q = (f) => probe[Math.min(probe.length - 1, Math.floor(f * probe.length))];

  const big = {};
  for (const [name, body, accept] of [["real/csv", bigBody, "text/csv"], ["real/json", bigBody, "application/json"], ["random/csv", randomBody, "text/csv"]]) {
    const times = [];
    let rowsBack = 0;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const response = await fetch(`${url}/predict`, { method: "POST", headers: { "content-type": "text/csv", accept }, body });
      const text = await response.text();
      times.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`100k-row request: ${response.status} ${text.slice(0, 300)}`);
      rowsBack = accept === "text/csv" ? text.trim().split("\n").length - 1 : JSON.parse(text).predictions.length;
    }
    times.sort((a, b) => a - b);
    big[name] = { best: times[0], median: times[1], rows: rowsBack };
  }

  const errors = load.errors + load.timeouts + load.non2xx;
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const report = [
    `Measured ${new Date().toISOString()} on ${cpus().length} cores (${cpu}), server \`netsec serve\` under Deno, model version ${model.version} (${model.file ?? modelDir}).`,
    `Command: \`node bench/serve.mjs --model-dir ${args["model-dir"] ?? "final_model"} --rate ${rate} --amount ${amount} --rows ${bigRows}\``,
    "",
    "| test | result | goal |",
    "|---|---|---|",
    `| single-row JSON /predict, ${amount} requests at ${rate} req/s (10 connections, autocannon) | ${load.requests.total} done in ${load.duration.toFixed(1)} s, **${errors} errors** (${load.errors} errors, ${load.timeouts} timeouts, ${load.non2xx} non-2xx); latency p50 **${load.latency.p50} ms**, p90 ${load.latency.p90} ms, p99 **${load.latency.p99} ms**, max ${load.latency.max} ms | 0 errors, p99 < 5 ms |`,
    `| same, ${paced.requests.total} requests at ${rate} req/s over 2 connections | ${paced.errors + paced.timeouts + paced.non2xx} errors; latency p50 ${paced.latency.p50} ms, p90 ${paced.latency.p90} ms, p99 **${paced.latency.p99} ms**, max ${paced.latency.max} ms | 0 errors, p99 < 5 ms |`,
    `| baseline: GET /health, ${Math.min(amount, 5000)} requests at ${rate} req/s (10 connections) | ${floor.errors + floor.timeouts + floor.non2xx} errors; latency p50 ${floor.latency.p50} ms, p90 ${floor.latency.p90} ms, p99 ${floor.latency.p99} ms, max ${floor.latency.max} ms | — |`,
    `| single-row JSON /predict, 3000 requests one at a time on one keep-alive connection (µs timer) | p50 **${q(0.5).toFixed(2)} ms**, p99 **${q(0.99).toFixed(2)} ms**, max ${probe[probe.length - 1].toFixed(2)} ms | — |`,
    `| ${bigRows.toLocaleString("en")}-row CSV (${(bigBody.length / 1e6).toFixed(1)} MB; rows sampled from the real data set, so repeated as in real batches) → /predict, answer as CSV | best ${big["real/csv"].best.toFixed(0)} ms, median ${big["real/csv"].median.toFixed(0)} ms (${big["real/csv"].rows} rows back) | < 1 s |`,
    `| same, answer as JSON | best ${big["real/json"].best.toFixed(0)} ms, median ${big["real/json"].median.toFixed(0)} ms | — |`,
    `| ${bigRows.toLocaleString("en")}-row CSV of random rows (almost all distinct: worst case), answer as CSV | best ${big["random/csv"].best.toFixed(0)} ms, median ${big["random/csv"].median.toFixed(0)} ms | < 1 s |`,
    "",
    "autocannon latencies have 1 ms resolution; load average before the run: " + loadBefore + ".",
  ].join("\n");
  console.log(report);
} finally {
  child.kill("SIGTERM");
}
