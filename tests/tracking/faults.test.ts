/**
 * Faults between us and a real MLflow server: 429/500 injected by a loopback proxy, answers lost
 * after the server acted, a server that is down from the start, and a server killed in the middle
 * of a run (our own mlflow process) — then `netsec sync`: nothing lost, nothing doubled.
 */
import { afterAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DENO, ROOT, tempDir } from "../helpers/env.ts";
import { createMlflowTracker, MlflowClient, resolveTrackingConfig, syncJournals, type TrackingConfig } from "../../src/tracking/index.ts";
import { freePort, mlflowUri, OwnMlflow, pointCounts, readBack, startProxy, type Proxy } from "./helpers.ts";

const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const fast = { backoffMs: 20, totalMs: 8_000, timeoutMs: 5_000, retries: 4 };

function configFor(uri: string, experiment: string): TrackingConfig {
  return resolveTrackingConfig((n) => ({ MLFLOW_TRACKING_URI: uri, MLFLOW_EXPERIMENT_NAME: experiment })[n])!;
}

/** The same small run every test logs: a parent with params/metrics/artifact and one child. */
async function logRun(t: ReturnType<typeof createMlflowTracker>, between?: () => Promise<void>) {
  const parent = await t.startRun("train");
  await parent.logParams({ seed: 7, family: "tree" });
  await parent.logMetrics({ loss: 0.5 }, 0, 1_700_000_000_000);
  const child = await parent.startChild("candidate-1");
  await child.logMetrics({ cv_f1: 0.91 }, 0, 1_700_000_000_001);
  await between?.();
  await child.logMetrics({ cv_f1: 0.92 }, 1, 1_700_000_000_002);
  await child.logParams({ depth: 3 });
  await child.endRun();
  await parent.logMetrics({ loss: 0.25 }, 1, 1_700_000_000_003);
  await parent.logArtifact("leaderboard.csv", "family,f1\ntree,0.92\n");
  await parent.endRun();
  return parent.id;
}

/** Both runs of the experiment, read back with the Python client; checks nothing is missing or doubled. */
async function expectOneCompleteRun(uri: string, experiment: string) {
  const client = new MlflowClient(uri);
  const exp = await client.getExperimentByName(experiment);
  const runs = await client.searchRuns([exp!.experiment_id]);
  expect(runs.map((r) => r.info.run_name).sort()).toEqual(["candidate-1", "train"]);
  const ids = Object.fromEntries(runs.map((r) => [r.info.run_name!, r.info.run_id]));
  const back = await readBack(uri, { runs: Object.values(ids) });
  const parent = back.runs[ids.train];
  const child = back.runs[ids["candidate-1"]];
  expect(parent.metrics.loss).toEqual([[0, 1_700_000_000_000, 0.5], [1, 1_700_000_000_003, 0.25]]);
  expect(child.metrics.cv_f1).toEqual([[0, 1_700_000_000_001, 0.91], [1, 1_700_000_000_002, 0.92]]);
  expect(pointCounts(parent)).toEqual({ loss: 2 });
  expect(parent.params).toEqual({ seed: "7", family: "tree" });
  expect(child.params).toEqual({ depth: "3" });
  expect(child.tags["mlflow.parentRunId"]).toBe(ids.train);
  expect(parent.status).toBe("FINISHED");
  expect(child.status).toBe("FINISHED");
  expect(parent.artifacts.map((a) => a.path)).toEqual(["leaderboard.csv"]);
}

const proxies: Proxy[] = [];
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
});

describe("retries through a fault-injecting proxy in front of the real server", () => {
  it("429 and 500 answers are retried with backoff; nothing is doubled, nothing goes to the outbox", async () => {
    const proxy = await startProxy(mlflowUri());
    proxies.push(proxy);
    const counts = new Map<string, number>();
    proxy.plan = (method, path) => {
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      if (path.endsWith("/runs/create") && n === 1) return { status: 500 };
      if (path.endsWith("/runs/log-batch") && n <= 2) return { status: 429, headers: { "retry-after": "0" } };
      if (path.endsWith("/runs/log-batch") && n === 3) return { status: 500 };
      if (path.includes("mlflow-artifacts") && method === "PUT" && n === 1) return { status: 503 };
      return "forward";
    };
    const experiment = `retry-${unique()}`;
    const t = createMlflowTracker({ config: configFor(proxy.uri, experiment), stateDir: tempDir(), http: fast });
    await logRun(t);
    expect(t.warnings).toEqual([]);
    expect(t.summary().outbox).toBeUndefined();
    expect(proxy.log.filter((l) => l.action !== "forward").map((l) => `${l.method} ${l.path.split("/").slice(-2).join("/")} ${l.action}`)).toEqual([
      "POST runs/create 500",
      "POST runs/log-batch 429",
      "POST runs/log-batch 429",
      "POST runs/log-batch 500",
      expect.stringMatching(/^PUT .*\/leaderboard.csv 503$/),
    ]);
    await expectOneCompleteRun(mlflowUri(), experiment);
  });

  it("an answer lost after the server acted (502 after forwarding) creates no second run and no second point", async () => {
    const proxy = await startProxy(mlflowUri());
    proxies.push(proxy);
    const counts = new Map<string, number>();
    proxy.plan = (_method, path) => {
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      if ((path.endsWith("/runs/create") || path.endsWith("/runs/log-batch")) && n === 1) return "forward-then-fail";
      return "forward";
    };
    const experiment = `lost-${unique()}`;
    const t = createMlflowTracker({ config: configFor(proxy.uri, experiment), stateDir: tempDir(), http: fast });
    await logRun(t);
    expect(t.warnings).toEqual([]);
    await expectOneCompleteRun(mlflowUri(), experiment);
  });

  it("a server answering 500 past the retry limit: the run goes to the outbox, the pipeline goes on, sync sends it once", async () => {
    const proxy = await startProxy(mlflowUri());
    proxies.push(proxy);
    let broken = false;
    proxy.plan = (_m, path) => (broken && path.includes("/api/") ? { status: 500 } : "forward");
    const experiment = `outbox-${unique()}`;
    const stateDir = tempDir();
    const t = createMlflowTracker({ config: configFor(proxy.uri, experiment), stateDir, http: fast });
    const rootId = await logRun(t, async () => {
      broken = true;
    });
    expect(t.summary().outbox).toBe(join(stateDir, "outbox"));
    expect(t.warnings).toHaveLength(1);
    expect(t.warnings[0]).toContain("answered 500");
    expect(t.warnings[0]).toContain("netsec sync");
    expect(readdirSync(join(stateDir, "outbox"))).toContain(`${rootId}.jsonl`);

    const sync = await syncJournals({ config: configFor(mlflowUri(), experiment), stateDir, http: fast });
    expect(sync).toMatchObject({ journals: 1, completed: 1, opsLeft: 0, runsCreated: 0, runsFound: 0, failures: [] });
    expect(sync.metricsSkipped).toBe(0);
    await expectOneCompleteRun(mlflowUri(), experiment);
    const again = await syncJournals({ config: configFor(mlflowUri(), experiment), stateDir, http: fast });
    expect(again).toMatchObject({ journals: 0, opsSent: 0 });
  });
});

