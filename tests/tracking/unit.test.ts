/** Tracking pieces that need no server: configuration, validation, batch splitting, journal, local run log. */
import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { tempDir } from "../helpers/env.ts";
import { resolveTrackingConfig, redact, splitBatch, MlflowClient, createTracker, httpPolicyFromEnv, serverInfoFor } from "../../src/tracking/index.ts";
import { fitParams } from "../../src/tracking/apply.ts";
import { mergeBatches } from "../../src/tracking/remote.ts";
import { redactCredentials } from "../../src/tracking/dataset.ts";
import { checkMetric, checkParam, truncateUtf8 } from "../../src/tracking/validate.ts";
import { parseJournal } from "../../src/tracking/journal.ts";
import { mlmodelText } from "../../src/tracking/mlmodel.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

describe("configuration from the environment", () => {
  it("no MLFLOW_TRACKING_URI and no DagsHub: undefined (local run log)", () => {
    expect(resolveTrackingConfig(envOf({}))).toBeUndefined();
  });

  it("basic auth, bearer token (wins), experiment name", () => {
    const basic = resolveTrackingConfig(envOf({ MLFLOW_TRACKING_URI: "http://h:5000/", MLFLOW_TRACKING_USERNAME: "u", MLFLOW_TRACKING_PASSWORD: "p", MLFLOW_EXPERIMENT_NAME: "e" }));
    expect(basic).toMatchObject({ uri: "http://h:5000", auth: { kind: "basic", username: "u", password: "p" }, experimentName: "e" });
    const bearer = resolveTrackingConfig(envOf({ MLFLOW_TRACKING_URI: "https://h", MLFLOW_TRACKING_TOKEN: "tok", MLFLOW_TRACKING_USERNAME: "u", MLFLOW_TRACKING_PASSWORD: "p" }));
    expect(bearer).toMatchObject({ auth: { kind: "bearer", token: "tok" }, experimentName: "netsec" });
  });

  it("DagsHub as its client sets it up: <host>/<owner>/<repo>.mlflow, user name + token; DAGSHUB_CLIENT_HOST for self-hosted", () => {
    const c = resolveTrackingConfig(envOf({ DAGSHUB_REPO_OWNER: "alice", DAGSHUB_REPO_NAME: "netsec", DAGSHUB_USER_TOKEN: "dh-token-123" }));
    // no DAGSHUB_USERNAME: the name is looked up from the token before the first call (tests/tracking/dagshub.test.ts)
    expect(c).toMatchObject({ uri: "https://dagshub.com/alice/netsec.mlflow", source: "DAGSHUB", auth: { kind: "dagshub", host: "https://dagshub.com", token: "dh-token-123", username: undefined } });
    const own = resolveTrackingConfig(envOf({ DAGSHUB_CLIENT_HOST: "https://dh.example.org/", DAGSHUB_REPO_OWNER: "alice", DAGSHUB_REPO_NAME: "netsec", DAGSHUB_USER_TOKEN: "t0k", DAGSHUB_USERNAME: "alice" }));
    expect(own).toMatchObject({ uri: "https://dh.example.org/alice/netsec.mlflow", auth: { kind: "dagshub", host: "https://dh.example.org", username: "alice" } });
    expect(() => resolveTrackingConfig(envOf({ DAGSHUB_REPO_OWNER: "a", DAGSHUB_REPO_NAME: "b" }))).toThrow("DAGSHUB_USER_TOKEN is not");
    expect(() => resolveTrackingConfig(envOf({ DAGSHUB_REPO_OWNER: "a", DAGSHUB_USER_TOKEN: "t" }))).toThrow("needs both DAGSHUB_REPO_OWNER and DAGSHUB_REPO_NAME");
    expect(() => resolveTrackingConfig(envOf({ DAGSHUB_CLIENT_HOST: "ftp://x", DAGSHUB_REPO_OWNER: "a", DAGSHUB_REPO_NAME: "b", DAGSHUB_USER_TOKEN: "t" }))).toThrow("DAGSHUB_CLIENT_HOST must be an http(s) address");
    // MLFLOW_TRACKING_URI wins, as before
    expect(resolveTrackingConfig(envOf({ MLFLOW_TRACKING_URI: "http://h", DAGSHUB_REPO_OWNER: "a", DAGSHUB_REPO_NAME: "b", DAGSHUB_USER_TOKEN: "t" }))).toMatchObject({ uri: "http://h", source: "MLFLOW_TRACKING_URI" });
  });

  it("MLFLOW_HTTP_REQUEST_TIMEOUT / _MAX_RETRIES: per-attempt timeout, retries, and a run budget of timeout × (retries + 1)", () => {
    expect(httpPolicyFromEnv(envOf({}))).toEqual({ http: { timeoutMs: 15_000 }, budgetMs: 105_000 });
    expect(httpPolicyFromEnv(envOf({ MLFLOW_HTTP_REQUEST_TIMEOUT: "2.5", MLFLOW_HTTP_REQUEST_MAX_RETRIES: "1" }))).toEqual({ http: { timeoutMs: 2500, retries: 1 }, budgetMs: 5000 });
    expect(() => httpPolicyFromEnv(envOf({ MLFLOW_HTTP_REQUEST_MAX_RETRIES: "two" }))).toThrow('MLFLOW_HTTP_REQUEST_MAX_RETRIES="two" is not a valid whole number of retries');
  });

  it("refuses non-http URIs with the reason; half-set basic auth is an error", () => {
    expect(() => resolveTrackingConfig(envOf({ MLFLOW_TRACKING_URI: "file:///tmp/mlruns" }))).toThrow("must be an http(s) address");
    expect(() => resolveTrackingConfig(envOf({ MLFLOW_TRACKING_URI: "http://h", MLFLOW_TRACKING_USERNAME: "u" }))).toThrow("must be set together");
  });

  it("MLFLOW_TRACKING_INSECURE_TLS gives a warning saying how to do it in the runtime", () => {
    const c = resolveTrackingConfig(envOf({ MLFLOW_TRACKING_URI: "https://mlflow.example", MLFLOW_TRACKING_INSECURE_TLS: "true" }))!;
    expect(c.warnings[0]).toContain("--unsafely-ignore-certificate-errors=mlflow.example");
  });

  it("redact removes passwords, tokens, their base64 form and user:password@ in URLs", () => {
    const auth = { kind: "basic" as const, username: "alice", password: "s3cret-pw" };
    expect(redact(`http://alice:s3cret-pw@h/x s3cret-pw ${btoa("alice:s3cret-pw")}`, auth)).toBe("http://***@h/x *** ***");
    const dagshub = resolveTrackingConfig(envOf({ DAGSHUB_REPO_OWNER: "alice", DAGSHUB_REPO_NAME: "r", DAGSHUB_USER_TOKEN: "0123456789abcdef0123", DAGSHUB_USERNAME: "alice" }))!;
    expect(redact(`user 0123456789abcdef0123 failed for alice ${btoa("alice:0123456789abcdef0123")}`, dagshub.auth)).toBe("user *** failed for alice ***");
    expect(redactCredentials("mongodb://u:pw@db:27017/x and https://a:b@h/")).toBe("mongodb://***@db:27017/x and https://***@h/");
  });
});

