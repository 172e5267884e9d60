// A push writes the model files as one set: `kill -9` of a real `netsec train` (Deno) at many
// points of its push always leaves final_model loadable, with model.json, its checksum and the
// manifest from the same set (the old one or the new one), through the loader and through the
// top-level files other readers open. Readers running during pushes never see a mix either.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, readlinkSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadModelFile } from "../../src/models/model-file.ts";
import { runPush } from "../../src/stages/push.ts";
import { Preprocessor } from "../../src/models/preprocessor.ts";
import { createFrame } from "../../src/data/frame.ts";
import { createModel } from "../../src/models/registry.ts";
import { parseExperiment } from "../../src/experiment.ts";
import { decidePush } from "../../src/stages/gates.ts";
import type { Schema } from "../../src/schema.ts";
import { syntheticData } from "../models/synthetic.ts";
import { loadSchema } from "../../src/schema.ts";
import { DENO, ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";

const EXPERIMENT = `name: push-kill
seed: 7
split: { test_ratio: 0.2 }
validation: { max_invalid_share: 0.01, drift_p_value: 0.05, fail_on_drift: false }
transform: { knn_neighbors: 3 }
search:
  folds: 2
  workers: 0
  candidates:
    - family: hist_forest
      grid: { n_estimators: [60] }
gates: { min_score: 0.5, max_overfit: 0.2 }
`;

/** Push a small model fitted with seed `seed` (each seed a different model.json). */
async function pushSynthetic(modelDir: string, schema: Schema, seed: number): Promise<void> {
  const { x, y } = syntheticData(200, 30, seed + 1);
  const values = new Float64Array(200 * 31);
  for (let r = 0; r < 200; r++) {
    values.set(x.values.subarray(r * 30, r * 30 + 30), r * 31);
    values[r * 31 + 30] = schema.targetValue(y[r]);
  }
  const experiment = parseExperiment("name: t\nsearch:\n  candidates:\n    - family: hist_forest\n");
  const model = createModel("hist_forest", { n_estimators: 2, seed: seed + 1 });
  model.fit(x, y);
  const decision = decidePush({ scoring: "f1", testScore: 0.9, trainScore: 0.9, gates: experiment.gates, force: true });
  await runPush({ model, preprocessor: Preprocessor.fit(createFrame(schema.columns, 200, values), schema, { k: 3 }), metrics: { f1: 0.9 }, cv: { meanScore: 0.9, stdScore: 0, folds: 3 }, dataFingerprint: String(seed), decision }, { experiment: { name: experiment.name, seed: experiment.seed, scoring: experiment.search.scoring }, schema, modelDir });
}

interface TrainRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Filesystem events seen under the model folder before the kill. */
  events: number;
}

/**
 * `netsec train --force` under Deno; with `killAt`, SIGKILL it at the killAt-th change under
 * modelDir, or at the first change of a path matching it.
 */
function train(dir: string, modelDir: string, killAt?: number | RegExp): Promise<TrainRun> {
  const experiment = join(dir, "exp.yaml");
  if (!existsSync(experiment)) writeFileSync(experiment, EXPERIMENT);
  return new Promise((resolve) => {
    const child = spawn(DENO, ["run", "-A", "--quiet", "--config", join(ROOT, "deno.json"), join(ROOT, "src", "cli.ts"), "train", "--data", SHARED_DATA, "--experiment", experiment, "--artifacts", join(dir, "Artifacts"), "--model-dir", modelDir, "--force"], {
      cwd: dir,
      stdio: "ignore",
      env: { ...process.env, MLFLOW_TRACKING_URI: "" },
    });
    let events = 0;
    const watcher = killAt === undefined ? undefined : watch(modelDir, { recursive: true }, (_type, name) => {
      events++;
      if (typeof killAt === "number" ? events === killAt : killAt.test(String(name))) child.kill("SIGKILL");
    });
    // Node's recursive watcher rescans new folders; one already renamed away is not an error here.
    watcher?.on("error", () => {});
    child.on("exit", (code, signal) => {
      watcher?.close();
      resolve({ code, signal, events });
    });
  });
}

