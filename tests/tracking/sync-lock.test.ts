/**
 * Two `netsec sync` at the same time (issue 22: one outbox run went to the server twice, 3 parent
 * runs for 2, and both exited 1): the outbox is locked, the second sync waits for the first and
 * finds nothing left, and every run is on the real MLflow server once (one run per client id).
 */
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DENO, ROOT, tempDir } from "../helpers/env.ts";
import { createMlflowTracker, MlflowClient, resolveTrackingConfig, syncJournals, type TrackingConfig } from "../../src/tracking/index.ts";
import { isNetsecError } from "../../src/errors.ts";
import { freePort, mlflowUri } from "./helpers.ts";

const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const fast = { backoffMs: 20, totalMs: 8_000, timeoutMs: 5_000, retries: 4 };

function configFor(uri: string, experiment: string): TrackingConfig {
  return resolveTrackingConfig((n) => ({ MLFLOW_TRACKING_URI: uri, MLFLOW_EXPERIMENT_NAME: experiment })[n])!;
}

/** `runs` parent runs with one child each, recorded while the server was down: all in the outbox. */
async function outboxWith(stateDir: string, experiment: string, runs: number): Promise<void> {
  const port = await freePort();
  const t = createMlflowTracker({ config: configFor(`http://127.0.0.1:${port}`, experiment), stateDir, http: fast });
  for (let i = 0; i < runs; i++) {
    const parent = await t.startRun(`train ${i}`);
    await parent.logParams({ seed: i });
    await parent.logMetrics({ loss: 0.5 }, 0, 1_700_000_000_000 + i);
    const child = await parent.startChild(`candidate ${i}`);
    await child.logMetrics({ cv_f1: 0.9 }, 0, 1_700_000_000_000 + i);
    await child.endRun();
    await parent.endRun();
  }
}

function sync(stateDir: string, experiment: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(DENO, ["run", "-A", join(ROOT, "src/cli.ts"), "sync", "--state-dir", stateDir, "--json"], { cwd: ROOT, env: { ...process.env, MLFLOW_TRACKING_URI: mlflowUri(), MLFLOW_EXPERIMENT_NAME: experiment } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

describe("the outbox is locked", () => {
  it("two netsec sync at once: both exit 0, each outbox run is on the server once", { timeout: 180_000 }, async () => {
    const experiment = `sync-twice-${unique()}`;
    const stateDir = tempDir();
    await outboxWith(stateDir, experiment, 3);
    expect(readdirSync(join(stateDir, "outbox")).filter((n) => n.endsWith(".jsonl"))).toHaveLength(3);
    const [a, b] = await Promise.all([sync(stateDir, experiment), sync(stateDir, experiment)]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    const results = [a, b].map((r) => JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { journals: number; runsCreated: number; runsFound: number; opsLeft: number });
    expect(results.reduce((n, r) => n + r.runsCreated, 0)).toBe(6);
    expect(results.reduce((n, r) => n + r.runsFound, 0)).toBe(0);
    expect(results.map((r) => r.journals).sort()).toEqual([0, 3]);
    const client = new MlflowClient(mlflowUri());
    const exp = await client.getExperimentByName(experiment);
    const runs = await client.searchRuns([exp!.experiment_id]);
    const ids = runs.map((r) => (r.data?.tags ?? []).find((t: { key: string }) => t.key === "netsec.client_run_id")?.value);
    expect(runs).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
    expect(readdirSync(join(stateDir, "outbox")).filter((n) => n.endsWith(".jsonl"))).toEqual([]);
  });

  it("a sync that finds another holding the lock past its wait says so, and sends nothing", async () => {
    const stateDir = tempDir();
    const out = join(stateDir, "outbox");
    mkdirSync(join(out, "sync.lock"), { recursive: true });
    writeFileSync(join(out, "sync.lock", "owner.json"), JSON.stringify({ pid: process.pid, startedAt: "2026-12-08T00:00:00.000Z", token: "other" }));
    const error = await syncJournals({ config: configFor(mlflowUri(), "unused"), stateDir, http: fast, lockWaitMs: 200 }).then(() => undefined, (e: unknown) => e);
    expect(isNetsecError(error, "TRACKING_FAILED")).toBe(true);
    expect((error as Error).message).toBe(`another netsec sync (pid ${process.pid}, since 2026-12-08T00:00:00.000Z) is sending ${out} and did not finish within 0.2 s; nothing was sent by this one: run it again when that one is done (or remove ${out}/sync.lock if no sync is running)`);
  });
});
