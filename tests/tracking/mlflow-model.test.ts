/**
 * The model `netsec train` logs and registers is an MLflow model MLflow's own tools load: after a
 * tracked run against the real MLflow 3.17.2 server and one against MLflow 2.7.1 (DagsHub's
 * version), `mlflow.pyfunc.load_model("models:/<name>@champion")` of each client version predicts
 * netsec's probabilities, `mlflow models serve -m models:/<name>@champion --env-manager local`
 * answers /invocations with them, and `netsec serve --model-uri` follows the 2.7.1 registry — on
 * the run's imputed test rows, to 1e-5.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { decodeNpy, splitFeaturesAndLabels } from "../../src/data/npy.ts";
import { loadModelFile } from "../../src/models/model-file.ts";
import type { Matrix } from "../../src/models/classifier.ts";
import { mlflowModelFolder } from "../../src/tracking/mlmodel.ts";
import { DENO, PYTHON, ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";
import { freePort, mlflowUri } from "./helpers.ts";
import { modelInfo, startServe } from "../serve/registry-helpers.ts";

const PYTHON27 = process.env.NETSEC_PYTHON27 ?? join(dirname(dirname(dirname(PYTHON))), "venv-mlflow27", "bin", "python");
const unique = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

function run(cmd: string, args: string[], env: Record<string, string> = {}, cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

interface PyfuncAnswer {
  mlflow: string;
  flavors: string[];
  loader_module: string;
  code: string | null;
  signature: unknown;
  csv: { dtypes: string[]; values: Record<string, (number | null)[]> }[];
  files: string[];
  columns: string[];
  dtypes: string[];
  values: Record<string, number[]>;
}

describe("the registered model in MLflow's own tools", () => {
  const cwd = tempDir("netsec-mlflow-model-");
  const modelName = `netsec-mlflow-model-${unique()}`;
  const mlflow27 = () => process.env.NETSEC_TEST_MLFLOW27_URI ?? "";
  const servers = { "MLflow 3.17.2 server": mlflowUri, "MLflow 2.7.1 server": mlflow27 };
  let test: Matrix;
  let features: string[];
  /** netsec's answers on the test rows: P(phishing), P(legitimate), target value. */
  let expected: { phishing: number[]; legitimate: number[]; label: number[]; threshold: number };
  let rowsFile: string;
  /** The test rows as CSV files a user reads with pd.read_csv: integers (int64 columns, a Result column too), and with two cells missing (float64 there). */
  let intCsv: string;
  let missingCsv: string;
  const MISSING_ROWS = [0, 3];

  beforeAll(async () => {
    copyFileSync(SHARED_DATA, join(cwd, "phisingData.csv"));
    // The same data and seed twice (the second forced): the same model bytes, tracked once to each server.
    let runDir = "";
    for (const [i, uri] of [mlflowUri(), mlflow27()].entries()) {
      expect(uri, "NETSEC_TEST_MLFLOW27_URI (scripts/services.sh starts MLflow 2.7.1)").toBeTruthy();
      const r = await run(DENO, ["run", "-A", join(ROOT, "src/cli.ts"), "train", "--data", "phisingData.csv", "--experiment", join(ROOT, "experiments/fast.yaml"), "--json", ...(i ? ["--force"] : [])], {
        MLFLOW_TRACKING_URI: uri,
        MLFLOW_EXPERIMENT_NAME: `mlflow-model-${unique()}`,
        NETSEC_REGISTERED_MODEL: modelName,
      }, cwd);
      expect(r.code, r.stderr).toBe(0);
      runDir = JSON.parse(r.stdout.trim().split("\n").at(-1)!).runDir as string;
    }
    test = splitFeaturesAndLabels(decodeNpy(readFileSync(join(cwd, runDir, "data_transformation/transformed/test.npy")))).x;
    const model = await loadModelFile(join(cwd, "final_model"));
    features = model.features;
    const batch = model.predictMatrix(test, { cache: false });
    expected = { phishing: Array.from(batch.probability), legitimate: Array.from(batch.probability, (p) => 1 - p), label: Array.from(batch.prediction), threshold: model.threshold };
    rowsFile = join(cwd, "rows.f64");
    writeFileSync(rowsFile, new Uint8Array(Float64Array.from(test.values).buffer));
    const csvRows = (blank: boolean) => Array.from({ length: test.rows }, (_, r) => {
      const cells = Array.from(test.values.subarray(r * test.cols, (r + 1) * test.cols), String);
      if (blank && MISSING_ROWS.includes(r)) cells[r === 0 ? 2 : 7] = "";
      return [...cells, "1"].join(",");
    });
    intCsv = join(cwd, "rows-int.csv");
    missingCsv = join(cwd, "rows-missing.csv");
    writeFileSync(intCsv, [[...features, "Result"].join(","), ...csvRows(false)].join("\n") + "\n");
    writeFileSync(missingCsv, [[...features, "Result"].join(","), ...csvRows(true)].join("\n") + "\n");
  }, 300_000);

  const closeTo = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

  const cases = [["MLflow 3.17.2 server", "MLflow 3.17.2", PYTHON], ["MLflow 3.17.2 server", "MLflow 2.7.1", PYTHON27], ["MLflow 2.7.1 server", "MLflow 2.7.1", PYTHON27], ["MLflow 2.7.1 server", "MLflow 3.17.2", PYTHON]] as const;
  for (const [server, client, python] of cases) {
    it(`${server}, ${client} client: mlflow.pyfunc.load_model("models:/<name>@champion").predict(df) gives netsec's probabilities`, async () => {
      expect(existsSync(python), `${python} (scripts/setup.sh installs it)`).toBe(true);
      const r = await run(python, [join(ROOT, "tests/tracking/pyfunc_predict.py"), servers[server](), `models:/${modelName}@champion`, rowsFile, JSON.stringify(features), intCsv, missingCsv]);
      expect(r.code, r.stderr).toBe(0);
      const answer = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as PyfuncAnswer;
      expect(answer.mlflow).toBe(client.split(" ")[1]);
      expect(answer.flavors).toEqual(["netsec_json", "onnx", "python_function"]);
      // Our loader (code/netsec_pyfunc.py) and no signature: MLflow's check would refuse int64 for double, float64 for long.
      expect(answer.loader_module).toBe("netsec_pyfunc");
      expect(answer.code).toBe("code");
      expect(answer.signature).toBeNull();
      expect(answer.files).toEqual(["MLmodel", "code", "conda.yaml", "manifest.json", "model.json", "model.onnx", "python_env.yaml", "reference.json", "requirements.txt"]);
      // manifest.json: the threshold and rule it was pushed with (served from the registry at the same threshold);
      // reference.json: the training data's summary /monitor compares served traffic with
      expect(answer.columns).toEqual(["label", "probability_phishing", "probability_legitimate"]);
      expect(answer.values.label).toHaveLength(test.rows);
      expect(closeTo(answer.values.probability_phishing, expected.phishing)).toBeLessThan(1e-5);
      expect(closeTo(answer.values.probability_legitimate, expected.legitimate)).toBeLessThan(1e-5);
      expect(answer.values.label.every((l, i) => l === expected.label[i] || Math.abs(expected.phishing[i] - expected.threshold) < 1e-5)).toBe(true);
      // pd.read_csv straight from a file: int64 columns (the Result column left out by the loader) ...
      const [ints, missing] = answer.csv;
      expect(ints.dtypes).toEqual(["int64"]);
      expect(closeTo(ints.values.probability_phishing as number[], expected.phishing)).toBeLessThan(1e-5);
      // ... and float64 columns where cells are missing: those rows NaN / label 0 (the graph does not impute), the others netsec's.
      expect(missing.dtypes).toEqual(["float64", "int64"]);
      for (const r of MISSING_ROWS) {
        expect(missing.values.probability_phishing[r]).toBeNull();
        expect(missing.values.label[r]).toBe(0);
      }
      const kept = expected.phishing.map((p, i) => (MISSING_ROWS.includes(i) ? 0 : p));
      expect(closeTo(missing.values.probability_phishing.map((p, i) => (MISSING_ROWS.includes(i) ? 0 : p!)), kept)).toBeLessThan(1e-5);
    }, 180_000);
  }

  it("netsec serve --model-uri follows the MLflow 2.7.1 registry (DagsHub's version)", async () => {
    const s = await startServe(["--model-uri", `models:/${modelName}@champion`], { MLFLOW_TRACKING_URI: mlflow27() });
    try {
      const info = await modelInfo(s.url);
      expect(info, s.logs.join("")).toMatchObject({ name: modelName, alias: "champion", version: "1", registry: { trackingUri: mlflow27() } });
      const rows = Array.from({ length: test.rows }, (_, r) => Array.from(test.values.subarray(r * test.cols, (r + 1) * test.cols)));
      const response = await fetch(`${s.url}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ columns: features, rows }) });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { predictions: { probability: number }[] };
      expect(closeTo(body.predictions.map((p) => p.probability), expected.phishing)).toBeLessThan(1e-6);
    } finally {
      await s.kill();
    }
  }, 120_000);

  it("the same folder written locally (mlflowModelFolder) loads with mlflow.pyfunc.load_model(<path>)", async () => {
    const dir = join(cwd, "mlflow-model");
    mkdirSync(dir);
    const files = await mlflowModelFolder(readFileSync(join(cwd, "final_model/model.json")), readFileSync(join(cwd, "final_model/model.onnx")), { uuid: "local-test" });
    mkdirSync(join(dir, "code"));
    for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
    const r = await run(PYTHON, [join(ROOT, "tests/tracking/pyfunc_predict.py"), mlflowUri(), dir, rowsFile, JSON.stringify(features)]);
    expect(r.code, r.stderr).toBe(0);
    const answer = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as PyfuncAnswer;
    expect(answer.files).toEqual(["MLmodel", "code", "conda.yaml", "model.json", "model.onnx", "python_env.yaml", "requirements.txt"]);
    expect(closeTo(answer.values.probability_phishing, expected.phishing)).toBeLessThan(1e-5);
  }, 120_000);

  describe("mlflow models serve -m models:/<name>@champion --env-manager local", () => {
    let proc: ChildProcess | undefined;
    let url = "";
    afterAll(() => {
      if (proc?.pid) process.kill(-proc.pid, "SIGTERM");
    });

    it("answers /invocations with netsec's probabilities", async () => {
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      const bin = dirname(PYTHON);
      const logs: string[] = [];
      // Its own process group: the scoring server's workers go with it.
      proc = spawn(join(bin, "mlflow"), ["models", "serve", "-m", `models:/${modelName}@champion`, "--env-manager", "local", "-h", "127.0.0.1", "-p", String(port)], {
        env: { ...process.env, MLFLOW_TRACKING_URI: mlflowUri(), PATH: `${bin}:${process.env.PATH}` },
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      proc.stdout!.on("data", (d) => logs.push(String(d)));
      proc.stderr!.on("data", (d) => logs.push(String(d)));
      for (let i = 0; ; i++) {
        expect(proc.exitCode, logs.join("").slice(-3000)).toBeNull();
        if (await fetch(`${url}/ping`).then((r) => r.ok, () => false)) break;
        if (i > 600) throw new Error(`mlflow models serve did not answer /ping: ${logs.join("").slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const rows = Array.from({ length: test.rows }, (_, r) => Array.from(test.values.subarray(r * test.cols, (r + 1) * test.cols)));
      const response = await fetch(`${url}/invocations`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ dataframe_split: { columns: features, data: rows } }) });
      const text = await response.text();
      expect(response.status, text.slice(0, 2000)).toBe(200);
      const predictions = (JSON.parse(text) as { predictions: { label: number; probability_phishing: number; probability_legitimate: number }[] }).predictions;
      expect(predictions).toHaveLength(test.rows);
      expect(closeTo(predictions.map((p) => p.probability_phishing), expected.phishing)).toBeLessThan(1e-5);
      expect(closeTo(predictions.map((p) => p.probability_legitimate), expected.legitimate)).toBeLessThan(1e-5);
      expect(predictions.every((p, i) => p.label === expected.label[i] || Math.abs(expected.phishing[i] - expected.threshold) < 1e-5)).toBe(true);
    }, 240_000);
  });
});
