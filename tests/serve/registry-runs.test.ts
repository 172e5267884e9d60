/**
 * Serving what a run logged (issue 23 item 6): DagsHub's hosted MLflow 2.7 has no model registry
 * (DagsHub/client#629), so a DagsHub user serves `runs:/<run_id>/model`. One real `netsec train`
 * with only the DagsHub variables set, through the DagsHub stand-in whose registry answers 404 (in
 * front of the real MLflow 2.7.1), then `netsec serve --model-uri runs:/<id>/model` (CLI under Deno)
 * through the stand-in and straight from MLflow 2.7.1: the pushed model.json, checked, deciding at
 * the threshold it was pushed with — the same labels as `--model-dir final_model`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, SHARED_DATA, requireEnv, tempDir } from "../helpers/env.ts";
import { loadModelFile, type LoadedModel } from "../../src/models/model-file.ts";
import { parseCsvText } from "../../src/serve/csv-body.ts";
import { MlflowClient, resolveTrackingConfig } from "../../src/tracking/index.ts";
import { exportModelUri } from "../../src/tracking/registry-model.ts";
import { netsecCli } from "../tracking/helpers.ts";
import { featureCsv } from "./helpers.ts";
import { modelInfo, type ServeProcess, startServe } from "./registry-helpers.ts";

const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const OWNER = "netsec-test";
const REPO = "phishing-noregistry";
const env = {
  DAGSHUB_CLIENT_HOST: requireEnv("NETSEC_TEST_DAGSHUB_HOST"),
  DAGSHUB_REPO_OWNER: OWNER,
  DAGSHUB_REPO_NAME: REPO,
  DAGSHUB_USER_TOKEN: requireEnv("NETSEC_TEST_DAGSHUB_TOKEN"),
  MLFLOW_EXPERIMENT_NAME: `serve-runs-${unique()}`,
  NETSEC_REGISTERED_MODEL: `netsec-runs-${unique()}`,
};

describe("netsec serve --model-uri runs:/<run_id>/model (DagsHub stand-in without a registry, MLflow 2.7.1)", () => {
  const cwd = tempDir("netsec-serve-runs-");
  const csv = featureCsv(600);
  let runId = "";
  let local: LoadedModel;
  let expected: { prediction: number[]; probability: number[] };
  const started: ServeProcess[] = [];

  beforeAll(async () => {
    const r = await netsecCli(["train", "--data", SHARED_DATA, "--experiment", join(ROOT, "experiments/fast.yaml"), "--artifacts", join(cwd, "Artifacts"), "--model-dir", join(cwd, "final_model"), "--json"], cwd, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/model registry of .*phishing-noregistry\.mlflow is not available \(404/);
    runId = /tracked in MLflow at \S+ \(run ([0-9a-f]+)/.exec(r.stderr)?.[1] ?? "";
    expect(runId, r.stderr).toMatch(/^[0-9a-f]{32}$/);
    local = await loadModelFile(join(cwd, "final_model"));
    const scores = local.predictFrame((await parseCsvText(csv)).frame);
    expected = { prediction: Array.from(scores.prediction), probability: Array.from(scores.probability) };
  }, 300_000);

  afterAll(async () => {
    for (const s of started) await s.kill("SIGKILL");
  });

  async function served(url: string): Promise<{ version: string | null; prediction: number[]; probability: number[] }> {
    const r = await fetch(`${url}/predict`, { method: "POST", headers: { "content-type": "text/csv" }, body: csv });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { predictions: { prediction: number; probability: number }[] };
    return { version: r.headers.get("x-model-version"), prediction: body.predictions.map((p) => p.prediction), probability: body.predictions.map((p) => p.probability) };
  }

  it("through the DagsHub stand-in: the pushed model.json, its threshold, the same labels as --model-dir", async () => {
    const s = await startServe(["--model-uri", `runs:/${runId}/model`, "--model-cache", join(cwd, "cache")], env);
    started.push(s);
    const info = await modelInfo(s.url);
    expect(info, s.logs.join("")).toMatchObject({ sha256: local.sha256, threshold: local.threshold, registry: { source: "registry", modelUri: `runs:/${runId}/model`, runId } });
    expect(info.registry.pollSeconds).toBeUndefined(); // a run's model never changes: not polled
    const got = await served(s.url);
    expect(got.version).toBe(String(local.version));
    expect(got.prediction).toEqual(expected.prediction);
    expect(got.probability.map((p) => Math.round(p * 1e6))).toEqual(expected.probability.map((p) => Math.round(p * 1e6)));
    const manifest = JSON.parse(readFileSync(join(cwd, "cache", "runs", runId, "model", "manifest.json"), "utf8"));
    const pushed = JSON.parse(readFileSync(join(cwd, "final_model", "manifest.json"), "utf8"));
    for (const key of ["version", "createdAt", "sha256", "threshold", "thresholdRule", "runDir", "onnx"]) expect(manifest[key], key).toEqual(pushed[key]);
  }, 120_000);

  it("models:/ on the same server: exit 1, the message says to serve runs:/<run_id>/model", async () => {
    const s = await startServe(["--model-uri", `models:/${env.NETSEC_REGISTERED_MODEL}@champion`], env);
    started.push(s);
    expect(await s.exited).toBe(1);
    expect(s.logs.join("")).toContain("has no model registry (404; DagsHub's hosted MLflow answers 404 here): serve the model a run logged instead, --model-uri runs:/<run_id>/model");
  }, 120_000);

  it("straight from MLflow 2.7.1 (MLFLOW_TRACKING_URI), and exported through the session API (exportModelUri)", async () => {
    const uri = requireEnv("NETSEC_TEST_MLFLOW27_URI");
    const s = await startServe(["--model-uri", `runs:/${runId}/model`], { MLFLOW_TRACKING_URI: uri });
    started.push(s);
    expect(await modelInfo(s.url)).toMatchObject({ sha256: local.sha256, threshold: local.threshold });
    expect((await served(s.url)).prediction).toEqual(expected.prediction);
    const config = resolveTrackingConfig((n) => (env as Record<string, string>)[n])!;
    const out = join(cwd, "exported");
    await exportModelUri(new MlflowClient(config.uri, config.auth), `runs:/${runId}/model`, out);
    const exported = await loadModelFile(out);
    expect({ sha256: exported.sha256, threshold: exported.threshold, version: exported.version }).toEqual({ sha256: local.sha256, threshold: local.threshold, version: local.version });
  }, 120_000);
});
