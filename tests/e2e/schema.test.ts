/**
 * `--schema <file>`: another table with its own columns, continuous features and target name
 * (the generated network-flow table of bench/gen-continuous.mjs, contract
 * tests/fixtures/flows.schema.yaml) validates, trains, explains, exports to ONNX and serves end to
 * end through the CLI, while schema.yaml stays the default (a command without --schema refuses the
 * model, naming the contract). Drift picks the test per column: KS for the continuous columns,
 * KS and chi-square for the categorical `protocol`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeNpy, splitFeaturesAndLabels } from "../../src/data/npy.ts";
import { DENO, FIXTURES, ROOT, tempDir } from "../helpers/env.ts";
import { maxDiff, runPython } from "../models/onnx-helpers.ts";
// @ts-expect-error: a plain ES module script of bench/ (no types)
import { csvText, schemaYaml } from "../../bench/gen-continuous.mjs";

const SCHEMA = join(FIXTURES, "flows.schema.yaml");

function netsec(cwd: string, args: string[]) {
  return spawnSync(DENO, ["run", "-A", join(ROOT, "src", "cli.ts"), ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", MLFLOW_TRACKING_URI: "" } });
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split("\n").pop()!);
const FEATURES = ["duration_s", "bytes_in", "bytes_out", "packets", "mean_iat_ms", "payload_entropy", "url_length", "protocol"];

describe("--schema: a generated continuous-feature table end to end through the CLI", () => {
  const cwd = tempDir("netsec-e2e-schema-");
  let runDir: string;
  let trained: Record<string, unknown>;

  beforeAll(() => {
    // 1 % of the feature cells missing: the imputer fills continuous columns too.
    writeFileSync(join(cwd, "flows.csv"), (csvText as (o: object) => string)({ rows: 4000, seed: 11, missing: 0.01 }));
    const r = netsec(cwd, ["train", "--data", "flows.csv", "--schema", SCHEMA, "--experiment", join(ROOT, "experiments/fast.yaml"), "--json"]);
    expect(r.status, r.stderr).toBe(0);
    trained = lastJson(r.stdout);
    runDir = trained.runDir as string;
  }, 240_000);

  it("the fixture is the generator's contract", () => {
    const body = readFileSync(SCHEMA, "utf8").replace(/^#.*\n/gm, "");
    expect(body).toBe((schemaYaml as (f?: number) => string)());
  });

  it("trains and pushes a model on the table's own features and target", () => {
    expect(trained.pushed).toBe(true);
    expect((trained.metrics as { f1: number }).f1).toBeGreaterThan(0.9);
    const manifest = JSON.parse(readFileSync(join(cwd, "final_model/model.json"), "utf8"));
    expect(manifest.features).toEqual(FEATURES);
    expect(manifest.target).toMatchObject({ name: "malicious", values: [0, 1], positive: 1 });
  });

  it("drift: KS alone on continuous columns, chi-square as well on the categorical one", () => {
    const report = JSON.parse(readFileSync(join(cwd, runDir, "data_validation/drift_report/report.json"), "utf8"));
    const columns = report.trainTest.columns as Record<string, { ks_statistic: number | null; chi2_statistic: number | null; chi2_dof: number | null }>;
    for (const name of FEATURES.filter((f) => f !== "protocol")) {
      expect(columns[name].ks_statistic, name).toEqual(expect.any(Number));
      expect(columns[name].chi2_statistic, name).toBeNull();
    }
    expect(columns.protocol.chi2_statistic).toEqual(expect.any(Number));
    expect(columns.protocol.chi2_dof).toBe(1);
  });

  it("predict --explain: probabilities of `malicious`, one contribution column per feature", () => {
    const r = netsec(cwd, ["predict", "--input", join(runDir, "data_validation/validated/test.csv"), "--output", "pred.csv", "--explain", "--schema", SCHEMA]);
    expect(r.status, r.stderr).toBe(0);
    const [header, ...lines] = readFileSync(join(cwd, "pred.csv"), "utf8").trim().split("\n");
    const columns = header.split(",").map((c) => c.replace(/"/g, ""));
    expect(columns).toEqual([...FEATURES, "malicious", "prediction", "probability", ...FEATURES.map((f) => `contribution:${f}`), "contribution:base"]);
    const truth = columns.indexOf("malicious"), predicted = columns.indexOf("prediction");
    const rows = lines.map((l) => l.split(",").map(Number));
    const accuracy = rows.filter((row) => row[truth] === row[predicted]).length / rows.length;
    expect(accuracy).toBeGreaterThan(0.9);
  });

  it("report --schema rewrites the run's report from its folder, in the table's labels", () => {
    const r = netsec(cwd, ["report", runDir, "--schema", SCHEMA, "--output", "flows-report.html", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const html = readFileSync(join(cwd, "flows-report.html"), "utf8");
    expect(html).toContain("payload_entropy");
    expect(html).toContain("benign");
    // schema.yaml's class names would be there without --schema.
    expect(html).not.toMatch(/phishing|legitimate/i);
  });

  it("without --schema, schema.yaml stays the contract: the model is refused, naming both contracts", () => {
    const r = netsec(cwd, ["predict", "--input", "flows.csv", "--output", "x.csv"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error \[MODEL_INVALID\]: refusing to load the model in final_model: it was trained for a different data contract \(schema hash [0-9a-f]{12}…, .*schema\.yaml has [0-9a-f]{12}…\): retrain it/);
  });

  it("export --schema: Python onnxruntime answers with netsec predict's probabilities (1e-5)", () => {
    const r = netsec(cwd, ["export", "--format", "onnx", "--output", "flows.onnx", "--schema", SCHEMA, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const test = splitFeaturesAndLabels(decodeNpy(readFileSync(join(cwd, runDir, "data_transformation/transformed/test.npy"))));
    const lines = readFileSync(join(cwd, "pred.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(",").map(Number));
    const probability = lines.map((row) => row[FEATURES.length + 2]);
    const py = runPython(new Uint8Array(readFileSync(join(cwd, "flows.onnx"))), test.x);
    expect(py.outputNames).toEqual(["label", "probability_benign", "probability_malicious"]);
    expect(maxDiff(py.p1, probability)).toBeLessThan(1e-5);
  });

  describe("serve --schema", () => {
    let server: ChildProcess;
    let url: string;

    beforeAll(async () => {
      server = spawn(DENO, ["run", "-A", join(ROOT, "src", "cli.ts"), "serve", "--port", "0", "--schema", SCHEMA], { cwd, env: { ...process.env, NO_COLOR: "1", NETSEC_TRAIN_TOKEN: "" } });
      url = await new Promise<string>((resolve, reject) => {
        let err = "";
        server.stderr!.on("data", (chunk) => {
          err += chunk;
          const m = /listening on (http:\/\/\S+)/.exec(err);
          if (m) resolve(m[1]);
        });
        server.on("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
      });
    }, 60_000);

    afterAll(() => {
      server?.kill("SIGTERM");
    });

    it("scores JSON rows with the table's columns and labels", async () => {
      const row = { duration_s: 7.9, bytes_in: 388, bytes_out: 241, packets: 3, mean_iat_ms: 7.9, payload_entropy: 6.7, url_length: 71, protocol: 17 };
      const response = await fetch(`${url}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([row]) });
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body.positive).toEqual({ value: 1, label: "malicious" });
      expect(body.predictions[0]).toMatchObject({ row: 1, prediction: expect.any(Number), label: expect.stringMatching(/^(benign|malicious)$/) });
    });

    it("refuses a value outside the categorical column's allowed set with a 422 naming row and column", async () => {
      const row = { duration_s: 7.9, bytes_in: 388, bytes_out: 241, packets: 3, mean_iat_ms: 7.9, payload_entropy: 6.7, url_length: 71, protocol: 5 };
      const response = await fetch(`${url}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([row]) });
      expect(response.status).toBe(422);
      expect((await response.json()).error.message).toBe("row 1, column protocol: got 5, expected one of 6, 17");
    });

    it("describes the contract's columns in /openapi.json", async () => {
      const doc = await (await fetch(`${url}/openapi.json`)).json();
      expect(doc.info.description).toMatch(/^Classifier of the data contract "generated-flows"\. Input rows carry the 8 features/);
    });
  });
});
