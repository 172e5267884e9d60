/**
 * A slow server costs a bounded time: every call delayed 10 s by a loopback proxy in front of the
 * real MLflow server, with MLflow's own MLFLOW_HTTP_REQUEST_TIMEOUT / MLFLOW_HTTP_REQUEST_MAX_RETRIES
 * set: `netsec train` spends at most timeout × (retries + 1) waiting, the rest goes to the outbox,
 * and the later `netsec sync` sends everything once. And a normal run sends one log-batch per run.
 */
import { afterAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";
import { MlflowClient } from "../../src/tracking/index.ts";
import { mlflowUri, netsecCli, readBack, startProxy, type Proxy } from "./helpers.ts";

const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const FAST = join(ROOT, "experiments", "fast.yaml");
const proxies: Proxy[] = [];
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
});

const candidates = (runDir: string) => readFileSync(join(runDir, "model_trainer", "leaderboard.csv"), "utf8").trim().split("\n").length - 1;

describe("a server that answers every call after 10 s", () => {
  it("netsec train waits at most the budget (timeout × (retries + 1)), keeps the rest in the outbox; netsec sync sends it once", async () => {
    const proxy = await startProxy(mlflowUri());
    proxies.push(proxy);
    proxy.plan = () => ({ delayMs: 10_000 });
    const cwd = tempDir();
    const experiment = `slow-${unique()}`;
    const modelName = `netsec-slow-${unique()}`;
    const env = { MLFLOW_TRACKING_URI: proxy.uri, MLFLOW_EXPERIMENT_NAME: experiment, NETSEC_REGISTERED_MODEL: modelName, MLFLOW_HTTP_REQUEST_TIMEOUT: "2", MLFLOW_HTTP_REQUEST_MAX_RETRIES: "1" };
    const started = Date.now();
    const r = await netsecCli(["train", "--data", SHARED_DATA, "--experiment", FAST, "--artifacts", join(cwd, "Artifacts"), "--model-dir", join(cwd, "final_model"), "--json"], cwd, env);
    const seconds = (Date.now() - started) / 1000;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("no answer");
    expect(r.stderr).toContain("run `netsec sync`");
    // Budget 2 s × (1 + 1) = 4 s: the first call's two attempts, then nothing more was sent.
    expect(proxy.log.length, JSON.stringify(proxy.log)).toBeLessThanOrEqual(2);
    console.log(`slow server: netsec train took ${seconds.toFixed(1)} s with ${proxy.log.length} request(s) to the delayed server (budget 4 s)`);
    const { runDir } = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { runDir: string };

    await proxy.drained(); // the delayed requests have reached the server by now
    const sync = await netsecCli(["sync", "--json"], cwd, { ...env, MLFLOW_TRACKING_URI: mlflowUri() });
    expect(sync.code, sync.stderr).toBe(0);
    expect(JSON.parse(sync.stdout.trim().split("\n").at(-1)!)).toMatchObject({ journals: 1, completed: 1, opsLeft: 0, runsCreated: 1 + candidates(runDir), runsFound: 0 });
    const back = await readBack(mlflowUri(), { runs: [], experiment, all_runs: true, model: modelName, alias: "champion" });
    const runs = Object.values(back.runs);
    expect(runs).toHaveLength(1 + candidates(runDir));
    const parent = runs.find((run) => !run.tags["mlflow.parentRunId"])!;
    expect(parent.status).toBe("FINISHED");
    expect(parent.metrics["test.f1"]).toHaveLength(1);
    expect(runs.filter((run) => run.tags["mlflow.parentRunId"]).every((c) => c.metrics.cv_f1.length === 3)).toBe(true);
    expect(back.model!.versions).toHaveLength(1);
    expect(back.model!.alias_version).toBe("1");
    const again = await netsecCli(["sync", "--json"], cwd, { ...env, MLFLOW_TRACKING_URI: mlflowUri() });
    expect(JSON.parse(again.stdout.trim().split("\n").at(-1)!)).toMatchObject({ journals: 0, opsSent: 0 });
  }, 300_000);

  it("an unreachable server: netsec sync says so plainly and keeps everything", async () => {
    const cwd = tempDir();
    const r = await netsecCli(["sync"], cwd, { MLFLOW_TRACKING_URI: "http://127.0.0.1:9", MLFLOW_HTTP_REQUEST_TIMEOUT: "1", MLFLOW_HTTP_REQUEST_MAX_RETRIES: "0" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("the MLflow server at http://127.0.0.1:9 could not be reached: nothing was sent and nothing is lost");
  });
});

describe("fewer, larger calls", () => {
  it("a training run sends one log-batch per run (parent and each candidate), not one per metric or stage", async () => {
    const proxy = await startProxy(mlflowUri());
    proxies.push(proxy);
    const cwd = tempDir();
    const experiment = `calls-${unique()}`;
    const r = await netsecCli(["train", "--data", SHARED_DATA, "--experiment", FAST, "--artifacts", join(cwd, "Artifacts"), "--model-dir", join(cwd, "final_model"), "--json"], cwd, {
      MLFLOW_TRACKING_URI: proxy.uri, MLFLOW_EXPERIMENT_NAME: experiment, NETSEC_REGISTERED_MODEL: `netsec-calls-${unique()}`,
    });
    expect(r.code, r.stderr).toBe(0);
    const { runDir } = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { runDir: string };
    const count = (suffix: string) => proxy.log.filter((l) => l.path.endsWith(suffix)).length;
    expect(count("/runs/log-batch")).toBe(1 + candidates(runDir));
    expect(count("/runs/create")).toBe(1 + candidates(runDir));
    expect(count("/runs/log-inputs")).toBe(1);
    const exp = await new MlflowClient(mlflowUri()).getExperimentByName(experiment);
    expect(exp!.tags).toEqual(expect.arrayContaining([{ key: "mlflow.experimentKind", value: "custom_model_development" }]));
    console.log(`one fast.yaml training (${candidates(runDir)} candidates): ${proxy.log.length} HTTP calls (${proxy.log.filter((l) => l.path.includes("mlflow-artifacts")).length} artifact uploads)`);
  }, 300_000);
});
