/**
 * DagsHub as its users reach it: only the DagsHub variables set, the host pointing at the
 * DagsHub-like front door of scripts/services.sh (scripts/dagshub-proxy.mjs: /api/v1/user with the
 * bearer token, `/<owner>/<repo>.mlflow/` only with basic auth user name + token) in front of the
 * REAL MLflow 2.7.1 (the version DagsHub serves) and the real MLflow 3.x. `netsec train` (CLI
 * under Deno) is read back with each version's own Python client.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, SHARED_DATA, requireEnv, tempDir } from "../helpers/env.ts";
import { createMlflowTracker, resolveTrackingConfig } from "../../src/tracking/index.ts";
import { filesContaining, netsecCli, PYTHON27, readBack } from "./helpers.ts";
import { PYTHON } from "../helpers/env.ts";
// @ts-expect-error: a plain .mjs script without type declarations
import { startDagshubProxy } from "../../scripts/dagshub-proxy.mjs";

const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const FAST = join(ROOT, "experiments", "fast.yaml");
const host = () => requireEnv("NETSEC_TEST_DAGSHUB_HOST");
const user = () => requireEnv("NETSEC_TEST_DAGSHUB_USER");
const token = () => requireEnv("NETSEC_TEST_DAGSHUB_TOKEN");
const OWNER = "netsec-test";

/** Only what a DagsHub user sets (no MLFLOW_TRACKING_*), plus test isolation (experiment, model name). */
function dagshubEnv(repo: string, extra: Record<string, string> = {}): Record<string, string | undefined> {
  return {
    MLFLOW_TRACKING_URI: undefined, MLFLOW_TRACKING_USERNAME: undefined, MLFLOW_TRACKING_PASSWORD: undefined, MLFLOW_TRACKING_TOKEN: undefined,
    DAGSHUB_CLIENT_HOST: host(), DAGSHUB_REPO_OWNER: OWNER, DAGSHUB_REPO_NAME: repo, DAGSHUB_USER_TOKEN: token(),
    MLFLOW_EXPERIMENT_NAME: `dagshub-${unique()}`, NETSEC_REGISTERED_MODEL: `netsec-dagshub-${unique()}`,
    ...extra,
  };
}

/** What an MLflow user of that repository would set for the Python client (basic auth user + token). */
const pythonAuth = () => ({ MLFLOW_TRACKING_USERNAME: user(), MLFLOW_TRACKING_PASSWORD: token() });

const proxies: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
});

