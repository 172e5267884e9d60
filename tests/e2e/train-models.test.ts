/**
 * End to end under Deno: `netsec train --json` on the real data runs the whole pipeline and pushes a
 * model; a second identical run (forced, so it pushes again) gives a byte-identical model.json.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { DENO, ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";

interface TrainJson {
  runDir: string;
  bestModel: { family: string; params: Record<string, unknown>; cvScore: number; onnxExportable: boolean };
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
  it("pushes a model, and the same data + seed give the same model bytes", () => {
    const cwd = tempDir("netsec-e2e-models-");
    copyFileSync(SHARED_DATA, join(cwd, "phisingData.csv"));
    const first = train(cwd);
    expect(first.json.pushed).toBe(true);
    expect(first.json.modelVersion).toBe(1);
    expect(first.json.metrics.f1).toBeGreaterThan(0.95);
    expect(first.stderr).toMatch(/search \(\d+ candidates × 3 folds/);
    const run1 = join(cwd, first.json.runDir);
    for (const f of ["model_trainer/trained_model/model.json", "model_trainer/leaderboard.csv", "model_evaluation/metrics.json", "model_evaluation/confusion.json", "model_evaluation/comparison.json", "report.html"]) {
      expect(existsSync(join(run1, f)), f).toBe(true);
    }
    // The run's report is linked from the runs index next to the run folders.
    expect(readFileSync(join(cwd, "Artifacts", "index.html"), "utf8")).toContain(`${first.json.runDir.split("/").pop()}/report.html`);
    const leaderboard = readFileSync(join(run1, "model_trainer/leaderboard.csv"), "utf8").split("\n");
    expect(leaderboard[0]).toMatch(/^rank,family,params,scoring,mean_score,std_score,fold_1,fold_2,fold_3,fit_seconds,onnx,note$/);
    expect(leaderboard[1]).toContain(first.json.bestModel.family);
    // The pushed model also as ONNX, recorded in the manifest and kept with its version.
    const manifest = JSON.parse(readFileSync(join(cwd, "final_model/manifest.json"), "utf8"));
    const onnx = readFileSync(join(cwd, "final_model/model.onnx"));
    expect(manifest.onnx).toEqual({ sha256: createHash("sha256").update(onnx).digest("hex"), bytes: onnx.length });
    expect(readFileSync(join(cwd, "final_model/versions/1/model.onnx")).equals(onnx)).toBe(true);
    expect(first.json.bestModel.onnxExportable).toBe(true);
    const confusion = JSON.parse(readFileSync(join(run1, "model_evaluation/confusion.json"), "utf8"));
    expect(confusion.roc.fpr.length).toBeGreaterThan(2);

    // Same data and seed again: not better than itself, so only --force pushes it (as version 2).
    const second = train(cwd, ["--force"]);
    expect(second.json.pushed).toBe(true);
    expect(second.json.pushReasons[0]).toMatch(/not better than the current model: f1 .* pushed anyway \(--force\)/);
    expect(second.json.modelVersion).toBe(2);
    const v1 = readFileSync(join(cwd, "final_model/versions/1/model.json"));
    const v2 = readFileSync(join(cwd, "final_model/versions/2/model.json"));
    expect(v2.equals(v1)).toBe(true);
    expect(readFileSync(join(cwd, first.json.runDir, "model_trainer/trained_model/model.json")).equals(readFileSync(join(cwd, second.json.runDir, "model_trainer/trained_model/model.json")))).toBe(true);
    const comparison = JSON.parse(readFileSync(join(cwd, second.json.runDir, "model_evaluation/comparison.json"), "utf8"));
    expect(comparison.current.version).toBe(1);
    expect(comparison.current.score).toBe(comparison.new.score);
  });
});
