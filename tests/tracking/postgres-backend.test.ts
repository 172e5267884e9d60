/**
 * The team deployment of tracking (issue 23): an MLflow 3 server whose backend store is PostgreSQL
 * (Debian's, a cluster of its own on loopback) and whose artifacts are proxied by the server
 * (`--artifacts-destination` + `--serve-artifacts`): scripts/services.sh's "mlflow-pg". The client
 * code is unchanged: `netsec train` logs the run (params, metrics, the model through the proxy) and
 * registers the champion, `netsec sync` sends an outbox run, `netsec serve --model-uri
 * models:/<name>@champion` answers /predict. Checked through MLflow's REST API (Python client and
 * netsec's) and in PostgreSQL itself (psql on the runs and registry tables).
 */
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT, SHARED_DATA, requireEnv, tempDir } from "../helpers/env.ts";
import { MlflowClient } from "../../src/tracking/index.ts";
import { freePort, loggedModelSource, netsecCli, readBack } from "./helpers.ts";
import { modelInfo, startServe } from "../serve/registry-helpers.ts";

const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const pgMlflow = () => requireEnv("NETSEC_TEST_MLFLOW_PG_URI");
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** One SQL query in the MLflow database through Debian's psql (unaligned, tuples only). */
function psql(sql: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(requireEnv("NETSEC_TEST_PG_PSQL"), [requireEnv("NETSEC_TEST_PG_URI"), "-v", "ON_ERROR_STOP=1", "-tAc", sql], (error, stdout, stderr) =>
      error ? reject(new Error(`psql failed: ${stderr}`)) : resolve(stdout.trim()));
  });
}

/** The run `netsec train` logged in `experiment` (the parent: no mlflow.parentRunId tag). */
async function parentRun(experiment: string) {
  const client = new MlflowClient(pgMlflow());
  const exp = await client.getExperimentByName(experiment);
  expect(exp, `experiment ${experiment} in ${pgMlflow()}`).toBeTruthy();
  const runs = await client.searchRuns([exp!.experiment_id]);
  const parents = runs.filter((r) => !(r.data.tags ?? []).some((t) => t.key === "mlflow.parentRunId"));
  expect(parents).toHaveLength(1);
  return { experimentId: exp!.experiment_id, runId: parents[0].info.run_id, runs: runs.length };
}

/** Params, metrics, the model artifact through the proxy, and the rows in PostgreSQL. */
async function checkStored(experiment: string, cwd: string) {
  const { experimentId, runId, runs } = await parentRun(experiment);
  const back = (await readBack(pgMlflow(), { runs: [runId] })).runs[runId];
  expect(back.status).toBe("FINISHED");
  expect(back.params).toMatchObject({ data: SHARED_DATA, seed: "42", "search.folds": "3" });
  expect(back.metrics["test.f1"]).toHaveLength(1);
  expect(back.artifacts.map((a) => a.path)).toEqual(expect.arrayContaining(["model/MLmodel", "model/model.json", "summary.json"]));
  // The artifact goes through the server's proxy (mlflow-artifacts:) and lands in its destination folder.
  const local = readFileSync(join(cwd, "final_model", "model.json"));
  const proxied = await fetch(`${pgMlflow()}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/model/model.json`);
  expect(proxied.status).toBe(200);
  expect(sha256(new Uint8Array(await proxied.arrayBuffer()))).toBe(sha256(local));
  const onDisk = join(requireEnv("NETSEC_SERVICES_DIR"), "mlflow-pg", "artifacts", experimentId, runId, "artifacts", "model", "model.json");
  expect(sha256(readFileSync(onDisk))).toBe(sha256(local));
  // The backend store really is PostgreSQL: the run, its metric and its child runs are rows there.
  expect(await psql("SELECT split_part(version(), ' ', 1)")).toBe("PostgreSQL");
  expect(await psql(`SELECT status || '|' || experiment_id FROM runs WHERE run_uuid = '${runId}'`)).toBe(`FINISHED|${experimentId}`);
  expect(Number(await psql(`SELECT value FROM latest_metrics WHERE run_uuid = '${runId}' AND key = 'test.f1'`))).toBeCloseTo(back.metrics["test.f1"][0][2] as number, 12);
  expect(Number(await psql(`SELECT count(*) FROM runs WHERE experiment_id = ${experimentId}`))).toBe(runs);
  return { experimentId, runId };
}