describe.each([
  { server: "MLflow 2.7.1", repo: "phishing-27", python: () => PYTHON27, version: /^2\.7\.1$/ },
  { server: "MLflow 3.x", repo: "phishing-3", python: () => PYTHON, version: /^3\./ },
])("netsec train with only the DagsHub variables set, $server behind the DagsHub front door", ({ repo, python, version }) => {
  it("logs a parent run, a nested run per candidate, the dataset and a registered version with alias champion and its tags; the token is in no file", async () => {
    const cwd = tempDir();
    const env = dagshubEnv(repo);
    const r = await netsecCli(["train", "--data", SHARED_DATA, "--experiment", FAST, "--artifacts", join(cwd, "Artifacts"), "--model-dir", join(cwd, "final_model"), "--json"], cwd, env);
    expect(r.stderr).not.toMatch(/error|warning: tracking/i);
    expect(r.code).toBe(0);
    const uri = `${host()}/${OWNER}/${repo}.mlflow`;
    expect(r.stderr).toContain(`tracked in MLflow at ${uri}`);
    const back = await readBack(uri, { runs: [], experiment: env.MLFLOW_EXPERIMENT_NAME, all_runs: true, model: env.NETSEC_REGISTERED_MODEL, alias: "champion" }, pythonAuth(), python());
    expect(back.client_version).toMatch(version);
    const runs = Object.entries(back.runs);
    const parents = runs.filter(([, run]) => !run.tags["mlflow.parentRunId"]);
    expect(parents).toHaveLength(1);
    const [parentId, parent] = parents[0];
    const children = runs.filter(([, run]) => run.tags["mlflow.parentRunId"] === parentId);
    const candidates = readFileSync(join(JSON.parse(r.stdout.trim().split("\n").at(-1)!).runDir, "model_trainer", "leaderboard.csv"), "utf8").trim().split("\n").length - 1;
    expect(children).toHaveLength(candidates);
    expect(runs).toHaveLength(1 + candidates);
    expect(parent.status).toBe("FINISHED");
    expect(children.every(([, c]) => c.status === "FINISHED" && c.metrics.cv_f1.length === 3)).toBe(true);
    expect(parent.params.data).toBe(SHARED_DATA);
    // the dataset, as MLflow's inputs API shows it (Dataset column)
    expect(parent.datasets).toHaveLength(1);
    expect(parent.datasets[0]).toMatchObject({ name: "phisingData", digest: parent.tags["netsec.data_digest"], source_type: "local", tags: { "mlflow.data.context": "training" } });
    expect(JSON.parse(parent.datasets[0].schema).mlflow_colspec).toHaveLength(31);
    expect(JSON.parse(parent.datasets[0].profile)).toEqual({ num_rows: 9055, num_elements: 9055 * 31 });
    // the experiment opens in MLflow 3's classic model-training view
    expect(back.experiment!.tags["mlflow.experimentKind"]).toBe("custom_model_development");
    // the registered version: alias champion, the tags, a description with the test metrics
    const sha256 = createHash("sha256").update(readFileSync(join(cwd, "final_model", "model.json"))).digest("hex");
    expect(back.model!.versions).toHaveLength(1);
    expect(back.model!.versions[0]).toMatchObject({
      version: "1", run_id: parentId, aliases: ["champion"],
      tags: { "netsec.sha256": sha256, "netsec.model_version": "1", "netsec.data_digest": parent.tags["netsec.data_digest"] },
    });
    expect(back.model!.versions[0].description).toMatch(/test metrics: .*f1 0\.\d+/);
    expect(back.model!.alias_version).toBe("1");
    // the token (and its basic-auth form) is written nowhere: run folder, final_model, journals
    expect(filesContaining(cwd, [token(), Buffer.from(`${user()}:${token()}`).toString("base64")])).toEqual([]);
    expect(`${r.stdout}${r.stderr}`).not.toContain(token());
  }, 300_000);
});

