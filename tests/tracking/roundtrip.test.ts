/**
 * Round trip against the real MLflow server (services.sh): what our client logs is read back by
 * the official Python MlflowClient (tests/tracking/readback.py) and compared value by value.
 */
import { describe, expect, it } from "vitest";
import { writeFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/env.ts";
import { createLocalTracker, createMlflowTracker, MlflowClient, resolveTrackingConfig, syncJournals } from "../../src/tracking/index.ts";
import { loggedModelSource, mlflowUri, readBack, startProxy } from "./helpers.ts";

const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

function tracker(experiment: string, stateDir = tempDir()) {
  const config = resolveTrackingConfig((n) => ({ MLFLOW_TRACKING_URI: mlflowUri(), MLFLOW_EXPERIMENT_NAME: experiment })[n]);
  if (!config) throw new Error("no config");
  return { tracker: createMlflowTracker({ config, stateDir, sourceName: "tests/tracking" }), stateDir };
}

describe("MLflow round trip, read back by the official Python client", () => {
  it("logs a parent run, a nested child, params, metric steps, tags, artifacts, a model and a registered version with an alias", async () => {
    const experiment = `rt-${unique()}`;
    const modelName = `netsec-rt-${unique()}`;
    const { tracker: t, stateDir } = tracker(experiment);
    const parent = await t.startRun("train", { stage: "pipeline" });
    await parent.logParams({ seed: 42, "split.test_ratio": 0.2, family: "random_forest" });
    await parent.setTags({ "netsec.data": "phisingData.csv" });
    const child = await parent.startChild("candidate-1", { family: "random_forest" });
    await child.logParams({ n_estimators: 100, max_depth: null });
    for (let fold = 0; fold < 5; fold++) await child.logMetrics({ cv_f1: 0.9 + fold / 100 }, fold, 1_700_000_000_000 + fold);
    await child.logMetrics({ fit_seconds: 1.25 }, 0, 1_700_000_000_100);
    await child.endRun();
    await parent.logMetrics({ test_f1: 0.95, test_accuracy: 0.93 }, 0, 1_700_000_000_200);
    await parent.logArtifact("reports/leaderboard.csv", "family,f1\nrandom_forest,0.95\n");
    const bytes = new Uint8Array(256).map((_, i) => i);
    await parent.logArtifact("reports/raw.bin", bytes);
    const modelFile = join(tempDir(), "model.json");
    writeFileSync(modelFile, JSON.stringify({ format: "netsec-model", version: 1, family: "random_forest" }));
    await parent.logModel(modelFile, { flavor: { family: "random_forest", format_version: 1 } });
    await parent.registerModel(modelName, "champion");
    await parent.endRun("FINISHED");

    expect(t.warnings).toEqual([]);
    const summary = t.summary();
    expect(summary.outbox).toBeUndefined();
    const parentId = summary.runs[0].serverId!;
    const client = new MlflowClient(mlflowUri());
    const exp = await client.getExperimentByName(experiment);
    const runs = await client.searchRuns([exp!.experiment_id]);
    expect(runs).toHaveLength(2);
    const childId = runs.find((r) => r.info.run_id !== parentId)!.info.run_id;

    const back = await readBack(mlflowUri(), { runs: [parentId, childId], model: modelName, alias: "champion" });
    const p = back.runs[parentId];
    const c = back.runs[childId];
    expect(p.name).toBe("train");
    expect(p.status).toBe("FINISHED");
    expect(c.status).toBe("FINISHED");
    expect(p.params).toEqual({ seed: "42", "split.test_ratio": "0.2", family: "random_forest" });
    expect(c.params).toEqual({ n_estimators: "100", max_depth: "null" });
    expect(c.metrics.cv_f1).toEqual([0, 1, 2, 3, 4].map((s) => [s, 1_700_000_000_000 + s, 0.9 + s / 100]));
    expect(c.metrics.fit_seconds).toEqual([[0, 1_700_000_000_100, 1.25]]);
    expect(p.metrics).toEqual({ test_f1: [[0, 1_700_000_000_200, 0.95]], test_accuracy: [[0, 1_700_000_000_200, 0.93]] });
    expect(c.tags["mlflow.parentRunId"]).toBe(parentId);
    expect(c.tags["mlflow.runName"]).toBe("candidate-1");
    expect(c.tags.family).toBe("random_forest");
    expect(p.tags["mlflow.runName"]).toBe("train");
    expect(p.tags["mlflow.source.name"]).toBe("tests/tracking");
    expect(p.tags["mlflow.source.type"]).toBe("LOCAL");
    expect(p.tags["mlflow.user"]).toBeTruthy();
    expect(p.tags["mlflow.source.git.commit"]).toMatch(/^[0-9a-f]{40}$/);
    expect(p.tags.stage).toBe("pipeline");
    expect(p.tags["netsec.data"]).toBe("phisingData.csv");
    expect(p.tags["netsec.client_run_id"]).toBe(summary.runs[0].id);
    // MLflow 3 lists a folder that is also a logged model's (the model is one since issue 21) twice: once from the run, once from the logged model.
    expect([...new Set(p.artifacts.map((a) => a.path))].sort()).toEqual(["model/MLmodel", "model/model.json", "reports/leaderboard.csv", "reports/raw.bin"]);
    expect(p.artifacts.find((a) => a.path === "reports/raw.bin")!.size).toBe(256);
    const runInfo = (await new MlflowClient(mlflowUri()).getRun(parentId)).info;
    expect(await new MlflowClient(mlflowUri()).downloadArtifact(runInfo.artifact_uri, "reports/raw.bin")).toEqual(bytes);
    expect(back.model!.versions).toEqual([{ version: "1", run_id: parentId, source: await loggedModelSource(mlflowUri(), parentId), aliases: ["champion"], tags: {}, description: "" }]);
    expect(back.model!.alias_version).toBe("1");
    // The outbox journal of a fully sent run moves to sent/.
    expect(readdirSync(join(stateDir, "outbox")).filter((f) => f.endsWith(".jsonl"))).toEqual([]);
    expect(existsSync(join(stateDir, "outbox", "sent", `${summary.runs[0].id}.jsonl`))).toBe(true);
  });

  it("the MLmodel file describes the netsec_json flavor and the run", async () => {
    const { tracker: t } = tracker(`mlmodel-${unique()}`);
    const run = await t.startRun("m");
    const modelFile = join(tempDir(), "model.json");
    writeFileSync(modelFile, "{}");
    await run.logModel(modelFile, { flavor: { format_version: 1 } });
    await run.endRun();
    const serverId = t.summary().runs[0].serverId!;
    const info = (await t.client.getRun(serverId)).info;
    const root = MlflowClient.artifactRoot(info.artifact_uri);
    const text = await (await fetch(`${mlflowUri()}/api/2.0/mlflow-artifacts/artifacts/${root}/model/MLmodel`)).text();
    expect(text).toContain("netsec_json:");
    expect(text).toContain("data: model.json");
    expect(text).toContain(`run_id: ${serverId}`);
    expect(text).toContain("artifact_path: model");
    expect(text).toContain("sha256: 44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"); // sha256 of "{}"
  });

  it("splits > 1000 metrics and > 100 params over several log-batch requests", async () => {
    const proxy = await startProxy(mlflowUri());
    const config = resolveTrackingConfig((n) => ({ MLFLOW_TRACKING_URI: proxy.uri, MLFLOW_EXPERIMENT_NAME: `split-${unique()}` })[n])!;
    const t = createMlflowTracker({ config, stateDir: tempDir() });
    const run = await t.startRun("big");
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, i]));
    await run.logParams(params);
    const metrics = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`m${i}`, i / 7]));
    await run.logMetrics(metrics, 3, 1_700_000_000_000);
    await run.endRun();
    await proxy.close();
    // Held until the run ends, then one batch of 250 params + 1500 metrics, split to the limits
    // (≤ 100 params, ≤ 1000 items a request): 100 | 100 | 50 + 950 metrics | 550 metrics.
    expect(proxy.log.filter((l) => l.path.endsWith("/runs/log-batch"))).toHaveLength(4);
    const id = t.summary().runs[0].serverId!;
    const back = (await readBack(mlflowUri(), { runs: [id] })).runs[id];
    expect(Object.keys(back.params)).toHaveLength(250);
    expect(back.params.p249).toBe("249");
    expect(Object.keys(back.metrics)).toHaveLength(1500);
    expect(back.metrics.m1499).toEqual([[3, 1_700_000_000_000, 1499 / 7]]);
  });

  it("metric NaN is kept as NaN, ±Infinity and an over-long param are changed with warnings, bad keys refused", async () => {
    const { tracker: t } = tracker(`values-${unique()}`);
    const run = await t.startRun("values");
    await run.logMetrics({ nan_metric: Number.NaN, inf_metric: Number.POSITIVE_INFINITY, "bad#key": 1 }, 0, 1_700_000_000_000);
    const long = "é".repeat(7000); // 7000 characters (MLflow 3 keeps 6000), 14000 bytes of UTF-8
    await run.logParams({ long, short: "kept" });
    await run.endRun();
    const id = t.summary().runs[0].serverId!;
    const back = (await readBack(mlflowUri(), { runs: [id] })).runs[id];
    expect(back.metrics.nan_metric).toEqual([[0, 1_700_000_000_000, "NaN"]]);
    expect(back.metrics.inf_metric).toEqual([[0, 1_700_000_000_000, 1.7976931348623157e308]]);
    expect(back.metrics["bad#key"]).toBeUndefined();
    expect(back.params).toEqual({ long: "é".repeat(6000), short: "kept" });
    expect(back.tags["netsec.param_truncated.long"]).toBe("7000 characters, cut to the first 6000 (the most MLflow 3.17.2 keeps); the full value is the artifact params/long.txt");
    expect(back.artifacts).toEqual([{ path: "params/long.txt", size: 14000 }]);
    expect(t.warnings).toEqual([
      "metric nan_metric (step 0) is NaN: logged as NaN (MLflow stores and shows NaN)",
      "metric inf_metric (step 0) is Infinity: logged as 1.7976931348623157e+308 (MLflow cannot store infinities)",
      'metric "bad#key" not logged: the key may only contain letters, digits, _ - . space : /',
      "param long: 7000 characters, more than the 6000 MLflow 3.17.2 keeps: logged cut, full value in artifact params/long.txt (tag netsec.param_truncated.long)",
    ]);
  });

  it("an experiment that exists but is deleted is restored and reused, with a warning", async () => {
    const experiment = `deleted-${unique()}`;
    const client = new MlflowClient(mlflowUri());
    const id = await client.createExperiment(experiment);
    await client.deleteExperiment(id);
    expect((await client.getExperimentByName(experiment))!.lifecycle_stage).toBe("deleted");
    const { tracker: t } = tracker(experiment);
    const run = await t.startRun("after-delete");
    await run.endRun();
    const exp = await client.getExperimentByName(experiment);
    expect(exp).toMatchObject({ experiment_id: id, lifecycle_stage: "active" });
    expect((await client.searchRuns([id])).map((r) => r.info.run_name)).toEqual(["after-delete"]);
    expect(t.warnings[0]).toContain(`MLflow experiment "${experiment}" (id ${id}) was deleted; it has been restored`);
  });
});