describe("team deployment: MLflow 3 with a PostgreSQL backend store and proxied artifacts", () => {
  const fast = join(ROOT, "experiments", "fast.yaml");

  it("netsec train logs and registers the champion; netsec serve --model-uri answers /predict from it", async () => {
    const cwd = tempDir("netsec-pg-");
    const experiment = `pg-train-${unique()}`;
    const modelName = `netsec-pg-${unique()}`;
    const env = { MLFLOW_TRACKING_URI: pgMlflow(), MLFLOW_EXPERIMENT_NAME: experiment, NETSEC_REGISTERED_MODEL: modelName };
    const r = await netsecCli(["train", "--data", SHARED_DATA, "--experiment", fast, "--artifacts", join(cwd, "Artifacts"), "--model-dir", join(cwd, "final_model"), "--json"], cwd, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`tracked in MLflow at ${pgMlflow()}`);
    const { experimentId, runId } = await checkStored(experiment, cwd);

    // Registered, alias champion → version 1, its source the logged model (models:/<id>); the same rows in PostgreSQL.
    const model = (await readBack(pgMlflow(), { runs: [], model: modelName, alias: "champion" })).model!;
    expect(model.versions).toEqual([expect.objectContaining({
      version: "1", run_id: runId, aliases: ["champion"], source: await loggedModelSource(pgMlflow(), runId),
    })]);
    expect(model.versions[0].tags["netsec.sha256"]).toBe(sha256(readFileSync(join(cwd, "final_model", "model.json"))));
    expect(await psql(`SELECT version || '|' || run_id FROM model_versions WHERE name = '${modelName}'`)).toBe(`1|${runId}`);
    expect(await psql(`SELECT alias || '|' || version FROM registered_model_aliases WHERE name = '${modelName}'`)).toBe("champion|1");

    // netsec serve follows the registry of that server (model downloaded through the proxy) and
    // answers as the same model served from final_model/ does.
    const [header, ...lines] = readFileSync(SHARED_DATA, "utf8").split("\n").slice(0, 6);
    const names = header.split(",").map((h) => h.replace(/"/g, ""));
    const keep = names.map((n, i) => (n === "Result" ? -1 : i)).filter((i) => i >= 0);
    const rows = lines.map((l) => { const cells = l.split(",").map(Number); return keep.map((i) => cells[i]); });
    const predict = async (url: string) => {
      const response = await fetch(`${url}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ columns: keep.map((i) => names[i]), rows }) });
      const body = (await response.json()) as { predictions: { probability: number; label: number }[] };
      expect(response.status, JSON.stringify(body)).toBe(200);
      return body.predictions;
    };
    const fromRegistry = await startServe(["--model-uri", `models:/${modelName}@champion`], { MLFLOW_TRACKING_URI: pgMlflow() });
    let served: { probability: number; label: number }[];
    try {
      const info = await modelInfo(fromRegistry.url);
      expect(info, fromRegistry.logs.join("")).toMatchObject({ name: modelName, alias: "champion", version: "1", sha256: model.versions[0].tags["netsec.sha256"], registry: { trackingUri: pgMlflow() } });
      served = await predict(fromRegistry.url);
    } finally {
      await fromRegistry.kill();
    }
    expect(served).toHaveLength(5);
    const fromFolder = await startServe(["--model-dir", join(cwd, "final_model")], { MLFLOW_TRACKING_URI: "" });
    try {
      expect(served).toEqual(await predict(fromFolder.url));
    } finally {
      await fromFolder.kill();
    }
  }, 600_000);

  it("a run trained with the server unreachable waits in the outbox; netsec sync stores it in PostgreSQL", async () => {
    const cwd = tempDir("netsec-pg-sync-");
    const experiment = `pg-sync-${unique()}`;
    const modelName = `netsec-pg-sync-${unique()}`;
    const down = `http://127.0.0.1:${await freePort()}`;
    const r = await netsecCli(["train", "--data", SHARED_DATA, "--experiment", fast, "--artifacts", join(cwd, "Artifacts"), "--model-dir", join(cwd, "final_model"), "--json"], cwd, {
      MLFLOW_TRACKING_URI: down, MLFLOW_EXPERIMENT_NAME: experiment, NETSEC_TRACKING_TIMEOUT_MS: "3000", NETSEC_REGISTERED_MODEL: modelName,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("cannot reach the server");
    expect(readdirSync(join(cwd, ".netsec", "outbox")).filter((f) => f.endsWith(".jsonl"))).toHaveLength(1);
    expect(await psql(`SELECT count(*) FROM experiments WHERE name = '${experiment}'`)).toBe("0");

    const s = await netsecCli(["sync", "--json"], cwd, { MLFLOW_TRACKING_URI: pgMlflow(), MLFLOW_EXPERIMENT_NAME: experiment });
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout.trim().split("\n").at(-1)!)).toMatchObject({ journals: 1, completed: 1, opsLeft: 0 });
    const { runId } = await checkStored(experiment, cwd);
    expect(await psql(`SELECT alias || '|' || version FROM registered_model_aliases WHERE name = '${modelName}'`)).toBe("champion|1");
    expect(await psql(`SELECT run_id FROM model_versions WHERE name = '${modelName}'`)).toBe(runId);
  }, 600_000);
});
