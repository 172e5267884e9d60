#!/usr/bin/env node
// Load test of `netsec serve` (Deno, the CLI users run) under hostile input: for --seconds (60)
// several clients send, in parallel and in a loop, the worst inputs of issue 14 — a 9.9 MB header
// of 1,000,000 names, 50 MiB on one line, 8 MB and 60 MB of non-numeric cells, a JSON cell nested
// 50,000 deep, UTF-16 and CR-only files, a gzip bomb, broken multipart, 1e309 — while other
// connections send half request lines and headers a byte at a time (slowloris), and a prober
// GETs /health every 10 ms on its own connection. Reports /health latency (p50/p99/max, errors),
// what each attack got back, and the server's peak RSS (VmHWM of the Deno process).
//
//   node bench/serve-hostile.mjs [--model-dir DIR] [--seconds 60] [--clients 4] [--slow 200] [--valid] [--explain] [--only <name part>]
//
// --model-dir: a pushed model (default: trained once into bench/out/hostile/ with experiments/fast.yaml).
// --valid: add a client sending valid 100,000-row CSVs (scored) to the mix.
// --explain: add POST /predict?explain=true with 100,000 distinct rows (7.3 MB: refused by the cost
// cap), with as many distinct rows as the cap allows (the costliest request the server takes), and
// the same with a client that hangs up after 1 s (the server abandons it).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { parse } from "yaml";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const deno = join(root, "node_modules", "deno", "deno");
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const seconds = Number(arg("seconds", "60"));
const clients = Number(arg("clients", "4"));
const slowConnections = Number(arg("slow", "200"));
const withValid = process.argv.includes("--valid");
const withExplain = process.argv.includes("--explain");

let modelDir = arg("model-dir", undefined);
if (!modelDir) {
  const work = join(root, "bench", "out", "hostile");
  modelDir = join(work, "final_model");
  if (!existsSync(join(modelDir, "model.json"))) {
    mkdirSync(work, { recursive: true });
    console.error("training a model with experiments/fast.yaml into", modelDir);
    const trained = spawnSync(deno, ["run", "-A", "--quiet", "--config", join(root, "deno.json"), join(root, "src", "cli.ts"), "train", "--experiment", join(root, "experiments", "fast.yaml"), "--model-dir", modelDir, "--artifacts", join(work, "Artifacts")], { cwd: work, stdio: ["ignore", "ignore", "inherit"] });
    if (trained.status !== 0) process.exit(1);
  }
}

// --- the server -------------------------------------------------------------------------------
// --url <server>: attack a server started elsewhere (diagnostics; --pid <its pid> for its RSS).
const external = arg("url", undefined);
const server = external
  ? { pid: Number(arg("pid", "0")), kill() {}, stderr: null }
  : spawn(deno, ["run", "-A", "--quiet", "--config", join(root, "deno.json"), join(root, "src", "cli.ts"), "serve", "--port", "0", "--model-dir", modelDir, "--watch-ms", "0"], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NETSEC_TRAIN_TOKEN: "" } });
let serverLog = "";
let accessLines = 0;
let abandoned = 0;
let workersStarted = 0;
let workerFallbacks = 0;
let listening = false;
const url = external ?? await new Promise((resolve, reject) => {
  server.stderr.on("data", (chunk) => {
    const text = chunk.toString();
    accessLines += (text.match(/ id=/g) ?? []).length;
    abandoned += (text.match(/POST \/predict 499 /g) ?? []).length;
    workersStarted += (text.match(/explain worker started/g) ?? []).length;
    workerFallbacks += (text.match(/the explain worker could not start/g) ?? []).length;
    if (listening) return;
    serverLog += text;
    const m = /listening on (http:\/\/\S+)/.exec(serverLog);
    if (m) {
      listening = true;
      resolve(m[1]);
    }
  });
  server.on("exit", (code) => reject(new Error(`netsec serve exited (${code}): ${serverLog}`)));
});
const port = Number(new URL(url).port);
const procStatus = () => {
  try {
    const text = readFileSync(`/proc/${server.pid}/status`, "utf8");
    const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0);
    return { rss: kb("VmRSS") * 1024, hwm: kb("VmHWM") * 1024 };
  } catch {
    return { rss: 0, hwm: 0 };
  }
};
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, procStatus().rss)), 100);