describe("client calls the pipeline does not use every day", () => {
  it("experiment tags, model versions by alias and search, runs recorded locally then uploaded with sync --local", async () => {
    const client = new MlflowClient(mlflowUri());
    const experiment = `misc-${unique()}`;
    const id = await client.ensureExperiment(experiment, []);
    await client.setExperimentTag(id, "team", "netsec");
    expect((await client.getExperimentByName(experiment))!.tags).toContainEqual({ key: "team", value: "netsec" });

    const stateDir = tempDir();
    const local = createLocalTracker({ stateDir, experiment });
    const run = await local.startRun("offline-run", { where: "laptop" });
    await run.logParams({ a: 1 });
    await run.logMetrics({ m: 0.5 }, 0, 1_700_000_000_000);
    const modelFile = join(tempDir(), "model.json");
    writeFileSync(modelFile, "{}");
    await run.logModel(modelFile);
    const name = `netsec-local-${unique()}`;
    await run.registerModel(name, "champion");
    await run.endRun();
    const config = resolveTrackingConfig((n) => ({ MLFLOW_TRACKING_URI: mlflowUri() })[n])!;
    const first = await syncJournals({ config, stateDir, includeLocal: true });
    expect(first).toMatchObject({ journals: 1, completed: 1, runsCreated: 1, opsLeft: 0, failures: [] });
    const again = await syncJournals({ config, stateDir, includeLocal: true });
    expect(again).toMatchObject({ journals: 1, opsSent: 0, runsCreated: 0 });

    const runs = await client.searchRuns([id]);
    expect(runs.map((r) => r.info.run_name)).toEqual(["offline-run"]);
    const version = await client.getModelVersionByAlias(name, "champion");
    expect(version).toMatchObject({ name, version: "1", run_id: runs[0].info.run_id });
    expect(await client.searchModelVersions(`name='${name}'`)).toHaveLength(1);
    expect(await client.getModelVersionByAlias(name, "no-such-alias")).toBeUndefined();
  });
});
