/**
 * A real Prometheus (Debian's 2.42, /usr/bin/prometheus) scrapes `netsec serve` under Deno with the
 * narrowed permissions, on loopback, every second, through the bearer token NETSEC_METRICS_TOKEN
 * asks for. After a bounded load (20 good /predict calls of 5 rows, 2 refused ones) PromQL through
 * its HTTP API returns those counts. Waits are bounded by a deadline; nothing is timed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/env.ts";
import { type DenoServe, freePort, narrowedLogFlags, startDenoServe } from "./deno-serve.ts";
import { writeRealModel } from "./real-model.ts";
import { featureCsv, rowObjects } from "./helpers.ts";

const PROMETHEUS = "/usr/bin/prometheus";
const TOKEN = "scrape-token-4b1f";

let serve: DenoServe | undefined;
let prometheus: ChildProcess | undefined;
let promUrl = "";
let promLog = "";
let logFile = "";

async function until<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 90_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`gave up waiting for ${what} (${String(last ?? "no answer")}); prometheus log:\n${promLog.slice(-3000)}`);
}

interface Vector { metric: Record<string, string>; value: [number, string] }

async function query(promql: string): Promise<Vector[]> {
  const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = await response.json() as { status: string; data: { resultType: string; result: Vector[] }; error?: string };
  if (body.status !== "success") throw new Error(`PromQL ${promql}: ${body.error}`);
  return body.data.result;
}

beforeAll(async () => {
  if (!existsSync(PROMETHEUS)) throw new Error(`${PROMETHEUS} is missing: scripts/setup.sh installs Debian's prometheus (apt-get install -y prometheus)`);
  const modelDir = join(tempDir("netsec-metrics-prom-"), "final_model");
  await writeRealModel(modelDir, 1);
  const port = await freePort();
  // With a JSONL prediction log: write is granted for that file only, read for the code of the
  // log's worker.
  logFile = join(dirname(modelDir), "predictions.jsonl");
  serve = await startDenoServe({ flags: narrowedLogFlags(modelDir, port, logFile), args: ["--port", String(port), "--model-dir", modelDir, "--watch-ms", "0", "--prediction-log", logFile], env: { NETSEC_METRICS_TOKEN: TOKEN } });

  const dir = tempDir("netsec-prometheus-");
  mkdirSync(join(dir, "data"));
  writeFileSync(join(dir, "prometheus.yml"), [
    "global:",
    "  scrape_interval: 1s",
    "  evaluation_interval: 1s",
    "scrape_configs:",
    "  - job_name: netsec",
    "    authorization:",
    "      type: Bearer",
    `      credentials: ${TOKEN}`,
    "    static_configs:",
    `      - targets: ["127.0.0.1:${serve.port}"]`,
    "",
  ].join("\n"));
  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  prometheus = spawn(PROMETHEUS, [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${promPort}`, "--storage.tsdb.retention.time=1h"], { stdio: ["ignore", "ignore", "pipe"] });
  prometheus.stderr!.on("data", (chunk) => (promLog += chunk));
  await until("prometheus ready", async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined));
}, 180_000);

afterAll(async () => {
  for (const child of [prometheus, serve?.child]) {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  }
});

describe("Prometheus scrapes netsec serve", () => {
  it("PromQL returns the request and row counts of a bounded load", async () => {
    // The target is up (the token was accepted) before the load starts.
    await until("target up", async () => ((await query('up{job="netsec"}'))[0]?.value[1] === "1" ? true : undefined));
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${serve!.url}/predict`, { method: "POST", headers: { "content-type": "text/csv" }, body: featureCsv(5) });
      expect(response.status).toBe(200);
      await response.body?.cancel();
    }
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${serve!.url}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([{ ...rowObjects(1)[0], SSLfinal_State: 7 }]) });
      expect(response.status).toBe(422);
      await response.body?.cancel();
    }
    const served = await until("20 /predict 200s in prometheus", async () => {
      const [sample] = await query('sum(netsec_http_requests_total{job="netsec",route="/predict",status="200"})');
      return sample?.value[1] === "20" ? sample : undefined;
    });
    expect(served.value[1]).toBe("20");
    const [refused] = await query('sum(netsec_http_requests_total{job="netsec",route="/predict",status="422"})');
    expect(refused.value[1]).toBe("2");
    const [rows] = await query('sum(netsec_rows_scored_total{job="netsec"})');
    expect(rows.value[1]).toBe("100");
    const [latency] = await query('sum(netsec_http_request_duration_seconds_count{job="netsec",route="/predict"})');
    expect(latency.value[1]).toBe("22");
    const byClass = await query('netsec_predictions_total{job="netsec"}');
    expect(byClass.map((s) => s.metric.class).sort()).toEqual(["legitimate", "phishing"]);
    expect(byClass.reduce((sum, s) => sum + Number(s.value[1]), 0)).toBe(100);
    const [probabilities] = await query('netsec_prediction_probability_count{job="netsec"}');
    expect(probabilities.value[1]).toBe("100");
    const [atOrBelowOne] = await query('netsec_prediction_probability_bucket{job="netsec",le="1"}');
    expect(atOrBelowOne.value[1]).toBe("100");
    const [info] = await query('netsec_model_info{job="netsec"}');
    expect(info.metric.version).toBe("1");
    expect(info.metric.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(info.metric.source).toMatch(/final_model\/model\.json$/);
    // The prediction log wrote every scored row under Deno's narrowed permissions, and dropped none.
    const written = await until("100 logged rows in prometheus", async () => {
      const [sample] = await query('netsec_prediction_log_written_total{job="netsec"}');
      return sample?.value[1] === "100" ? sample : undefined;
    });
    expect(written.value[1]).toBe("100");
    const [dropped] = await query('netsec_prediction_log_dropped_total{job="netsec"}');
    expect(dropped.value[1]).toBe("0");
    expect(readFileSync(logFile, "utf8").trim().split("\n")).toHaveLength(100);
    expect(serve!.log()).toContain("(write kept: the prediction log)");
  }, 180_000);
});
