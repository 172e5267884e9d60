/**
 * `netsec train` (CLI under Deno, real dataset) tracked in the real MLflow server: one parent run
 * with params and stage artifacts, one child run per candidate of the search; and with the server
 * down the pipeline still finishes, keeps the run in the outbox, and `netsec sync` sends it.
 */
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DENO, ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";
import { MlflowClient } from "../../src/tracking/index.ts";
import { freePort, loggedModelSource, mlflowUri, readBack } from "./helpers.ts";

const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

function netsec(args: string[], cwd: string, env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(DENO, ["run", "-A", join(ROOT, "src/cli.ts"), ...args], { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

/** Candidates the search reported (rows of leaderboard.csv), 0 while the pipeline has no train stage. */
function candidateCount(runDir: string): number {
  const file = join(runDir, "model_trainer", "leaderboard.csv");
  return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").length - 1 : 0;
}

async function checkTracked(experiment: string, runDir: string, modelName: string, modelDir: string) {
  const client = new MlflowClient(mlflowUri());
  const exp = await client.getExperimentByName(experiment);
  const runs = await client.searchRuns([exp!.experiment_id]);
  const parents = runs.filter((r) => !(r.data.tags ?? []).some((t) => t.key === "mlflow.parentRunId"));
  expect(parents).toHaveLength(1);
  const parentId = parents[0].info.run_id;
  const children = runs.filter((r) => (r.data.tags ?? []).some((t) => t.key === "mlflow.parentRunId" && t.value === parentId));
  expect(children).toHaveLength(candidateCount(runDir));
  expect(runs).toHaveLength(1 + children.length);
  const back = await readBack(mlflowUri(), { runs: [parentId] });
  const parent = back.runs[parentId];
  expect(parent.status).toBe("FINISHED");
  expect(parent.params).toMatchObject({ data: SHARED_DATA, seed: "42", "search.folds": expect.any(String) });
  expect(parent.tags["mlflow.source.name"]).toBe("netsec train");
  const paths = parent.artifacts.map((a) => a.path);
  expect(paths).toContain("data_validation/drift_report/report.json");
  expect(paths).toContain("report.html");
  expect(paths).toContain("summary.json");
  if (candidateCount(runDir) > 0) {
    expect(paths).toContain("model_trainer/leaderboard.csv");
    expect(paths).toContain("model_evaluation/confusion.json");
    expect(paths).toContain("model/MLmodel");
    expect(paths).toContain("model/model.json");
    expect(parent.metrics["test.f1"]).toHaveLength(1);
    // the test rows' calibration (docs/monitoring.md)
    expect(parent.metrics["test.brier"]).toHaveLength(1);
    expect(parent.metrics["test.ece"]).toHaveLength(1);
    expect(parent.params["best.family"]).toBeTruthy();
    const child = (await readBack(mlflowUri(), { runs: [children[0].info.run_id] })).runs[children[0].info.run_id];
    expect(child.metrics[`cv_${parent.params["search.scoring"]}`].map((p) => p[0])).toEqual(Array.from({ length: Number(parent.params["search.folds"]) }, (_, i) => i));
    expect(child.metrics.fit_seconds).toHaveLength(1);
    // A fresh --model-dir has no current model: the run pushes, the version gets the alias.
    expect(parent.tags["netsec.pushed"]).toBe("true");
    {
      const back = await readBack(mlflowUri(), { runs: [], model: modelName, alias: "champion" });
      const sha256 = createHash("sha256").update(readFileSync(join(modelDir, "model.json"))).digest("hex");
      expect(back.model!.versions).toEqual([{
        version: "1", run_id: parentId, source: await loggedModelSource(mlflowUri(), parentId), aliases: ["champion"],
        tags: { "netsec.sha256": sha256, "netsec.model_version": "1", "netsec.data_digest": parent.tags["netsec.data_digest"] },
        description: expect.stringMatching(/^netsec model\.json \(final_model version 1\), sha256 [0-9a-f]{12}…; test metrics: accuracy [\d.]+, .*f1 [\d.]+/),
      }]);
      expect(parent.tags["netsec.data_digest"]).toMatch(/^[0-9a-f]{16}$/);
      expect(parent.datasets).toEqual([expect.objectContaining({ name: "phisingData", digest: parent.tags["netsec.data_digest"], source_type: "local", source: JSON.stringify({ uri: SHARED_DATA }), tags: { "mlflow.data.context": "training" } })]);
    }
  }
  return { parentId, children };
}

describe("netsec train with tracking", () => {
  it("logs one parent run, one child per candidate and the reports to the MLflow server", async () => {
    const cwd = tempDir();
    const experiment = `train-${unique()}`;
    const modelName = `netsec-e2e-${unique()}`;
    const r = await netsec(["train", "--data", SHARED_DATA, "--artifacts", join(cwd, "Artifacts"), "--model-dir", join(cwd, "final_model"), "--json"], cwd, {
      MLFLOW_TRACKING_URI: mlflowUri(),
      MLFLOW_EXPERIMENT_NAME: experiment,
      NETSEC_REGISTERED_MODEL: modelName,
    });
    expect(r.stderr).not.toContain("error");
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { runDir: string };
    expect(r.stderr).toContain(`tracked in MLflow at ${mlflowUri()}`);
    const { parentId } = await checkTracked(experiment, summary.runDir, modelName, join(cwd, "final_model"));
    // a link that opens the run in MLflow 3's model-training view (its UI reads workflowType, checked in chromium)
    expect(r.stderr).toMatch(new RegExp(`${mlflowUri()}/#/experiments/\\d+/runs/${parentId}\\?workflowType=machine_learning`));
  }, 600_000);

  it("server down at start: the pipeline finishes, the run waits in the outbox, `netsec sync` sends it", async () => {
    const cwd = tempDir();
    const experiment = `train-down-${unique()}`;
    const modelName = `netsec-e2e-${unique()}`;
    const down = `http://127.0.0.1:${await freePort()}`;
    const r = await netsec(["train", "--data", SHARED_DATA, "--artifacts", join(cwd, "Artifacts"), "--model-dir", join(cwd, "final_model"), "--json"], cwd, {
      MLFLOW_TRACKING_URI: down,
      MLFLOW_EXPERIMENT_NAME: experiment,
      NETSEC_TRACKING_TIMEOUT_MS: "3000",
      NETSEC_REGISTERED_MODEL: modelName,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("cannot reach the server");
    expect(r.stderr).toContain("netsec sync");
    const summary = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { runDir: string };
    expect(readdirSync(join(cwd, ".netsec", "outbox")).filter((f) => f.endsWith(".jsonl"))).toHaveLength(1);

    const s = await netsec(["sync", "--json"], cwd, { MLFLOW_TRACKING_URI: mlflowUri(), MLFLOW_EXPERIMENT_NAME: experiment });
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout.trim().split("\n").at(-1)!)).toMatchObject({ journals: 1, completed: 1, opsLeft: 0 });
    await checkTracked(experiment, summary.runDir, modelName, join(cwd, "final_model"));
  }, 600_000);
});