describe("validation before sending", () => {
  it("NaN kept as the string NaN, Infinity replaced by the largest double, bad keys refused, with warnings", () => {
    const w: string[] = [];
    expect(checkMetric("a", Number.NaN, 0, 1, w)).toEqual({ key: "a", value: "NaN", timestamp: 1, step: 0 });
    expect(checkMetric("b", -Infinity, 2, 1, w)).toEqual({ key: "b", value: -1.7976931348623157e308, timestamp: 1, step: 2 });
    expect(checkMetric("../x", 1, 0, 1, w)).toBeUndefined();
    expect(checkMetric("x".repeat(251), 1, 0, 1, w)).toBeUndefined();
    expect(w).toHaveLength(4);
  });

  it("param values are recorded whole up to 1 MB (what a server keeps is decided when sending); past 1 MB cut on a character boundary", () => {
    const w: string[] = [];
    expect(checkParam("p", "€".repeat(2001), w)!.value).toBe("€".repeat(2001));
    expect(checkParam("q", "€".repeat(333_334), w)!.value).toBe("€".repeat(333_333)); // 1,000,002 bytes → 999,999
    expect(truncateUtf8("a€", 3)).toBe("a");
    expect(w).toEqual(["param q: value of 1000002 bytes truncated to 1000000 bytes"]);
  });

  it("per server: 500 characters (2.7), 6000 (≥ 2.8); a longer value is cut and kept whole for an artifact", () => {
    expect(serverInfoFor("2.7.1")).toEqual({ version: "2.7.1", paramValueMax: 500, tagValueMax: 5000, loggedModels: false });
    expect(serverInfoFor("3.17.2\n")).toEqual({ version: "3.17.2", paramValueMax: 6000, tagValueMax: 8000, loggedModels: true });
    expect(serverInfoFor(undefined)).toEqual({ paramValueMax: 500, tagValueMax: 5000, loggedModels: false });
    const fitted = fitParams([{ key: "a", value: "x" }, { key: "grid/b", value: "é".repeat(501) }], serverInfoFor("2.7.1"));
    expect(fitted.params).toEqual([{ key: "a", value: "x" }, { key: "grid/b", value: "é".repeat(500) }]);
    expect(fitted.overflow).toEqual([{ key: "grid/b", value: "é".repeat(501), artifact: "params/grid/b.txt" }]);
  });

  it("held log-batch ops merge into one: every metric point, params once per key, the last value of a tag", () => {
    const op = (id: string, metrics: number[], params: [string, string][], tags: [string, string][]) => ({
      op: "logBatch" as const, id, run: "r", at: 1,
      metrics: metrics.map((v, step) => ({ key: "m", value: v, step, timestamp: 1 })),
      params: params.map(([key, value]) => ({ key, value })), tags: tags.map(([key, value]) => ({ key, value })),
    });
    const merged = mergeBatches([op("o1", [1, 2], [["p", "1"]], [["t", "a"]]), op("o2", [3], [["p", "1"], ["q", "2"]], [["t", "b"]])]);
    expect(merged).toMatchObject({ id: "o1", run: "r", params: [{ key: "p", value: "1" }, { key: "q", value: "2" }], tags: [{ key: "t", value: "b" }] });
    expect(merged.metrics.map((m) => m.value)).toEqual([1, 2, 3]);
  });
});

