// A notebook session's run on the real MLflow server is the same as a `netsec train` run: the same
// params, the same model metrics, the dataset with its digest, one child run per candidate, the report
// and the model, and the registered version with the champion alias when it pushes.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { session } from "../../src/session/session.ts";
import { parseExperiment } from "../../src/experiment.ts";
import { MlflowClient } from "../../src/tracking/index.ts";
import { tempDir } from "../helpers/env.ts";
import { mlflowUri, readBack } from "../tracking/helpers.ts";
import { writeFixtureData } from "../report/fixture-run.ts";

const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const saved = { ...process.env };
afterEach(() => {
  for (const k of ["MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "NETSEC_REGISTERED_MODEL"]) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

const EXPERIMENT = parseExperiment(`name: session-tracking
seed: 7
search:
  folds: 3
  workers: 0
  candidates:
    - family: hist_gbt
      grid: { n_estimators: [10, 20], learning_rate: [0.3] }
gates: { min_score: 0.5, max_overfit: 0.5 }
`, "session-tracking.yaml");

describe("a notebook session tracked in MLflow", () => {
  it("logs what netsec train logs: params, metrics, dataset, one child per candidate, report, model and the registered version", async () => {
    const dir = tempDir("netsec-session-mlflow-");
    const experiment = `session-${unique()}`;
    const modelName = `netsec-session-${unique()}`;
    Object.assign(process.env, { MLFLOW_TRACKING_URI: mlflowUri(), MLFLOW_EXPERIMENT_NAME: experiment, NETSEC_REGISTERED_MODEL: modelName });
    const lab = await session({ experiment: EXPERIMENT, data: await writeFixtureData(dir), artifacts: join(dir, "Artifacts"), modelDir: join(dir, "final_model"), stateDir: join(dir, ".netsec"), quiet: true });
    await lab.search();
    const pushed = await lab.push();
    expect(pushed.push.pushed).toBe(true);

    const client = new MlflowClient(mlflowUri());
    const exp = await client.getExperimentByName(experiment);
    const runs = await client.searchRuns([exp!.experiment_id]);
    const parents = runs.filter((r) => !(r.data.tags ?? []).some((t) => t.key === "mlflow.parentRunId"));
    expect(parents).toHaveLength(1);
    const parentId = parents[0].info.run_id;
    expect(runs).toHaveLength(1 + 2); // one child per grid point
    const parent = (await readBack(mlflowUri(), { runs: [parentId] })).runs[parentId];
    expect(parent.status).toBe("FINISHED");
    expect(parent.tags["mlflow.source.name"]).toBe("netsec notebook session");
    expect(parent.tags["netsec.command"]).toBe("notebook");
    // the experiment's params, the winner's, the data — as netsec train logs them
    expect(Object.keys(parent.params).sort()).toEqual(expect.arrayContaining(["best.family", "best.learning_rate", "best.n_estimators", "data", "experiment", "gates.max_overfit", "gates.min_score", "search.candidates", "search.folds", "search.scoring", "seed", "split.test_ratio", "transform.knn_neighbors", "validation.drift_p_value"]));
    expect(parent.params.experiment).toBe("session-tracking");
    expect(parent.metrics["test.f1"]).toHaveLength(1);
    expect(parent.metrics["best.cv_f1_mean"]).toHaveLength(1);
    expect(Object.keys(parent.metrics).filter((k) => k.startsWith("stage."))).toEqual([]); // timings live under system/
    expect(Object.keys(parent.metrics).some((k) => k.startsWith("system/stage."))).toBe(true);
    expect(parent.tags["netsec.data_digest"]).toMatch(/^[0-9a-f]{16}$/);
    expect(parent.datasets).toEqual([expect.objectContaining({ name: "fixture", digest: parent.tags["netsec.data_digest"] })]);
    const paths = parent.artifacts.map((a) => a.path);
    for (const p of ["report.html", "summary.json", "model/MLmodel", "model/model.json", "model_trainer/leaderboard.csv", "data_validation/contract.json"]) expect(paths).toContain(p);
    expect(parent.tags["netsec.pushed"]).toBe("true");
    const model = (await readBack(mlflowUri(), { runs: [], model: modelName, alias: "champion" })).model!;
    const sha256 = createHash("sha256").update(readFileSync(join(dir, "final_model", "model.json"))).digest("hex");
    expect(model.versions).toEqual([expect.objectContaining({ version: "1", run_id: parentId, aliases: ["champion"], tags: expect.objectContaining({ "netsec.sha256": sha256, "netsec.model_version": "1" }) })]);
  }, 120_000);
});
