/**
 * On MLflow 3 the model `netsec train` logs is also a logged model (the "Logged models" of the run
 * page): created with the run as its source, READY, the run's output, and loadable by its own URI
 * (`mlflow.pyfunc.load_model("models:/<model id>")`). On MLflow 2.7.1 (no such entity) the run
 * and the version are as before, with no warning.
 */
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DENO, PYTHON, ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";
import { mlflowUri } from "./helpers.ts";
import { startServe } from "../serve/registry-helpers.ts";
import { Applier } from "../../src/tracking/apply.ts";
import { Journal, type Op } from "../../src/tracking/journal.ts";
import { MlflowClient } from "../../src/tracking/index.ts";

const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

function run(cmd: string, args: string[], env: Record<string, string> = {}, cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

async function api<T>(uri: string, path: string, init?: RequestInit): Promise<T> {
  const r = await fetch(`${uri}/api/2.0/mlflow/${path}`, init);
  expect(r.status, await r.clone().text()).toBe(200);
  return (await r.json()) as T;
}

/** Train (fast experiment) tracked to `uri`; the parent run as the server has it, and the registered version. */
async function trainTracked(uri: string) {
  const cwd = tempDir("netsec-logged-model-");
  copyFileSync(SHARED_DATA, join(cwd, "phisingData.csv"));
  const experiment = `logged-model-${unique()}`;
  const name = `netsec-logged-${unique()}`;
  const r = await run(DENO, ["run", "-A", join(ROOT, "src/cli.ts"), "train", "--data", "phisingData.csv", "--experiment", join(ROOT, "experiments/fast.yaml"), "--json"], { MLFLOW_TRACKING_URI: uri, MLFLOW_EXPERIMENT_NAME: experiment, NETSEC_REGISTERED_MODEL: name }, cwd);
  expect(r.code, r.stderr).toBe(0);
  const { experiment: exp } = await api<{ experiment: { experiment_id: string } }>(uri, `experiments/get-by-name?experiment_name=${encodeURIComponent(experiment)}`);
  const { runs } = await api<{ runs: { info: { run_id: string }; data: { tags?: { key: string }[] }; outputs?: { model_outputs?: { model_id: string }[] } }[] }>(uri, "runs/search", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ experiment_ids: [exp.experiment_id], max_results: 100 }),
  });
  const parent = runs.find((x) => !(x.data.tags ?? []).some((t) => t.key === "mlflow.parentRunId"))!;
  const { model_version: version } = await api<{ model_version: { version: string; run_id: string; source: string; model_id?: string } }>(uri, `model-versions/get?name=${encodeURIComponent(name)}&version=1`);
  return { parent, version, name, cwd, stderr: r.stderr };
}

/** `netsec serve --model-uri models:/<name>@champion` and `--model-dir <cwd>/final_model` answer the same rows alike. */
async function servesAsFinalModel(uri: string, name: string, cwd: string): Promise<void> {
  const csv = readFileSync(SHARED_DATA, "utf8").split("\n").slice(0, 31).join("\n") + "\n";
  const answers: unknown[] = [];
  for (const args of [["--model-uri", `models:/${name}@champion`, "--model-cache", join(cwd, "model-cache")], ["--model-dir", join(cwd, "final_model")]]) {
    const s = await startServe(args, { MLFLOW_TRACKING_URI: uri });
    try {
      const r = await fetch(`${s.url}/predict`, { method: "POST", headers: { "content-type": "text/csv" }, body: csv });
      expect(r.status, s.logs.join("")).toBe(200);
      answers.push(((await r.json()) as { predictions: unknown[] }).predictions);
    } finally {
      await s.kill();
    }
  }
  expect(answers[0]).toHaveLength(30);
  expect(answers[0]).toEqual(answers[1]);
}

