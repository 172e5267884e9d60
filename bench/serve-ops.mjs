#!/usr/bin/env node
// The cost of operations on `netsec serve` (Deno CLI, 127.0.0.1), driven from Node with autocannon:
//   1. /predict throughput and latency, closed loop (8 connections, fixed duration: requests done
//      in --seconds; autocannon ends a fixed-count run on a whole-second tick), for
//      single-row JSON bodies and 100-row CSV bodies, with
//        off:      --no-metrics, no prediction log
//        metrics:  /metrics on (the default), no prediction log
//        ops:      /metrics on + --prediction-log to a JSONL file (every row)
//        ops-10%:  the same, --prediction-log-share 0.1
//        ops-mongo (with --mongo <uri>): /metrics on + --prediction-log to MongoDB (every row)
//      Each configuration gets a fresh server; the rounds alternate the order (off first, then last:
//      off/on/…/on, then on/…/off) to spread the shared machine's drift; the table shows each round,
//      their median and their spread (min–max), and the cost from the medians.
//   2. The server's RSS (/proc/<pid>/status VmRSS) after 1M scored rows with metrics and the JSONL
//      prediction log on (100 CSV requests of 10k rows), and its /metrics counters.
// Usage: flock /tmp/netsec-heavy.lock node bench/serve-ops.mjs --model-dir <dir> [--mongo mongodb://127.0.0.1:27117]
//        [--seconds 8] [--rounds 4] [--million 1000000 (0: skip)] [--only off,ops,… (configurations)]
// Prints a Markdown block for bench/RESULTS.md.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const modelDir = resolve(args["model-dir"] ?? join(root, "final_model"));
const mongo = args.mongo;
const seconds = Number(args.seconds ?? 8);
const rounds = Number(args.rounds ?? 4);
const only = args.only ? new Set(args.only.split(",")) : undefined;
const million = Number(args.million ?? 1_000_000);
const dataset = join(root, "..", "shared", "data", "phisingData.csv");
if (!existsSync(join(modelDir, "model.json"))) {
  console.error(`no model in ${modelDir}: run \`npx netsec train --model-dir ${modelDir}\` first`);
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), "netsec-serve-ops-"));

function startServer(extra) {
  const deno = join(root, "node_modules", "deno", "deno");
  const child = spawn(deno, ["run", "-A", "--quiet", "--config", join(root, "deno.json"), join(root, "src", "cli.ts"), "serve", "--port", "0", "--model-dir", modelDir, "--watch-ms", "0", "--max-body-mb", "64", ...extra], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, NETSEC_TRAIN_TOKEN: "", NETSEC_METRICS_TOKEN: "", DENO_NO_UPDATE_CHECK: "1" },
  });
  return new Promise((resolveUrl, reject) => {
    let text = "";
    let listening = false;
    child.stderr.on("data", (chunk) => {
      if (listening) return;
      text += chunk;
      const match = /listening on (http:\/\/[^\s]+)/.exec(text);
      if (match) {
        listening = true;
        resolveUrl({ child, url: match[1] });
      }
    });
    child.on("exit", (code) => { if (!listening) reject(new Error(`netsec serve exited with ${code}: ${text}`)); });
  });
}

async function stop(child) {
  const exited = new Promise((r) => child.on("exit", r));
  child.kill("SIGTERM");
  await exited;
}

function rss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

const lines = readFileSync(dataset, "utf8").trim().split("\n");
const header = lines[0].split(",").map((h) => h.replaceAll('"', ""));
const target = header.indexOf("Result");
const keep = header.map((_, i) => i).filter((i) => i !== target);
const rows = lines.slice(1).map((l) => l.split(",")).map((r) => keep.map((i) => r[i]));
const names = keep.map((i) => header[i]);
const single = JSON.stringify([Object.fromEntries(names.map((n, c) => [n, Number(rows[0][c])]))]);
const csvOf = (n, offset = 0) => `${names.join(",")}\n${Array.from({ length: n }, (_, r) => rows[(offset + r) % rows.length].join(",")).join("\n")}\n`;
const batch = csvOf(100, 17);

const allConfigs = [
  { name: "off", flags: ["--no-metrics"] },
  { name: "metrics", flags: [] },
  { name: "ops", flags: (dir) => ["--prediction-log", join(dir, "log.jsonl")] },
  { name: "ops-10%", flags: (dir) => ["--prediction-log", join(dir, "log.jsonl"), "--prediction-log-share", "0.1"] },
  ...(mongo ? [{ name: "ops-mongo", flags: () => ["--prediction-log", `${mongo.replace(/\/$/, "")}/netsec_bench.predictions_${Date.now().toString(36)}`] }] : []),
];
const configs = allConfigs.filter((c) => c.name === "off" || !only || only.has(c.name));

