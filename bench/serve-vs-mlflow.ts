/**
 * `netsec serve` vs `mlflow models serve` (the onnx flavor, onnxruntime) on the same pushed model:
 * netsec answers from model.json with its own engine, MLflow from model.onnx of the same push.
 * Both are one process with their defaults (netsec serve under Deno; mlflow models serve
 * --env-manager local, 1 uvicorn worker), on 127.0.0.1, driven from this Deno process over one
 * keep-alive connection, one request at a time. JSON both ways: netsec `{"columns", "rows"}` to
 * /predict, MLflow `{"dataframe_split": {"columns", "data"}}` to /invocations. Every timed request
 * carries rows never sent before (seeded random values from each feature's allowed set), so
 * netsec's row cache never answers: both servers walk every row. The same bodies go to both.
 * Rounds alternate between the two servers; each round sends, per batch size (1, 100, 10,000
 * rows), a fixed number of requests after a warm-up. The answers are checked to agree
 * (probability of phishing to 1e-5) on 1,000 real rows before timing.
 *
 * Usage (see bench/RESULTS.md):
 *   node_modules/deno/deno run -A --config deno.json bench/serve-vs-mlflow.ts <model dir> [--rounds 3]
 * Prints a Markdown table: per server and batch size, p50 / p99 latency (ms) and rows/s, as the
 * median over rounds (min in brackets).
 */
import { mlflowModelFolder } from "../src/tracking/mlmodel.ts";
import { platform } from "../src/runtime/index.ts";
import type { ChildProcess } from "../src/runtime/index.ts";
import { loadSchema } from "../src/schema.ts";
import { mulberry32 } from "../src/stats/rng.ts";

const [modelDir, ...rest] = platform.args();
if (!modelDir) {
  console.error("usage: bench/serve-vs-mlflow.ts <model dir with model.json and model.onnx> [--rounds 3]");
  platform.exit(2);
}
const rounds = rest.includes("--rounds") ? Number(rest[rest.indexOf("--rounds") + 1]) || 3 : 3;
const root = platform.projectRoot();
const cache = platform.env("NETSEC_CACHE") ?? `${platform.env("HOME")}/.cache/netsec`;
const venvBin = `${cache}/venv/bin`;
const SIZES = [1, 100, 10_000];
const REQUESTS: Record<number, number> = { 1: 1000, 100: 500, 10_000: 40 };
const WARMUP: Record<number, number> = { 1: 100, 100: 50, 10_000: 5 };

async function freePort(): Promise<number> {
  const s = await platform.serve(() => new Response(""), { port: 0, hostname: "127.0.0.1" });
  const port = s.port;
  await s.shutdown();
  return port;
}