/** The version final_model serves, checked the two ways readers read it. */
async function servedVersion(modelDir: string, schema: Awaited<ReturnType<typeof loadSchema>>): Promise<number> {
  const loaded = await loadModelFile(modelDir, { schema });
  // Top-level files (notebooks, other tools): model.json, checksum and manifest agree.
  const bytes = readFileSync(join(modelDir, "model.json"));
  const sha = createHash("sha256").update(bytes).digest("hex");
  expect(readFileSync(join(modelDir, "model.json.sha256"), "utf8").split(/\s+/)[0]).toBe(sha);
  expect(JSON.parse(readFileSync(join(modelDir, "manifest.json"), "utf8")).sha256).toBe(sha);
  expect(loaded.sha256).toBe(sha);
  return loaded.version;
}

describe("push is atomic as a set", () => {
  it("a reader loading the model while pushes run always gets one whole set (never a checksum of another)", { timeout: 60_000 }, async () => {
    const schema = await loadSchema();
    const dir = tempDir("netsec-push-read-");
    const modelDir = join(dir, "final_model");
    await pushSynthetic(modelDir, schema, 0);
    let pushing = true;
    const failures: string[] = [];
    const seen = new Set<number>();
    const reader = (async () => {
      while (pushing) {
        try {
          seen.add((await loadModelFile(modelDir, { schema })).version);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    })();
    for (let i = 1; i <= 40; i++) await pushSynthetic(modelDir, schema, i);
    pushing = false;
    await reader;
    expect(failures.slice(0, 3)).toEqual([]);
    expect(seen.size).toBeGreaterThan(5);
  });

  it("kill -9 of netsec train at each point of its push leaves final_model loadable, old set or new", { timeout: 240_000 }, async () => {
    const schema = await loadSchema();
    const dir = tempDir("netsec-push-kill-");
    const modelDir = join(dir, "final_model");
    const first = await train(dir, modelDir);
    expect(first.code).toBe(0);
    expect(await servedVersion(modelDir, schema)).toBe(1);
    const outcomes: string[] = [];
    // A push makes ~12 changes under final_model (staging folder, its files, the rename, the
    // switch of `current`); the kill lands at or a little after the n-th, or after the first
    // change of a given file (the model or its checksum in a staging folder or at the top level).
    const points: (number | RegExp)[] = [1, 4, 7, 10, 13, /partial[^/]*\/model\.json$/, /^versions\/\d+$/, /^current/];
    for (const killAt of points) {
      const before = await servedVersion(modelDir, schema);
      const run = await train(dir, modelDir, killAt);
      const after = await servedVersion(modelDir, schema);
      // The old set, or the one this run wrote (a number above the old one: a set written by a
      // run killed before its switch keeps its number and is never current).
      const newest = Math.max(...readdirSync(join(modelDir, "versions")).filter((n) => /^\d+$/.test(n)).map(Number));
      expect([before, newest]).toContain(after);
      outcomes.push(`${killAt}:${run.signal ?? run.code}:${after === before ? "old" : "new"}`);
      // Whatever was left behind (a staging folder, a version never made current), the next
      // push goes through and becomes current.
      if (killAt === 7) {
        const next = await train(dir, modelDir);
        expect(next.code).toBe(0);
        expect(await servedVersion(modelDir, schema)).toBeGreaterThan(after);
      }
    }
    console.log(`push-kill outcomes (kill at event n: exit: set served): ${outcomes.join(" ")}`);
    // The kills landed inside the push (killed runs that left the old set current).
    expect(outcomes.some((o) => o.endsWith(":SIGKILL:old"))).toBe(true);
    // The sets are versions/<n>/, `current` points at one of them, the top-level files are links through it.
    expect(readlinkSync(join(modelDir, "current"))).toMatch(/^versions\/\d+$/);
    expect(readlinkSync(join(modelDir, "model.json"))).toBe("current/model.json");
    expect(readdirSync(join(modelDir, "versions")).filter((n) => /^\d+$/.test(n)).length).toBeGreaterThan(3);
  });
});