async function measure(config) {
  const dir = mkdtempSync(join(work, `${config.name}-`));
  const flags = typeof config.flags === "function" ? config.flags(dir) : config.flags;
  const { child, url } = await startServer(flags);
  try {
    const run = (body, type, duration) => autocannon({ url: `${url}/predict`, method: "POST", headers: { "content-type": type }, body, connections: 8, duration, timeout: 20 });
    await run(single, "application/json", 2); // warm-up
    const one = await run(single, "application/json", seconds);
    const hundred = await run(batch, "text/csv", seconds);
    const bad = (r) => r.errors + r.timeouts + r.non2xx;
    return {
      single: { rps: one.requests.total / seconds, p50: one.latency.p50, p99: one.latency.p99, errors: bad(one) },
      batch: { rps: hundred.requests.total / seconds, p50: hundred.latency.p50, p99: hundred.latency.p99, errors: bad(hundred) },
    };
  } finally {
    await stop(child);
  }
}

const results = Object.fromEntries(configs.map((c) => [c.name, []]));
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? configs : [...configs].reverse();
  for (const config of order) {
    results[config.name].push(await measure(config));
    console.error(`round ${round + 1} ${config.name}: ${JSON.stringify(results[config.name].at(-1))}`);
  }
}

// 1M scored rows (100 CSV requests of 10k rows, back to back): RSS at start, peak and at the end,
// without and with metrics + the JSONL log of every row; the log's counters.
async function million1(name, flags, logFile) {
  const big = await startServer(flags);
  const perRequest = 10_000;
  const bigBody = csvOf(perRequest, 101);
  let scored = 0;
  const rssStart = rss(big.child.pid);
  let rssPeak = rssStart;
  const started = performance.now();
  while (scored < million) {
    const response = await fetch(`${big.url}/predict`, { method: "POST", headers: { "content-type": "text/csv", accept: "text/csv" }, body: bigBody });
    if (response.status !== 200) throw new Error(`/predict answered ${response.status}`);
    await response.arrayBuffer();
    scored += perRequest;
    rssPeak = Math.max(rssPeak, rss(big.child.pid));
  }
  const seconds = (performance.now() - started) / 1000;
  // Let the writer catch up before the counters are read (bounded wait).
  let text = "";
  for (let i = 0; i < 600; i++) {
    const response = await fetch(`${big.url}/metrics`);
    text = response.ok ? await response.text() : "";
    if (!logFile || /^netsec_prediction_log_queued_rows 0$/m.test(text)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const rssEnd = rss(big.child.pid);
  const counter = (metric) => new RegExp(`^${metric}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? "—";
  await stop(big.child);
  return { name, scored, perRequest, seconds, rssStart, rssPeak, rssEnd, logBytes: logFile ? statSync(logFile).size : 0, written: counter("netsec_prediction_log_written_total"), dropped: counter("netsec_prediction_log_dropped_total") };
}
const millionDir = mkdtempSync(join(work, "million-"));
const millions = million <= 0 ? [] : [await million1("off", ["--no-metrics"]), await million1("ops (JSONL log)", ["--prediction-log", join(millionDir, "log.jsonl")], join(millionDir, "log.jsonl"))];
rmSync(work, { recursive: true, force: true });

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const cell = (name, kind) => {
  const rs = results[name].map((r) => r[kind]);
  const rps = rs.map((r) => r.rps);
  return `${rps.map((v) => v.toFixed(0)).join(" / ")} (median **${median(rps).toFixed(0)}**, spread ${Math.min(...rps).toFixed(0)}–${Math.max(...rps).toFixed(0)}); p50 median ${median(rs.map((r) => r.p50))} ms, p99 median ${median(rs.map((r) => r.p99))} ms (${Math.min(...rs.map((r) => r.p99))}–${Math.max(...rs.map((r) => r.p99))}); ${rs.reduce((a, r) => a + r.errors, 0)} errors`;
};
const cost = (name, kind) => `${(100 * (1 - median(results[name].map((r) => r[kind].rps)) / median(results.off.map((r) => r[kind].rps)))).toFixed(1)} %`;
const out = [
  `| configuration | single-row JSON /predict, ${seconds} s, req/s per round | 100-row CSV /predict, ${seconds} s, req/s per round | throughput cost vs off, medians (single / 100-row) |`,
  "|---|---|---|---|",
  ...configs.map((c) => `| ${c.name} | ${cell(c.name, "single")} | ${cell(c.name, "batch")} | ${c.name === "off" ? "—" : `${cost(c.name, "single")} / ${cost(c.name, "batch")}`} |`),
  ...(millions.length ? ["",
  `| ${million} scored rows, ${million / 10_000} CSV requests of 10 000 rows back to back | rows/s | RSS at start | peak | at the end | log written / dropped | log size |`,
  "|---|---|---|---|---|---|---|",
  ...millions.map((m) => `| ${m.name} | ${(m.scored / m.seconds).toFixed(0)} | ${mb(m.rssStart)} | ${mb(m.rssPeak)} | ${mb(m.rssEnd)} | ${m.name === "off" ? "—" : `${m.written} / ${m.dropped}`} | ${m.logBytes ? mb(m.logBytes) : "—"} |`)] : []),
];
console.log(out.join("\n"));