async function waitFor(url: string, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    try {
      const r = await fetch(url);
      await r.body?.cancel();
      if (r.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`${what} did not answer ${url}`);
}

// The data: real rows, features only.
const text = await platform.readTextFile(`${root}/../shared/data/phisingData.csv`);
const lines = text.trim().split(/\r?\n/);
const header = lines[0].split(",").map((h: string) => h.replaceAll('"', ""));
const target = header.indexOf("Result");
const columns = header.filter((_: string, i: number) => i !== target);
const data = lines.slice(1).map((l: string) => l.split(",").filter((_: string, i: number) => i !== target).map(Number));
const batch = (n: number) => Array.from({ length: n }, (_, i) => data[i % data.length]);
// Fresh rows: each cell one of the feature's allowed values (schema.yaml), from a seeded PRNG.
const allowed = (await loadSchema()).features.map((f) => f.allowed!);
const rng = mulberry32(12);
const freshRows = (n: number) => Array.from({ length: n }, () => allowed.map((a) => a[rng.int(a.length)]));

// The MLflow model folder of the same push (the files the tracker logs).
const mlflowDir = await platform.makeTempDir("netsec-bench-mlflow-");
const files = await mlflowModelFolder(await platform.readFile(`${modelDir}/model.json`), await platform.readFile(`${modelDir}/model.onnx`), { uuid: crypto.randomUUID() });
for (const [name, body] of Object.entries(files)) await platform.writeFile(`${mlflowDir}/${name}`, body);

const netsecPort = await freePort();
const netsec = platform.start(platform.denoPath(), ["run", "-A", "--quiet", "--config", `${root}/deno.json`, `${root}/src/cli.ts`, "serve", "--port", String(netsecPort), "--model-dir", modelDir, "--max-body-mb", "256", "--watch-ms", "0"], {
  env: { ...platform.envObject(), NETSEC_TRAIN_TOKEN: "", DENO_NO_UPDATE_CHECK: "1" },
});
const mlflowPort = await freePort();
// In a process group of its own (setsid): mlflow starts uvicorn as a child, stopped with the group.
const mlflow = platform.start("setsid", [`${venvBin}/mlflow`, "models", "serve", "-m", mlflowDir, "--env-manager", "local", "-h", "127.0.0.1", "-p", String(mlflowPort)], {
  env: { ...platform.envObject(), PATH: `${venvBin}:${platform.env("PATH")}` },
});

interface Server {
  name: string;
  url: string;
  body(rows: number[][]): string;
  /** P(phishing) per row from the answer. */
  phishing(answer: string): number[];
}
const servers: Server[] = [
  {
    name: "netsec serve (model.json)",
    url: `http://127.0.0.1:${netsecPort}/predict`,
    body: (rows) => JSON.stringify({ columns, rows }),
    phishing: (a) => (JSON.parse(a) as { predictions: { probability: number }[] }).predictions.map((p) => p.probability),
  },
  {
    name: "mlflow models serve (model.onnx)",
    url: `http://127.0.0.1:${mlflowPort}/invocations`,
    body: (rows) => JSON.stringify({ dataframe_split: { columns, data: rows } }),
    phishing: (a) => (JSON.parse(a) as { predictions: { probability_phishing: number }[] }).predictions.map((p) => p.probability_phishing),
  },
];

async function post(server: Server, body: string): Promise<string> {
  const r = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json" }, body });
  const answer = await r.text();
  if (r.status !== 200) throw new Error(`${server.name}: ${r.status} ${answer.slice(0, 300)}`);
  return answer;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  await waitFor(`http://127.0.0.1:${netsecPort}/health`, netsec, "netsec serve");
  await waitFor(`http://127.0.0.1:${mlflowPort}/ping`, mlflow, "mlflow models serve");
  // Same answers before any timing.
  const check = batch(1000);
  const [a, b] = await Promise.all(servers.map(async (s) => s.phishing(await post(s, s.body(check)))));
  const worst = Math.max(...a.map((p, i) => Math.abs(p - b[i])));
  if (!(worst < 1e-5)) throw new Error(`the two servers disagree: max |Δ P(phishing)| = ${worst}`);
  console.error(`answers agree on 1000 rows (max |Δ| ${worst.toExponential(1)})`);

  const results = new Map<string, { p50: number; p99: number; rowsPerS: number }[]>();
  for (let round = 0; round < rounds; round++) {
    for (const size of SIZES) {
      // This round's requests: the same fresh rows for both servers, in the same order.
      const sets = Array.from({ length: WARMUP[size] + REQUESTS[size] }, () => freshRows(size));
      for (const server of round % 2 ? [...servers].reverse() : servers) {
        const bodies = sets.map((rows) => server.body(rows));
        for (let i = 0; i < WARMUP[size]; i++) await post(server, bodies[i]);
        const times: number[] = [];
        const t0 = performance.now();
        for (let i = WARMUP[size]; i < bodies.length; i++) {
          const t = performance.now();
          await post(server, bodies[i]);
          times.push(performance.now() - t);
        }
        const seconds = (performance.now() - t0) / 1000;
        times.sort((x, y) => x - y);
        const key = `${server.name}|${size}`;
        if (!results.has(key)) results.set(key, []);
        results.get(key)!.push({ p50: quantile(times, 0.5), p99: quantile(times, 0.99), rowsPerS: (size * REQUESTS[size]) / seconds });
        console.error(`round ${round + 1} ${server.name} ${size} rows: p50 ${quantile(times, 0.5).toFixed(2)} ms, p99 ${quantile(times, 0.99).toFixed(2)} ms`);
      }
    }
  }
  const fmt = (xs: number[], digits: number) => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)})`;
  const lines = ["| server | rows / request | requests / round | p50 ms | p99 ms | rows/s |", "|---|---|---|---|---|---|"];
  for (const size of SIZES) {
    for (const server of servers) {
      const r = results.get(`${server.name}|${size}`)!;
      const rate = r.map((x) => x.rowsPerS);
      lines.push(`| ${server.name} | ${size.toLocaleString("en")} | ${REQUESTS[size]} | ${fmt(r.map((x) => x.p50), 2)} | ${fmt(r.map((x) => x.p99), 2)} | ${Math.round(median(rate)).toLocaleString("en")} (max ${Math.round(Math.max(...rate)).toLocaleString("en")}) |`);
    }
  }
  console.log(lines.join("\n"));
  console.log(`\n${rounds} rounds, alternating; p50/p99: median over rounds (best round in brackets); rows/s: median (best).`);
} finally {
  netsec.kill("SIGTERM");
  await platform.run("kill", ["-TERM", "--", `-${mlflow.pid}`]);
  await Promise.allSettled([netsec.status, mlflow.status]);
  await platform.remove(mlflowDir);
}
