/**
 * Tracking never holds training hostage (issue 22): with every MLflow call answered after 10 s
 * (under the default 15 s per-attempt timeout, so no call ever fails) and MLflow's own variables
 * left at their defaults, `netsec train` waits on the server at most NETSEC_TRACKING_WAIT_MS in
 * all (set short here); the calls go out from a background sender, and what is unsent when the
 * run ends stays in the outbox, which `netsec sync` then sends to the real MLflow, once.
 */
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";
import { mlflowUri, netsecCli, readBack, startProxy, type Proxy } from "./helpers.ts";
import { DEFAULT_TRACKING_WAIT_MS, trackingWaitMs } from "../../src/tracking/remote.ts";

const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const FAST = join(ROOT, "experiments", "fast.yaml");
const proxies: Proxy[] = [];
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
});

describe("a slow server (every call answered after 10 s), default HTTP settings", () => {
  it("netsec train waits at most NETSEC_TRACKING_WAIT_MS on it; the unsent rest is in the outbox and netsec sync sends it once", async () => {
    const proxy = await startProxy(mlflowUri());
    proxies.push(proxy);
    proxy.plan = () => ({ delayMs: 10_000 });
    const cwd = tempDir();
    const experiment = `slow-bound-${unique()}`;
    const modelName = `netsec-slow-bound-${unique()}`;
    // MLFLOW_HTTP_REQUEST_TIMEOUT / _MAX_RETRIES unset: 15 s per attempt, a 105 s budget.
    const env = { MLFLOW_TRACKING_URI: proxy.uri, MLFLOW_EXPERIMENT_NAME: experiment, NETSEC_REGISTERED_MODEL: modelName, NETSEC_TRACKING_WAIT_MS: "3000", MLFLOW_HTTP_REQUEST_TIMEOUT: undefined, MLFLOW_HTTP_REQUEST_MAX_RETRIES: undefined, NETSEC_TRACKING_TIMEOUT_MS: undefined };
    const started = Date.now();
    const r = await netsecCli(["train", "--data", SHARED_DATA, "--experiment", FAST, "--artifacts", join(cwd, "Artifacts"), "--model-dir", join(cwd, "final_model"), "--json"], cwd, env);
    const seconds = (Date.now() - started) / 1000;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`MLflow ${proxy.uri}: no answer to the first call within 3 s: the run goes on, its tracking is sent in the background`);
    expect(r.stderr).toMatch(/MLflow http:\/\/[^ ]+: \d+ operation\(s\) of this run were not sent within 3 s of waiting on the server \(NETSEC_TRACKING_WAIT_MS\); they are kept in the outbox /);
    expect(r.stderr).toContain("run `netsec sync`");
    // The model half finished as usual: pushed, its summary written.
    const summary = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { runDir: string; pushed: boolean };
    expect(summary.pushed).toBe(true);
    // The outbox holds the run: operations without an ack.
    const outbox = join(cwd, ".netsec", "outbox");
    const journals = readdirSync(outbox).filter((n) => n.endsWith(".jsonl"));
    expect(journals).toHaveLength(1);
    const lines = readFileSync(join(outbox, journals[0]), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { op: string; id?: string; of?: string });
    const acked = new Set(lines.filter((l) => l.op === "ack").map((l) => l.of));
    const unsent = lines.filter((l) => l.op !== "ack" && l.op !== "journal" && !acked.has(l.id));
    expect(unsent.length).toBeGreaterThan(10);
    expect(unsent.at(-1)!.op).toBe("endRun");
    expect(existsSync(join(outbox, journals[0].replace(/\.jsonl$/, ".open")))).toBe(false);
    const candidates = readFileSync(join(summary.runDir, "model_trainer", "leaderboard.csv"), "utf8").trim().split("\n").length - 1;
    console.log(`slow server (10 s a call), NETSEC_TRACKING_WAIT_MS=3000: netsec train took ${seconds.toFixed(1)} s, ${proxy.log.length} request(s) reached the slow server, ${unsent.length} operations left for sync`);

    await proxy.drained(); // what the slow server got has reached the real one by now
    const sync = await netsecCli(["sync", "--json"], cwd, { ...env, MLFLOW_TRACKING_URI: mlflowUri() });
    expect(sync.code, sync.stderr).toBe(0);
    const counts = JSON.parse(sync.stdout.trim().split("\n").at(-1)!) as { journals: number; completed: number; opsLeft: number; runsCreated: number; runsFound: number };
    expect(counts).toMatchObject({ journals: 1, completed: 1, opsLeft: 0 });
    // Runs the slow server did create (its answer came too late) are found by their client id, not doubled.
    expect(counts.runsCreated + counts.runsFound).toBe(1 + candidates);
    const back = await readBack(mlflowUri(), { runs: [], experiment, all_runs: true, model: modelName, alias: "champion" });
    const runs = Object.values(back.runs);
    expect(runs).toHaveLength(1 + candidates);
    const parent = runs.find((run) => !run.tags["mlflow.parentRunId"])!;
    expect(parent.status).toBe("FINISHED");
    expect(parent.metrics["test.f1"]).toHaveLength(1);
    expect(back.model!.alias_version).toBe("1");
  }, 300_000);
});

describe("NETSEC_TRACKING_WAIT_MS", () => {
  it("defaults to 15 s; a value that is not a number of milliseconds is refused naming the variable", () => {
    expect(DEFAULT_TRACKING_WAIT_MS).toBe(15_000);
    expect(trackingWaitMs(() => undefined)).toBe(15_000);
    expect(trackingWaitMs((n) => (n === "NETSEC_TRACKING_WAIT_MS" ? "2500" : undefined))).toBe(2500);
    expect(() => trackingWaitMs(() => "soon")).toThrow('NETSEC_TRACKING_WAIT_MS="soon" is not a valid number of milliseconds');
  });
});
