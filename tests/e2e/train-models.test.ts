/**
 * End to end under Deno: `netsec train --json` on the real data runs the whole pipeline and pushes a
 * model; a second identical run (forced, so it pushes again) gives a byte-identical model.json.
 * The split keeps identical feature vectors on one side; the grouped and the leaky CV score are
 * both reported; a model trained on another seed's split is compared with the pushed one only on
 * the test rows neither was trained on.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { DENO, ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";
import { loadModelFile } from "../../src/models/model-file.ts";
import { readCsv } from "../../src/data/csv.ts";
import { loadSchema } from "../../src/schema.ts";
import { classificationMetrics } from "../../src/stats/metrics.ts";
import { classesAt } from "../../src/stats/threshold.ts";

interface TrainJson {
  runDir: string;
  bestModel: { family: string; params: Record<string, unknown>; cvScore: number; cvProtocol: string; onnxExportable: boolean };
  cv: { grouped: { mean: number; std: number; folds: number[] }; leaky: { mean: number; std: number; folds: number[] } };
  threshold: number;
  metrics: Record<string, number>;
  pushed: boolean;
  pushReasons: string[];
  modelVersion: number | null;
}

function train(cwd: string, args: string[] = []): { json: TrainJson; stderr: string } {
  const result = spawnSync(DENO, ["run", "-A", join(ROOT, "src", "cli.ts"), "train", "--data", "phisingData.csv", "--json", ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", MLFLOW_TRACKING_URI: "" },
  });
  if (result.status !== 0) throw new Error(`netsec train failed (${result.status}): ${result.stderr}`);
  const lines = result.stdout.trim().split("\n");
  return { json: JSON.parse(lines[lines.length - 1]) as TrainJson, stderr: result.stderr };
}

describe.skipIf(!existsSync(SHARED_DATA))("netsec train → evaluate → push on the real data (Deno)", () => {
  it("pushes a model, and the same data + seed give the same model bytes", async () => {
    const cwd = tempDir("netsec-e2e-models-");
    copyFileSync(SHARED_DATA, join(cwd, "phisingData.csv"));
    const first = train(cwd);
    expect(first.json.pushed).toBe(true);
    expect(first.json.modelVersion).toBe(1);
    expect(first.json.metrics.f1).toBeGreaterThan(0.93);
    expect(first.stderr).toMatch(/search \(\d+ candidates × 3 grouped folds, \+ the winner on leaky folds/);
    const run1 = join(cwd, first.json.runDir);
    // No feature vector of test.csv is in train.csv.
    const vectors = (file: string) => readFileSync(join(run1, "data_ingestion/ingested", file), "utf8").trim().split("\n").slice(1).map((l) => l.split(",").slice(0, -1).join(","));
    const trainVectors = new Set(vectors("train.csv"));
    expect(vectors("test.csv").filter((v) => trainVectors.has(v))).toEqual([]);
    // Both CV protocols of the winner in the summary and the report; the leaky one is optimistic.
    expect(first.json.bestModel.cvProtocol).toBe("grouped");
    expect(first.json.cv.grouped.mean).toBe(first.json.bestModel.cvScore);
    expect(first.json.cv.leaky.mean).toBeGreaterThan(first.json.cv.grouped.mean);
    const report = readFileSync(join(run1, "report.html"), "utf8");
    expect(report).toContain("Grouped and leaky cross-validation of the winner");
    expect(report).toContain(first.json.cv.leaky.mean.toFixed(4).replace(/0+$/, ""));
    // The threshold chosen on out-of-fold predictions is the pushed model's.
    const manifest = JSON.parse(readFileSync(join(cwd, "final_model/manifest.json"), "utf8"));
    expect(manifest.threshold).toBe(first.json.threshold);
    expect(manifest.thresholdRule).toMatchObject({ rule: "best F1", on: "out-of-fold predictions of the training split (grouped 3-fold CV)" });
    for (const f of ["model_trainer/trained_model/model.json", "model_trainer/leaderboard.csv", "model_evaluation/metrics.json", "model_evaluation/confusion.json", "model_evaluation/comparison.json", "report.html"]) {
      expect(existsSync(join(run1, f)), f).toBe(true);
    }
    // The run's report is linked from the runs index next to the run folders.
    expect(readFileSync(join(cwd, "Artifacts", "index.html"), "utf8")).toContain(`${first.json.runDir.split("/").pop()}/report.html`);
    const leaderboard = readFileSync(join(run1, "model_trainer/leaderboard.csv"), "utf8").split("\n");
    expect(leaderboard[0]).toMatch(/^rank,family,params,scoring,mean_score,std_score,fold_1,fold_2,fold_3,fit_seconds,onnx,note$/);
    expect(leaderboard[1]).toContain(first.json.bestModel.family);
    // The pushed model also as ONNX, recorded in the manifest and kept with its version.
    const onnx = readFileSync(join(cwd, "final_model/model.onnx"));
    expect(manifest.onnx).toEqual({ sha256: createHash("sha256").update(onnx).digest("hex"), bytes: onnx.length });
    expect(readFileSync(join(cwd, "final_model/versions/1/model.onnx")).equals(onnx)).toBe(true);
    expect(first.json.bestModel.onnxExportable).toBe(true);
    const confusion = JSON.parse(readFileSync(join(run1, "model_evaluation/confusion.json"), "utf8"));
    expect(confusion.roc.fpr.length).toBeGreaterThan(2);

    // Same data and seed again: not better than itself, so only --force pushes it (as version 2).
    const second = train(cwd, ["--force"]);
    expect(second.json.pushed).toBe(true);
    expect(second.json.pushReasons[0]).toMatch(/not better than the current model on the \d+ test rows neither model was trained on: f1 .* pushed anyway \(--force\)/);
    expect(second.json.modelVersion).toBe(2);
    const v1 = readFileSync(join(cwd, "final_model/versions/1/model.json"));
    const v2 = readFileSync(join(cwd, "final_model/versions/2/model.json"));
    expect(v2.equals(v1)).toBe(true);
    expect(readFileSync(join(cwd, first.json.runDir, "model_trainer/trained_model/model.json")).equals(readFileSync(join(cwd, second.json.runDir, "model_trainer/trained_model/model.json")))).toBe(true);
    const comparison = JSON.parse(readFileSync(join(cwd, second.json.runDir, "model_evaluation/comparison.json"), "utf8"));
    expect(comparison.current.version).toBe(1);
    expect(comparison.current.score).toBe(comparison.new.score);
    // same split: the current model saw none of the test rows
    expect(comparison.comparedOn).toMatchObject({ seenByCurrent: 0, seenByNew: 0 });
    expect(comparison.comparedOn.rows).toBe(comparison.comparedOn.of);

    // Another seed, another split: most of its test rows were in version 2's training rows. They
    // are left out; both models are scored on the rest, each at its own threshold.
    writeFileSync(join(cwd, "seed7.yaml"), readFileSync(join(ROOT, "experiments/default.yaml"), "utf8").replace(/^seed: 42$/m, "seed: 7"));
    const third = train(cwd, ["--experiment", "seed7.yaml"]);
    const run3 = join(cwd, third.json.runDir);
    const fair = JSON.parse(readFileSync(join(run3, "model_evaluation/comparison.json"), "utf8"));
    const on = fair.comparedOn;
    expect(on.seenByNew).toBe(0);
    expect(on.seenByCurrent).toBeGreaterThan(on.of / 2);
    expect(on.rows).toBe(on.of - on.seenByCurrent);
    expect(on.reason).toBe(`the current model (v2) was trained on ${on.seenByCurrent} of the ${on.of} test rows and the new one on 0; both are compared on the ${on.rows} test rows neither was trained on, each at its own threshold`);
    // recompute the current model's score on those rows from the files alone
    const schema = await loadSchema();
    const seen = new Set(readFileSync(join(cwd, second.json.runDir, "data_validation/validated/train.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(",").slice(0, -1).join(",")));
    const testText = readFileSync(join(run3, "data_validation/validated/test.csv"), "utf8");
    const testLines = testText.trim().split("\n").slice(1);
    const test = (await readCsv(join(run3, "data_validation/validated/test.csv"))).frame;
    const model = await loadModelFile(join(cwd, "final_model/versions/2"), { schema });
    const probability = model.predictFrame(test).probability;
    const keep = testLines.map((l, i) => (seen.has(l.split(",").slice(0, -1).join(",")) ? -1 : i)).filter((i) => i >= 0);
    expect(keep.length).toBe(on.rows);
    const y = Uint8Array.from(keep, (i) => schema.classIndex(Number(testLines[i].split(",").at(-1))));
    const p = Float64Array.from(keep, (i) => probability[i]);
    const f1 = classificationMetrics(y, classesAt(p, schema.positiveIndex, manifest.threshold), p, schema.positiveIndex).f1;
    expect(fair.current.score).toBeCloseTo(f1, 12);
    expect(fair.current.threshold).toBe(manifest.threshold);
    expect(third.json.pushReasons[0]).toMatch(new RegExp(`(better|not better) than the current model on the ${on.rows} test rows neither model was trained on`));
  }, 240_000);
});
