/**
 * `netsec predict --explain` explains each distinct row once (on worker threads under Deno) and
 * copies the answer to the row's repeats: on a small file of repeated rows the contributions are
 * the same across a row's copies and exactly those of the un-deduplicated computation (every row
 * explained on its own by a model rebuilt from the model JSON), with workers (Deno) and without
 * (Node, this thread). A short run on a pipe prints no progress lines.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DENO, ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";
import { writeRealModel } from "../serve/real-model.ts";
import { predictFile } from "../../src/predict/predict-file.ts";
import { loadModelFile } from "../../src/models/model-file.ts";
import { modelFromJSON } from "../../src/models/registry.ts";
import { explainPositive } from "../../src/models/explain.ts";
import { restorePreprocessor } from "../../src/models/preprocessor.ts";
import { createFrame } from "../../src/data/frame.ts";
import { distinctRows } from "../../src/predict/explain-rows.ts";

function netsec(cwd: string, args: string[]) {
  return spawnSync(DENO, ["run", "-A", "--quiet", "--config", join(ROOT, "deno.json"), join(ROOT, "src", "cli.ts"), ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", MLFLOW_TRACKING_URI: "" } });
}

/** Rows of an output CSV as numbers (header dropped). */
function readRows(file: string): number[][] {
  return readFileSync(file, "utf8").trim().split("\n").slice(1).map((l) => l.split(",").map(Number));
}

describe.skipIf(!existsSync(SHARED_DATA))("predict --explain: distinct rows once, same numbers", () => {
  const cwd = tempDir("netsec-explain-");
  const modelDir = join(cwd, "final_model");
  const input = join(cwd, "repeats.csv");
  let header: string[];
  let rows: number[][];
  let reference: number[][];

  beforeAll(async () => {
    await writeRealModel(modelDir, 1, 6);
    const lines = readFileSync(SHARED_DATA, "utf8").trim().split(/\r?\n/);
    header = lines[0].split(",").map((h) => h.replace(/^"|"$/g, ""));
    // 30 distinct rows of the real data, each three times, interleaved (copies far apart).
    const seen = new Set<string>();
    const distinct: string[] = [];
    for (const line of lines.slice(1)) {
      const features = line.split(",").slice(0, -1).join(",");
      if (seen.has(features)) continue;
      seen.add(features);
      distinct.push(line);
      if (distinct.length === 30) break;
    }
    const body = [...distinct, ...distinct.slice().reverse(), ...distinct];
    writeFileSync(input, [lines[0], ...body].join("\n") + "\n");
    rows = body.map((l) => l.split(",").map(Number));
    // The un-deduplicated computation: each row alone through a model rebuilt from its JSON.
    const model = await loadModelFile(modelDir);
    const classifier = modelFromJSON(model.file.model);
    const preprocessor = restorePreprocessor(model.file.preprocessor, model.schemaHash);
    const positive = model.target.values.indexOf(model.target.positive) === 0 ? 0 : 1;
    reference = rows.map((row) => {
      const { x } = preprocessor.transformFrame(createFrame(header, 1, Float64Array.from(row)));
      const e = explainPositive(classifier, x, positive);
      return [...e.contributions, e.base];
    });
  });

  const contributionsOf = (out: number[][]) => out.map((r) => r.slice(header.length + 2));

  it("the input repeats: 90 rows, 30 distinct", async () => {
    const { x } = restorePreprocessor((await loadModelFile(modelDir)).file.preprocessor).transformFrame(createFrame(header, rows.length, Float64Array.from(rows.flat())));
    const { first, copies } = distinctRows(x);
    expect(first).toHaveLength(30);
    expect(copies.every((c) => c === 3)).toBe(true);
  });

  it("in this thread (Node): each row's contributions equal the un-deduplicated ones", async () => {
    const output = join(cwd, "node.csv");
    const progress: [number, number][] = [];
    await predictFile({ input, output, modelDir, explain: true, workers: 0, onExplainProgress: (done, total) => progress.push([done, total]) });
    const out = readRows(output);
    expect(contributionsOf(out)).toEqual(reference);
    expect(progress.at(-1)).toEqual([90, 90]);
  });

  it("on worker threads (Deno, netsec predict): the same numbers, equal across a row's copies, no progress lines on a pipe for a short run", () => {
    const r = netsec(cwd, ["predict", "--input", input, "--output", join(cwd, "deno.csv"), "--model-dir", modelDir, "--explain", "--workers", "2"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("rows explained");
    const contributions = contributionsOf(readRows(join(cwd, "deno.csv")));
    expect(contributions).toEqual(reference);
    for (let i = 0; i < 30; i++) {
      expect(contributions[59 - i]).toEqual(contributions[i]);
      expect(contributions[60 + i]).toEqual(contributions[i]);
    }
  });
});