describe("log-batch splitting", () => {
  it("keeps every request within 1000 items, 1000 metrics, 100 params, 100 tags and 1 MB", () => {
    const metric = (i: number) => ({ key: `m${i}`, value: i, timestamp: 1, step: 0 });
    const parts = splitBatch({
      metrics: Array.from({ length: 1500 }, (_, i) => metric(i)),
      params: Array.from({ length: 250 }, (_, i) => ({ key: `p${i}`, value: "v" })),
      tags: Array.from({ length: 120 }, (_, i) => ({ key: `t${i}`, value: "v" })),
    });
    for (const p of parts) {
      expect(p.metrics.length).toBeLessThanOrEqual(1000);
      expect(p.params.length).toBeLessThanOrEqual(100);
      expect(p.tags.length).toBeLessThanOrEqual(100);
      expect(p.metrics.length + p.params.length + p.tags.length).toBeLessThanOrEqual(1000);
    }
    expect(parts.flatMap((p) => p.metrics)).toHaveLength(1500);
    expect(parts.flatMap((p) => p.params)).toHaveLength(250);
    expect(parts.flatMap((p) => p.tags)).toHaveLength(120);
    // 100 params of 6000 bytes + 100 tags of 8000 bytes: 1.4 MB, within the count limits of one request.
    const big = splitBatch({
      metrics: [],
      params: Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: "é".repeat(3000) })),
      tags: Array.from({ length: 100 }, (_, i) => ({ key: `t${i}`, value: "x".repeat(8000) })),
    });
    for (const p of big) expect(new TextEncoder().encode(JSON.stringify({ run_id: "0".repeat(32), ...p })).length).toBeLessThan(1_000_000);
    expect(big.length).toBe(2);
  });
});

describe("journal and local run log", () => {
  it("a torn last line (killed while writing) is ignored, acks are indexed by op id", () => {
    const text = [
      JSON.stringify({ op: "journal", version: 1, createdAt: 1 }),
      JSON.stringify({ op: "endRun", id: "o1", run: "r", at: 1, status: "FINISHED", endTime: 2 }),
      JSON.stringify({ op: "ack", of: "o1", at: 3 }),
      '{"op":"logBatch","id":"o2"',
    ].join("\n");
    const { ops, acks } = parseJournal(text);
    expect(ops.map((o) => o.id)).toEqual(["o1"]);
    expect(acks.get("o1")?.at).toBe(3);
  });

  it("without MLFLOW_TRACKING_URI runs go to <state>/runs/<run>.jsonl with artifacts beside it", async () => {
    const stateDir = tempDir();
    const t = await createTracker({ stateDir, env: envOf({}) });
    expect(t.kind).toBe("local");
    const run = await t.startRun("offline", { k: "v" });
    const child = await run.startChild("c1");
    await child.logMetrics({ f1: 0.5 }, 2);
    await child.endRun();
    await run.logArtifact("a.txt", "hi");
    await run.endRun();
    const files = readdirSync(join(stateDir, "runs"));
    expect(files).toEqual([`${run.id}.files`, `${run.id}.jsonl`]);
    const { ops } = parseJournal(readFileSync(join(stateDir, "runs", `${run.id}.jsonl`), "utf8"));
    expect(ops.map((o) => o.op)).toEqual(["createRun", "createRun", "logBatch", "endRun", "artifact", "endRun"]);
    expect(ops[1]).toMatchObject({ op: "createRun", parent: run.id, name: "c1" });
    expect(readFileSync(join(stateDir, "runs", `${run.id}.files`, (ops[4] as { file: string }).file), "utf8")).toBe("hi");
  });

  it("MLmodel names the netsec_json flavor, the data file and the run", () => {
    const text = mlmodelText({ artifactPath: "model", runId: "abc", modelUuid: "op-1", createdAt: Date.UTC(2026, 0, 2, 3, 4, 5), flavor: { format_version: 1 } });
    expect(text).toContain("artifact_path: model\n");
    expect(text).toContain("netsec_json:\n    data: model.json\n");
    expect(text).toContain("format_version: 1\n");
    expect(text).toContain("run_id: abc\n");
    expect(text).toContain("utc_time_created: 2026-01-02 03:04:05.000\n");
  });
});

describe("authorization header on the wire", () => {
  it("MLFLOW_TRACKING_TOKEN is sent as a bearer token (seen by a loopback server)", async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(String(req.headers.authorization));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ experiment: { experiment_id: "1", name: "x", lifecycle_stage: "active" } }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const c = resolveTrackingConfig(envOf({ MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}`, MLFLOW_TRACKING_TOKEN: "tok-abc" }))!;
    await new MlflowClient(c.uri, c.auth).getExperimentByName("x");
    server.close();
    expect(seen).toEqual(["Bearer tok-abc"]);
  });
});