describe("DagsHub user name and registry", () => {
  it("DAGSHUB_USERNAME given: no look-up; missing: looked up once from the token (GET /api/v1/user with the bearer token)", async () => {
    const seen: string[] = [];
    const proxy = await startDagshubProxy({ user: user(), token: token(), repos: { [`${OWNER}/own`]: requireEnv("NETSEC_TEST_MLFLOW_URI") }, log: (l: string) => seen.push(l) });
    proxies.push(proxy);
    for (const username of [user(), undefined]) {
      seen.length = 0;
      const env = dagshubEnv("own", { DAGSHUB_CLIENT_HOST: proxy.url, ...(username ? { DAGSHUB_USERNAME: username } : {}) });
      const config = resolveTrackingConfig((n) => env[n])!;
      const t = createMlflowTracker({ config, stateDir: tempDir() });
      const run = await t.startRun("who");
      await run.logParams({ a: 1 });
      await run.endRun();
      expect(t.warnings).toEqual([]);
      expect(seen.filter((l) => l === "GET /api/v1/user")).toHaveLength(username ? 0 : 1);
      expect(seen.filter((l) => l.includes("/own.mlflow/api/2.0/mlflow/runs/")).length).toBeGreaterThan(0);
    }
  });

  it("a token DagsHub refuses: netsec train stops at once naming DAGSHUB_USER_TOKEN, and the token is in no message or file", async () => {
    const cwd = tempDir();
    const bad = "dhtest_not-the-right-token-42";
    const r = await netsecCli(["train", "--data", SHARED_DATA, "--experiment", FAST, "--artifacts", join(cwd, "Artifacts"), "--model-dir", join(cwd, "final_model")], cwd, dagshubEnv("phishing-27", { DAGSHUB_USER_TOKEN: bad }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`DagsHub user look-up GET ${host()}/api/v1/user answered 401`);
    expect(r.stderr).toContain("DAGSHUB_USER_TOKEN");
    expect(`${r.stdout}${r.stderr}`).not.toContain(bad);
    expect(filesContaining(cwd, [bad])).toEqual([]);
  }, 120_000);

  it("a wrong DAGSHUB_USERNAME: 401 from the .mlflow endpoint with a hint naming DAGSHUB_USERNAME", async () => {
    const cwd = tempDir();
    const r = await netsecCli(["train", "--data", SHARED_DATA, "--experiment", FAST, "--artifacts", join(cwd, "Artifacts"), "--model-dir", join(cwd, "final_model")], cwd, dagshubEnv("phishing-27", { DAGSHUB_USERNAME: "someone-else" }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("answered 401");
    expect(r.stderr).toContain('DagsHub wants your user name ("someone-else") and a token: check DAGSHUB_USERNAME and DAGSHUB_USER_TOKEN');
  }, 120_000);

  it("a registry that answers 404 (as DagsHub's hosted MLflow 2.7 has): a warning, the run is complete with its model, nothing waits in the outbox", async () => {
    const cwd = tempDir();
    const env = dagshubEnv("phishing-noregistry");
    const r = await netsecCli(["train", "--data", SHARED_DATA, "--experiment", FAST, "--artifacts", join(cwd, "Artifacts"), "--model-dir", join(cwd, "final_model"), "--json"], cwd, env);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { warnings: string[]; pushed: boolean };
    expect(summary.pushed).toBe(true);
    const warning = summary.warnings.find((w) => w.includes("model registry"));
    expect(warning).toMatch(/the model registry of .*phishing-noregistry\.mlflow is not available \(404.*The run is complete and its model is logged as an artifact/);
    expect(r.stderr).not.toContain("netsec sync");
    const uri = `${host()}/${OWNER}/phishing-noregistry.mlflow`;
    const back = await readBack(uri, { runs: [], experiment: env.MLFLOW_EXPERIMENT_NAME, all_runs: true }, pythonAuth(), PYTHON27);
    const parent = Object.values(back.runs).find((run) => !run.tags["mlflow.parentRunId"])!;
    expect(parent.status).toBe("FINISHED");
    expect(parent.artifacts.map((a) => a.path)).toEqual(expect.arrayContaining(["model/MLmodel", "model/model.json"]));
  }, 300_000);

  it("long params on MLflow 2.7.1: never lost, never fail the batch — cut to 500 characters, the full value as an artifact, a tag says so", async () => {
    const env = dagshubEnv("phishing-27");
    const config = resolveTrackingConfig((n) => env[n])!;
    const t = createMlflowTracker({ config, stateDir: tempDir() });
    const run = await t.startRun("long");
    const grid = JSON.stringify({ n_estimators: Array.from({ length: 150 }, (_, i) => i * 10) }); // > 500 characters
    await run.logParams({ grid, seed: 42 });
    await run.endRun();
    const id = t.summary().runs[0].serverId!;
    const uri = `${host()}/${OWNER}/phishing-27.mlflow`;
    const back = (await readBack(uri, { runs: [id] }, pythonAuth(), PYTHON27)).runs[id];
    expect(back.params).toEqual({ grid: grid.slice(0, 500), seed: "42" });
    expect(back.tags["netsec.param_truncated.grid"]).toBe(`${grid.length} characters, cut to the first 500 (the most MLflow 2.7.1 keeps); the full value is the artifact params/grid.txt`);
    expect(back.artifacts).toEqual([{ path: "params/grid.txt", size: grid.length }]);
    expect(t.warnings).toEqual([`param grid: ${grid.length} characters, more than the 500 MLflow 2.7.1 keeps: logged cut, full value in artifact params/grid.txt (tag netsec.param_truncated.grid)`]);
  });
});
