/**
 * The basic-auth MLflow server of services.sh: right, wrong and missing credentials, a user
 * without permission (403), and credentials never shown in errors or warnings.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { tempDir, requireEnv } from "../helpers/env.ts";
import { createMlflowTracker, MlflowClient, MlflowHttpError, resolveTrackingConfig } from "../../src/tracking/index.ts";
import { readBack } from "./helpers.ts";

const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const uri = () => requireEnv("NETSEC_TEST_MLFLOW_AUTH_URI");
const admin = () => ({ username: requireEnv("NETSEC_TEST_MLFLOW_ADMIN_USER"), password: requireEnv("NETSEC_TEST_MLFLOW_ADMIN_PASSWORD") });
const fast = { backoffMs: 20, totalMs: 8_000, retries: 3 };

function trackerWith(env: Record<string, string>) {
  const config = resolveTrackingConfig((n) => ({ MLFLOW_TRACKING_URI: uri(), ...env })[n])!;
  const stateDir = tempDir();
  return Object.assign(createMlflowTracker({ config, stateDir, http: fast }), { stateDir });
}

async function failure(promise: Promise<unknown>): Promise<MlflowHttpError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MlflowHttpError) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

describe("MLflow with basic auth", () => {
  it("right credentials: the run is logged and read back with the same credentials", async () => {
    const experiment = `auth-${unique()}`;
    const { username, password } = admin();
    const t = trackerWith({ MLFLOW_TRACKING_USERNAME: username, MLFLOW_TRACKING_PASSWORD: password, MLFLOW_EXPERIMENT_NAME: experiment });
    const run = await t.startRun("authed");
    await run.logParams({ a: 1 });
    await run.logMetrics({ m: 2 }, 0, 1_700_000_000_000);
    await run.logArtifact("note.txt", "hello");
    await run.endRun();
    expect(t.warnings).toEqual([]);
    const id = t.summary().runs[0].serverId!;
    const back = await readBack(uri(), { runs: [id] }, { MLFLOW_TRACKING_USERNAME: username, MLFLOW_TRACKING_PASSWORD: password });
    expect(back.runs[id]).toMatchObject({ params: { a: "1" }, metrics: { m: [[0, 1_700_000_000_000, 2]] }, artifacts: [{ path: "note.txt", size: 5 }] });
  });

  it("wrong password: startRun fails at once with 401 and a hint, and the password is not in the message", async () => {
    const secret = "wrong-password-Zq81x";
    const t = trackerWith({ MLFLOW_TRACKING_USERNAME: "admin", MLFLOW_TRACKING_PASSWORD: secret, MLFLOW_EXPERIMENT_NAME: `auth-${unique()}` });
    const error = await failure(t.startRun("x"));
    expect(error.status).toBe(401);
    expect(error.message).toContain("answered 401");
    expect(error.message).toContain("check MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD");
    expect(error.message).not.toContain(secret);
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(String(error.stack)).not.toContain(secret);
    // Nothing was recorded: there is no run for `netsec sync` to send later.
    expect(existsSync(join(t.stateDir, "outbox")) ? readdirSync(join(t.stateDir, "outbox")).filter((f) => f.endsWith(".jsonl")) : []).toEqual([]);
  });

  it("missing credentials: 401", async () => {
    const t = trackerWith({ MLFLOW_EXPERIMENT_NAME: `auth-${unique()}` });
    const error = await failure(t.startRun("x"));
    expect(error.status).toBe(401);
    expect(error.transient).toBe(false);
  });

  it("credentials inside the URI are moved to basic auth and redacted from messages", async () => {
    const secret = "uri-secret-77Aa";
    const config = resolveTrackingConfig((n) => ({ MLFLOW_TRACKING_URI: uri().replace("http://", `http://admin:${secret}@`) })[n])!;
    expect(config.uri).toBe(uri());
    const client = new MlflowClient(config.uri, config.auth, fast);
    const error = await failure(client.getExperimentByName("Default"));
    expect(error.status).toBe(401);
    expect(error.message).not.toContain(secret);
  });

  it("a user without permission on the experiment: 403 at the first call", async () => {
    const { username, password } = admin();
    const adminClient = new MlflowClient(uri(), { kind: "basic", username, password });
    const experiment = `auth-403-${unique()}`;
    await adminClient.ensureExperiment(experiment, []);
    const reader = `reader-${unique()}`;
    const readerPassword = "reader-password-123456";
    await adminClient.http.request("post", "api/2.0/mlflow/users/create", { json: { username: reader, password: readerPassword } });
    const t = trackerWith({ MLFLOW_TRACKING_USERNAME: reader, MLFLOW_TRACKING_PASSWORD: readerPassword, MLFLOW_EXPERIMENT_NAME: experiment });
    const error = await failure(t.startRun("x"));
    expect(error.status).toBe(403);
    expect(error.message).toBe(`MLflow POST ${uri()}/api/2.0/mlflow/runs/create answered 403: Permission denied — the user has no permission for this resource`);
    expect(error.message).not.toContain(readerPassword);
  });
});