// --- the worst inputs -------------------------------------------------------------------------
const schema = parse(readFileSync(join(root, "schema.yaml"), "utf8"));
const features = schema.features.map((f) => f.name);
const allowed = schema.features.map((f) => f.allowed);
const header = features.map((f) => `"${f}"`).join(",");
const junkRows = (bytes) => {
  const row = Array(features.length).fill("x").join(",");
  return `${header}\n${Array.from({ length: Math.ceil(bytes / (row.length + 1)) }, () => row).join("\n")}\n`;
};
const validRow = (r) => allowed.map((values, c) => values[(r * 7 + c * 3 + ((r * c) % 5)) % values.length]).join(",");
const deep = `${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}`;
const multipartTwo = ["a.csv", "b.csv"].map((n) => `--b\r\nContent-Disposition: form-data; name="file"; filename="${n}"\r\nContent-Type: text/csv\r\n\r\n${header}\n${validRow(1)}\r\n`).join("") + "--b--\r\n";
const attacks = [
  { name: "header of 1,000,000 names (9.9 MB)", type: "text/csv", body: Buffer.from(`${Array.from({ length: 1_000_000 }, (_, i) => `c${i}`).join(",")}\n`) },
  { name: "50 MiB on one line", type: "text/csv", body: Buffer.alloc(50 * 1024 * 1024, "x") },
  { name: "8 MB of non-numeric cells", type: "text/csv", body: Buffer.from(junkRows(8e6)) },
  { name: "60 MB of non-numeric cells", type: "text/csv", body: Buffer.from(junkRows(60e6)) },
  { name: "JSON cell nested 50,000 deep", type: "application/json", body: Buffer.from(`[{${features.map((f, i) => `"${f}": ${i === 0 ? deep : 1}`).join(",")}}]`) },
  { name: "UTF-16 CSV", type: "text/csv", body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${header}\n${validRow(1)}\n`, "utf16le")]) },
  { name: "CR-only line ends", type: "text/csv", body: Buffer.from(`${header}\r${validRow(1)}\r${validRow(2)}\r`) },
  { name: "gzip bomb (80 MB of zeros)", type: "text/csv", encoding: "gzip", body: gzipSync(Buffer.alloc(80 * 1024 * 1024, 48)) },
  { name: "multipart with two files", type: "multipart/form-data; boundary=b", body: Buffer.from(multipartTwo) },
  { name: "JSON 1e309", type: "application/json", body: Buffer.from(`[{${features.map((f, i) => `"${f}": ${i === 2 ? "1e309" : 1}`).join(",")}}]`) },
];
if (withValid) {
  attacks.push({ name: "valid 100,000-row CSV (scored)", type: "text/csv", body: Buffer.from(`${header}\n${Array.from({ length: 100_000 }, (_, r) => validRow(r)).join("\n")}\n`) });
}
if (withExplain) {
  // Seeded distinct rows (3^30 combinations: a draw of 100,000 has no repeats to speak of).
  let seed = 12345;
  const next = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const distinctCsv = (n) => `${header}\n${Array.from({ length: n }, () => allowed.map((values) => values[Math.floor(next() * values.length)]).join(",")).join("\n")}\n`;
  const modelFile = JSON.parse(readFileSync(join(modelDir, "model.json"), "utf8"));
  const trees = modelFile.model?.state?.trees?.roots?.length ?? 1;
  const cap = Number(arg("max-explain-cost", "200000"));
  const atCap = Math.floor(cap / trees);
  console.error(`explain: model ${modelFile.model?.family} with ${trees} trees, cap ${cap}: ${atCap} distinct rows at the cap`);
  attacks.push({ name: "explain=true, 100,000 distinct rows (7.3 MB)", type: "text/csv", query: "?explain=true", body: Buffer.from(distinctCsv(100_000)) });
  attacks.push({ name: `explain=true at the cap (${atCap} distinct rows)`, type: "text/csv", query: "?explain=true", body: Buffer.from(distinctCsv(atCap)) });
  attacks.push({ name: `explain=true at the cap, client hangs up after 1 s`, type: "text/csv", query: "?explain=true", abortMs: 1000, body: Buffer.from(distinctCsv(atCap)) });
}
const only = arg("only", undefined);
if (only) attacks.splice(0, attacks.length, ...attacks.filter((a) => a.name.includes(only)));
const tally = new Map(attacks.map((a) => [a.name, { sent: 0, statuses: new Map(), ms: [] }]));

const deadline = Date.now() + seconds * 1000;
async function attacker(offset) {
  for (let i = offset; Date.now() < deadline; i++) {
    const attack = attacks[i % attacks.length];
    const t = tally.get(attack.name);
    const started = performance.now();
    let status;
    try {
      const headers = { "content-type": attack.type, ...(attack.encoding ? { "content-encoding": attack.encoding } : {}) };
      const response = await fetch(`${url}/predict${attack.query ?? ""}`, { method: "POST", headers, body: attack.body, signal: AbortSignal.timeout(attack.abortMs ?? 120_000) });
      status = String(response.status);
      await response.arrayBuffer();
    } catch (error) {
      status = `error:${error.cause?.code ?? error.name}`;
    }
    t.sent++;
    t.ms.push(performance.now() - started);
    t.statuses.set(status, (t.statuses.get(status) ?? 0) + 1);
  }
}

// Slow clients: half a request line, or headers one byte at a time; reconnect when closed.
const slowTally = { opened: 0, closedByServer: 0, answers: new Map() };
function slowClient(kind) {
  if (Date.now() >= deadline) return;
  slowTally.opened++;
  const socket = connect(port, "127.0.0.1");
  let text = "";
  let drip;
  socket.on("data", (chunk) => (text += chunk.toString("latin1")));
  socket.on("error", () => {});
  socket.on("close", () => {
    clearInterval(drip);
    const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? "closed";
    slowTally.closedByServer++;
    slowTally.answers.set(status, (slowTally.answers.get(status) ?? 0) + 1);
    setTimeout(() => slowClient(kind), 10);
  });
  if (kind === 0) socket.write("GET /health HT");
  else {
    socket.write("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    drip = setInterval(() => socket.writable && socket.write("a"), 500);
  }
  setTimeout(() => socket.destroy(), Math.max(0, deadline - Date.now()));
}

// The prober is its own process, so its clock is not held up by the attackers' event loop.
const prober = spawn(process.execPath, ["-e", `
  const http = require("node:http");
  const [port, end] = [Number(process.argv[1]), Number(process.argv[2])];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies = []; let errors = 0;
  function once() {
    if (Date.now() >= end) { process.stdout.write(JSON.stringify({ latencies, errors })); return process.exit(0); }
    const t = process.hrtime.bigint();
    const req = http.get({ host: "127.0.0.1", port, path: "/health", agent, timeout: 2000 }, (res) => {
      res.resume();
      res.on("end", () => {
        if (res.statusCode === 200) latencies.push(Number(process.hrtime.bigint() - t) / 1e6); else errors++;
        setTimeout(once, 10);
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => { errors++; setTimeout(once, 10); });
  }
  once();
`, String(port), String(deadline)], { stdio: ["ignore", "pipe", "inherit"] });
let probeOut = "";
prober.stdout.on("data", (chunk) => (probeOut += chunk));
const probed = new Promise((resolve) => prober.on("exit", () => resolve(JSON.parse(probeOut))));

const rssBefore = procStatus().rss;
console.error(`netsec serve (Deno) pid ${server.pid} on ${url}, RSS ${(rssBefore / 1e6).toFixed(0)} MB; ${clients} attackers, ${slowConnections} slow connections, ${seconds} s`);
for (let i = 0; i < slowConnections; i++) slowClient(i % 2);
await Promise.all(Array.from({ length: clients }, (_, i) => attacker(i * 3)));
const { latencies, errors } = await probed;
await new Promise((r) => setTimeout(r, 500));
clearInterval(sampler);
const final = procStatus();
server.kill("SIGKILL");

latencies.sort((a, b) => a - b);
const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
const result = {
  seconds,
  clients,
  slowConnections,
  health: { probes: latencies.length, errors, p50: q(0.5), p99: q(0.99), max: latencies.at(-1) },
  peakRssBytes: Math.max(peakRss, final.hwm),
  rssBeforeBytes: rssBefore,
  accessLogLines: accessLines,
  explanationsAbandoned: abandoned,
  // Explanations run on a model worker (a new one after each abandoned explanation); a fallback means on the serving thread.
  explainWorker: { started: workersStarted, fellBackToThread: workerFallbacks },
  slow: { opened: slowTally.opened, closedByServer: slowTally.closedByServer, answers: Object.fromEntries(slowTally.answers) },
  attacks: Object.fromEntries([...tally].map(([name, t]) => {
    t.ms.sort((a, b) => a - b);
    return [name, { sent: t.sent, statuses: Object.fromEntries(t.statuses), medianMs: t.ms[Math.floor(t.ms.length / 2)] ?? null }];
  })),
};
console.log(JSON.stringify(result, null, 2));
console.error(`/health: ${latencies.length} probes, ${errors} errors, p50 ${q(0.5)?.toFixed(2)} ms, p99 ${q(0.99)?.toFixed(2)} ms, max ${latencies.at(-1)?.toFixed(1)} ms; peak RSS ${(result.peakRssBytes / 1e6).toFixed(0)} MB`);
process.exit(0);
