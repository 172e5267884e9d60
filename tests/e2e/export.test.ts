/**
 * `netsec train` then `netsec export` under Deno: the push writes final_model/model.onnx, exporting
 * the pushed model gives the same bytes, exporting the run folder gives the same answers, and
 * Python onnxruntime on the run's imputed test rows (transformed/test.npy) answers with the
 * probabilities `netsec predict` writes for those rows. A family ONNX cannot express is pushed
 * without model.onnx (an older one is removed) and `netsec export` refuses it, saying why.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeNpy, splitFeaturesAndLabels } from "../../src/data/npy.ts";
import { DENO, ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";
import { maxDiff, runPython } from "../models/onnx-helpers.ts";

function netsec(cwd: string, args: string[]) {
  return spawnSync(DENO, ["run", "-A", join(ROOT, "src", "cli.ts"), ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", MLFLOW_TRACKING_URI: "" } });
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split("\n").pop()!);

describe.skipIf(!existsSync(SHARED_DATA))("netsec export", () => {
  const cwd = tempDir("netsec-e2e-export-");
  let runDir: string;

  beforeAll(() => {
    copyFileSync(SHARED_DATA, join(cwd, "phisingData.csv"));
    const trained = netsec(cwd, ["train", "--data", "phisingData.csv", "--experiment", join(ROOT, "experiments/fast.yaml"), "--json"]);
    expect(trained.status, trained.stderr).toBe(0);
    runDir = lastJson(trained.stdout).runDir;
  }, 240_000);

  it("push wrote final_model/model.onnx; exporting the pushed model gives the same bytes", () => {
    const pushed = readFileSync(join(cwd, "final_model/model.onnx"));
    const ok = netsec(cwd, ["export", "--format", "onnx", "--output", "out/exported.onnx", "--json"]);
    expect(ok.status, ok.stderr).toBe(0);
    const summary = lastJson(ok.stdout);
    expect(summary).toMatchObject({ output: "out/exported.onnx", format: "onnx", family: expect.any(String), version: 1, bytes: pushed.length });
    expect(readFileSync(join(cwd, "out/exported.onnx")).equals(pushed)).toBe(true);
  });

  it("Python onnxruntime on the run's imputed test rows answers with netsec predict's probabilities (1e-5)", () => {
    const test = splitFeaturesAndLabels(decodeNpy(readFileSync(join(cwd, runDir, "data_transformation/transformed/test.npy"))));
    const predicted = netsec(cwd, ["predict", "--input", join(runDir, "data_validation/validated/test.csv"), "--output", "pred.csv"]);
    expect(predicted.status, predicted.stderr).toBe(0);
    const rows = readFileSync(join(cwd, "pred.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(",").slice(-2).map(Number));
    expect(rows).toHaveLength(test.x.rows);
    for (const file of ["final_model/model.onnx", "run.onnx"]) {
      if (file === "run.onnx") {
        const r = netsec(cwd, ["export", runDir, "--format", "onnx", "--output", "run.onnx"]);
        expect(r.status, r.stderr).toBe(0);
      }
      const py = runPython(new Uint8Array(readFileSync(join(cwd, file))), test.x);
      expect(py.outputNames).toEqual(["label", "probability_phishing", "probability_legitimate"]);
      expect(maxDiff(py.p0, rows.map((r) => r[1])), file).toBeLessThan(1e-5); // probability = P(phishing)
      // The label at the model's decision threshold (manifest.json), as netsec predict decides.
      const threshold = Number(py.info.metadata["netsec.threshold"]);
      expect(threshold).toBe(JSON.parse(readFileSync(join(cwd, "final_model/manifest.json"), "utf8")).threshold);
      expect(py.label.every((l, i) => l === rows[i][0] || Math.abs(rows[i][1] - threshold) < 1e-5), file).toBe(true);
    }
  });

  it("refuses other formats, a folder that is not a run, and two sources", () => {
    let r = netsec(cwd, ["export", "--format", "pmml", "--output", "x"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--format must be onnx");
    r = netsec(cwd, ["export", "Artifacts", "--format", "onnx", "--output", "x.onnx"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Artifacts is not a finished run folder: Artifacts\/model_trainer\/trained_model\/model.json does not exist/);
    r = netsec(cwd, ["export", runDir, "--model-dir", "final_model", "--format", "onnx", "--output", "x.onnx"]);
    expect(r.status).toBe(2);
    expect(existsSync(join(cwd, "x.onnx"))).toBe(false);
  });

  it("a naive_bayes model is pushed without model.onnx (the old one removed) and export says why", () => {
    // Only naive_bayes, with gates it passes (the point is the push without model.onnx).
    const nb = readFileSync(join(ROOT, "experiments/fast.yaml"), "utf8")
      .replace(/candidates:[\s\S]*?\ngates:[\s\S]*$/, "candidates:\n    - family: naive_bayes\n      grid: {}\ngates:\n  min_score: 0.5\n  max_overfit: 0.5\n");
    writeFileSync(join(cwd, "nb.yaml"), nb);
    const r = netsec(cwd, ["train", "--data", "phisingData.csv", "--experiment", "nb.yaml", "--force", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const json = lastJson(r.stdout);
    expect(json).toMatchObject({ pushed: true, modelVersion: 2, bestModel: { family: "naive_bayes", onnxExportable: false } });
    expect(r.stderr).toMatch(/no model\.onnx for this naive_bayes model: the ml-naivebayes model has no ai\.onnx\.ml operator/);
    expect(existsSync(join(cwd, "final_model/model.onnx"))).toBe(false);
    expect(readdirSync(join(cwd, "final_model"))).not.toContain("model.onnx"); // nor a link left dangling
    expect(existsSync(join(cwd, "final_model/versions/1/model.onnx"))).toBe(true);
    expect(JSON.parse(readFileSync(join(cwd, "final_model/manifest.json"), "utf8")).onnx.refused).toMatch(/naivebayes/);
    const e = netsec(cwd, ["export", "--format", "onnx", "--output", "nb.onnx"]);
    expect(e.status).toBe(1);
    expect(e.stderr).toMatch(/error \[EXPORT_REFUSED\]: cannot export the naive_bayes model to ONNX: the ml-naivebayes model has no ai.onnx.ml operator; its export is not implemented/);
  }, 240_000);
});