describe.skipIf(!existsSync(SHARED_DATA))("the logged model on MLflow 3 and 2.7.1", () => {
  const mlflow3 = [
    { server: "MLflow 3.17.2 (SQLite)", uri: () => mlflowUri() },
    { server: "MLflow 3.17.2 (PostgreSQL)", uri: () => process.env.NETSEC_TEST_MLFLOW_PG_URI ?? "" },
  ];
  it.each(mlflow3)("$server: a READY logged model from the run, the run's output and the source of the registered version (models:/<model id>), loadable by models:/<model id>; serve --model-uri answers as final_model/", async ({ uri: uriOf }) => {
    const uri = uriOf();
    expect(uri, "the shared MLflow 3 servers (scripts/services.sh)").toBeTruthy();
    const { parent, version, name, cwd, stderr } = await trainTracked(uri);
    expect(stderr).not.toContain("not as an MLflow 3 logged model");
    const outputs = parent.outputs?.model_outputs ?? [];
    expect(outputs).toHaveLength(1);
    const modelId = outputs[0].model_id;
    const { model } = await api<{ model: { info: { model_id: string; source_run_id: string; status: string; name: string; artifact_uri: string; tags?: { key: string; value: string }[] } } }>(uri, `logged-models/${modelId}`);
    expect(model.info).toMatchObject({ model_id: modelId, source_run_id: parent.info.run_id, status: "LOGGED_MODEL_READY", name: "model" });
    // The registered version is made from the logged model, as mlflow.register_model("models:/<id>")
    // makes it: source models:/<model id> (the UI's "Source Model"; MLflow 3.17.2's SQL registry
    // does not store the model_id field itself, so the answer has none), the logged model tagged
    // with the version, and the version's download URI the logged model's files.
    expect(version).toMatchObject({ run_id: parent.info.run_id, source: `models:/${modelId}` });
    expect(version.model_id ?? modelId).toBe(modelId);
    expect(JSON.parse(model.info.tags?.find((t) => t.key === "mlflow.modelVersions")?.value ?? "null")).toEqual([{ name, version: 1 }]);
    const { artifact_uri: downloadUri } = await api<{ artifact_uri: string }>(uri, `model-versions/get-download-uri?name=${encodeURIComponent(name)}&version=1`);
    expect(downloadUri).toBe(model.info.artifact_uri);
    await servesAsFinalModel(uri, name, cwd);
    const py = await run(PYTHON, ["-c", [
      "import sys, mlflow, pandas as pd",
      `mlflow.set_tracking_uri(${JSON.stringify(uri)})`,
      `m = mlflow.pyfunc.load_model("models:/${modelId}")`,
      `df = pd.read_csv(${JSON.stringify(SHARED_DATA)}).head(20)`,
      "out = m.predict(df)",
      "print(len(out), list(out.columns))",
      `v = mlflow.pyfunc.load_model("models:/${name}@champion")`,
      "print(bool((v.predict(df) == out).all().all()))",
    ].join("\n")]);
    expect(py.code, py.stderr).toBe(0);
    expect(py.stdout.trim()).toBe("20 ['label', 'probability_phishing', 'probability_legitimate']\nTrue");
  }, 300_000);

  it("MLflow 3.17.2: a replay whose model op was not acked reuses the run's logged model; the version is made from it once", async () => {
    const uri = mlflowUri();
    const journal = await Journal.create(tempDir("netsec-logged-replay-"), "replay");
    const run = `replay-${unique()}`;
    const name = `netsec-replay-${unique()}`;
    const file = await journal.storeFile("m", new TextEncoder().encode('{"a model.json": "its bytes are not read here"}'));
    const ops: Op[] = [
      { op: "createRun", id: "c", run, at: Date.now(), experiment: `logged-replay-${unique()}`, name: "replay", startTime: Date.now(), tags: [] },
      { op: "model", id: "m", run, at: Date.now(), artifactPath: "model", file, flavor: {} },
      { op: "register", id: "r", run, at: Date.now(), name, artifactPath: "model", alias: "champion" },
    ];
    const warnings: string[] = [];
    const first = new Applier(new MlflowClient(uri), journal, (w) => warnings.push(w));
    const created = await first.apply(ops[0], false);
    await first.apply(ops[1], false);
    // the model op's ack is lost: a second applier replays from the createRun ack
    const second = new Applier(new MlflowClient(uri), journal, (w) => warnings.push(w));
    second.remember(ops, new Map([["c", created]]));
    const again = await second.apply(ops[1], true);
    await second.apply(ops[2], true);
    await second.apply(ops[2], true);
    expect(warnings).toEqual([]);
    const { run: back } = await api<{ run: { outputs?: { model_outputs?: { model_id: string }[] } } }>(uri, `runs/get?run_id=${created.serverRunId}`);
    expect((back.outputs?.model_outputs ?? []).map((o) => o.model_id)).toEqual([again.loggedModelId]);
    const { model_versions: versions } = await api<{ model_versions: { version: string; source: string }[] }>(uri, `model-versions/search?filter=${encodeURIComponent(`name='${name}'`)}`);
    expect(versions.map((v) => [v.version, v.source])).toEqual([["1", `models:/${again.loggedModelId}`]]);
  }, 120_000);

  it("MLflow 2.7.1: the run and version as before, no logged model and no warning", async () => {
    const uri = process.env.NETSEC_TEST_MLFLOW27_URI ?? "";
    expect(uri, "NETSEC_TEST_MLFLOW27_URI (scripts/services.sh starts MLflow 2.7.1)").toBeTruthy();
    const { parent, version, name, cwd, stderr } = await trainTracked(uri);
    expect(stderr).not.toContain("logged model");
    expect(parent.outputs?.model_outputs ?? []).toEqual([]);
    expect(version.run_id).toBe(parent.info.run_id);
    expect(version.model_id).toBeUndefined();
    expect(version.source).toMatch(/\/artifacts\/model$/);
    await servesAsFinalModel(uri, name, cwd);
  }, 300_000);
});