describe("server unreachable", () => {
  it("down at start: every call returns, the run is kept in the outbox, and sync creates it once", async () => {
    const port = await freePort();
    const experiment = `down-${unique()}`;
    const stateDir = tempDir();
    const t = createMlflowTracker({ config: configFor(`http://127.0.0.1:${port}`, experiment), stateDir, http: fast });
    const rootId = await logRun(t);
    expect(t.warnings).toHaveLength(1);
    expect(t.warnings[0]).toContain("cannot reach the server");
    expect(t.warnings[0]).toContain(`outbox ${stateDir}/outbox/${rootId}.jsonl`);
    const journal = readFileSync(join(stateDir, "outbox", `${rootId}.jsonl`), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { op: string });
    expect(journal.filter((l) => l.op === "ack")).toEqual([]);
    expect(journal.filter((l) => l.op === "createRun")).toHaveLength(2);

    const sync = await syncJournals({ config: configFor(mlflowUri(), experiment), stateDir, http: fast });
    expect(sync).toMatchObject({ journals: 1, completed: 1, opsLeft: 0, runsCreated: 2, failures: [] });
    await expectOneCompleteRun(mlflowUri(), experiment);
  });

  it("sync leaves a run alone while a live process is still recording it, and sends it once that run ended", async () => {
    const port = await freePort();
    const experiment = `live-${unique()}`;
    const stateDir = tempDir();
    const t = createMlflowTracker({ config: configFor(`http://127.0.0.1:${port}`, experiment), stateDir, http: fast });
    const run = await t.startRun("train");
    await run.logMetrics({ loss: 1 }, 0, 1_700_000_000_000);
    const config = configFor(mlflowUri(), experiment);
    const during = await syncJournals({ config, stateDir, http: fast });
    expect(during).toMatchObject({ journals: 1, completed: 0, opsSent: 0, inProgress: [join(stateDir, "outbox", `${run.id}.jsonl`)] });
    await run.logMetrics({ loss: 0.5 }, 1, 1_700_000_000_001);
    await run.endRun();
    const after = await syncJournals({ config, stateDir, http: fast });
    expect(after).toMatchObject({ journals: 1, completed: 1, runsCreated: 1, metricsSent: 2, inProgress: [] });
  });

    it("killed in the middle of a run, restarted, then `netsec sync` (CLI under Deno): nothing lost, nothing doubled", async () => {
    const server = new OwnMlflow();
    await server.start();
    try {
      const experiment = `killed-${unique()}`;
      const stateDir = tempDir();
      const t = createMlflowTracker({ config: configFor(server.uri, experiment), stateDir, http: fast });
      await logRun(t, () => server.kill());
      expect(t.summary().outbox).toBeDefined();
      expect(t.warnings.join("\n")).toContain("netsec sync");
      await server.start();
      const cli = (args: string[]) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          execFile(DENO, ["run", "-A", "src/cli.ts", ...args], { cwd: ROOT, env: { ...process.env, MLFLOW_TRACKING_URI: server.uri, MLFLOW_EXPERIMENT_NAME: experiment } }, (error, stdout, stderr) =>
            resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
        });
      const first = await cli(["sync", "--state-dir", stateDir, "--json"]);
      expect(first.stderr).not.toContain("error");
      expect(first.code).toBe(0);
      const result = JSON.parse(first.stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
      expect(result).toMatchObject({ journals: 1, completed: 1, opsLeft: 0 });
      // The sender works in the background: the child run may or may not have reached the server
      // before it was killed (then sync creates it, or finds it by its client id); never both.
      expect(Number(result.runsCreated) + Number(result.runsFound)).toBeLessThanOrEqual(1);
      await expectOneCompleteRun(server.uri, experiment);
      const second = await cli(["sync", "--state-dir", stateDir, "--json"]);
      expect(JSON.parse(second.stdout.trim().split("\n").at(-1)!)).toMatchObject({ journals: 0, opsSent: 0 });
      await expectOneCompleteRun(server.uri, experiment);
    } finally {
      await server.kill();
    }
  }, 300_000); // starts an MLflow server twice: slow on a busy 2-core machine
});
