// A model file whose checksum matches but whose values are wrong (a tampered or hand-edited
// model.json) is refused on load, naming the tree and the node — in loadModelFile (what
// `netsec predict`, evaluate and the server's hot swap call), under Node and under the Deno CLI.
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadSchema, type Schema } from "../../src/schema.ts";
import { loadModelFile } from "../../src/models/model-file.ts";
import { runPush } from "../../src/stages/push.ts";
import { Preprocessor } from "../../src/models/preprocessor.ts";
import { createFrame } from "../../src/data/frame.ts";
import { createModel } from "../../src/models/registry.ts";
import { parseExperiment } from "../../src/experiment.ts";
import { decidePush } from "../../src/stages/gates.ts";
import { ModelStore } from "../../src/serve/model-store.ts";
import { DENO, ROOT, tempDir } from "../helpers/env.ts";
import { syntheticData } from "./synthetic.ts";

const experiment = parseExperiment("name: t\nsearch:\n  candidates:\n    - family: hist_forest\n");
let schema: Schema;

beforeAll(async () => {
  schema = await loadSchema();
});

async function push(modelDir: string, family = "hist_forest", params: Record<string, unknown> = { n_estimators: 3, seed: 1 }): Promise<void> {
  const { x, y } = syntheticData(300, 30, 1);
  const values = new Float64Array(300 * 31);
  for (let r = 0; r < 300; r++) {
    values.set(x.values.subarray(r * 30, r * 30 + 30), r * 31);
    values[r * 31 + 30] = schema.targetValue(y[r]);
  }
  const preprocessor = Preprocessor.fit(createFrame(schema.columns, 300, values), schema, { k: 3 });
  const model = createModel(family, params as never);
  await model.fit(x, y);
  const decision = decidePush({ scoring: "f1", testScore: 0.9, trainScore: 0.92, gates: experiment.gates, force: true });
  await runPush({ model, preprocessor, metrics: { f1: 0.9 }, cv: { meanScore: 0.9, stdScore: 0.01, folds: 3 }, dataFingerprint: "abc", decision }, { experiment: { name: experiment.name, seed: experiment.seed, scoring: experiment.search.scoring }, schema, modelDir });
}

/** Rewrite the current set's model.json with `edit` and sign it again (checksum + manifest), as a tamperer would. */
function tamper(modelDir: string, edit: (file: { model: { state: Record<string, unknown> } }) => string | void): void {
  // The current set (versions/<n>/ behind the `current` link; a folder from before sets: itself).
  const set = existsSync(join(modelDir, "current")) ? join(modelDir, "current") : modelDir;
  const path = join(set, "model.json");
  const file = JSON.parse(readFileSync(path, "utf8"));
  const text = edit(file) ?? JSON.stringify(file);
  const sha = createHash("sha256").update(text).digest("hex");
  writeFileSync(path, text);
  writeFileSync(join(set, "model.json.sha256"), `${sha}  model.json\n`);
  const manifest = JSON.parse(readFileSync(join(set, "manifest.json"), "utf8"));
  writeFileSync(join(set, "manifest.json"), JSON.stringify({ ...manifest, sha256: sha }));
}

type Trees = { feature: unknown[]; threshold: unknown[]; right: unknown[]; value: unknown[]; roots: number[] };
const trees = (file: { model: { state: Record<string, unknown> } }) => file.model.state.trees as Trees;
/** The first split node of tree 1 (a node that is not a leaf). */
const splitOfTree1 = (t: Trees) => {
  for (let i = t.roots[1]; i < t.roots[2]; i++) if (t.feature[i] !== -1) return i;
  throw new Error("tree 1 has no split");
};

describe("model values are checked on load", () => {
  it("a threshold 'NaN' or null, a split feature 'abc' or 31: refused naming tree and node", async () => {
    const cases: [string, (t: Trees, i: number) => void, RegExp][] = [
      ["NaN", (t, i) => (t.threshold[i] = "NaN"), /tree 1, node \d+ \(index \d+\): threshold "NaN" is not a finite number/],
      ["null", (t, i) => (t.threshold[i] = null), /tree 1, node \d+ \(index \d+\): threshold null is not a finite number/],
      ["abc", (t, i) => (t.feature[i] = "abc"), /tree 1, node \d+ \(index \d+\): split feature "abc" is not a feature index \(an integer from 0 to 29, or -1 for a leaf\)/],
      ["31", (t, i) => (t.feature[i] = 31), /tree 1, node \d+ \(index \d+\): split feature 31 is not a feature index/],
      ["2.5", (t, i) => (t.feature[i] = 2.5), /split feature 2\.5 is not a feature index/],
    ];
    for (const [, edit, message] of cases) {
      const dir = join(tempDir(), "final_model");
      await push(dir);
      tamper(dir, (file) => {
        const t = trees(file);
        edit(t, splitOfTree1(t));
      });
      await expect(loadModelFile(dir, { schema })).rejects.toThrow(message);
      await expect(loadModelFile(dir, { schema })).rejects.toThrow(/^refusing to load the model in .*: hist_forest model state is damaged: /);
    }
  });

  it("a 200,000-level tree is refused at the depth limit, without a stack overflow", async () => {
    const dir = join(tempDir(), "final_model");
    await push(dir);
    const depth = 200_000;
    tamper(dir, (file) => {
      const n = 2 * depth + 1;
      const t: Trees = { feature: [], threshold: [], right: [], value: [], roots: [0] };
      for (let i = 0; i < n; i++) {
        const split = i % 2 === 0 && i < n - 1;
        t.feature.push(split ? 0 : -1);
        t.threshold.push(split ? 0.5 : 0);
        t.right.push(split ? i + 2 : -1);
        t.value.push(0.5);
      }
      file.model.state.trees = t;
    });
    const error = (await loadModelFile(dir, { schema }).then(() => new Error("loaded"), (e) => e)) as Error;
    expect(error.message).toMatch(/tree 0, node 1023 \(index 1023\): the tree is deeper than 512 levels/);
  });

  it("decision_tree (ml-cart's nested JSON): NaN split values and a 200,000-level tree are refused by node", async () => {
    const dir = join(tempDir(), "final_model");
    await push(dir, "decision_tree", { max_depth: 3 });
    tamper(dir, (file) => {
      ((file.model.state.tree as { root: Record<string, unknown> }).root).splitValue = "NaN";
    });
    await expect(loadModelFile(dir, { schema })).rejects.toThrow(/decision_tree model state is damaged: the tree, node 0 \(depth 1\): split value "NaN" is not a finite number/);
    const deep = `${'{"splitColumn":0,"splitValue":0.5,"left":{"distribution":[[0.5,0.5]]},"right":'.repeat(200_000)}{"distribution":[[0.5,0.5]]}${"}".repeat(200_000)}`;
    tamper(dir, (file) => {
      (file.model.state.tree as { root: unknown }).root = "__ROOT__";
      return JSON.stringify(file).replace('"__ROOT__"', deep);
    });
    await expect(loadModelFile(dir, { schema })).rejects.toThrow(/the tree, node \d+ \(depth 513\): the tree is deeper than 512 levels/);
  });

  it("netsec predict (Deno) refuses the tampered model in one line naming tree and node", async () => {
    const dir = join(tempDir(), "final_model");
    await push(dir);
    tamper(dir, (file) => {
      const t = trees(file);
      t.threshold[splitOfTree1(t)] = null;
    });
    const input = join(tempDir(), "rows.csv");
    writeFileSync(input, `${schema.featureNames.map((f) => `"${f}"`).join(",")}\n${schema.featureNames.map(() => 1).join(",")}\n`);
    const result = spawnSync(DENO, ["run", "-A", "--quiet", "--config", join(ROOT, "deno.json"), join(ROOT, "src", "cli.ts"), "predict", "--input", input, "--output", join(tempDir(), "out.csv"), "--model-dir", dir], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^netsec predict: error \[MODEL_INVALID\]: refusing to load the model in .*: hist_forest model state is damaged: tree 1, node \d+ \(index \d+\): threshold null is not a finite number/);
  });

  it("the hot swap keeps serving the old model and reports the tampered one by tree and node", async () => {
    const dir = join(tempDir(), "final_model");
    await push(dir);
    const events: string[] = [];
    const store = new ModelStore({ dir, load: (d) => loadModelFile(d, { schema }), pollMs: 0, onEvent: (e) => events.push(e) });
    await store.check();
    expect(store.status().version).toBe("1");
    await push(dir); // version 2, then damaged
    tamper(dir, (file) => {
      const t = trees(file);
      t.feature[splitOfTree1(t)] = "abc";
    });
    await store.check();
    expect(store.status().version).toBe("1");
    expect(store.status().lastError).toMatch(/tree 1, node \d+ \(index \d+\): split feature "abc" is not a feature index/);
    expect(events.at(-1)).toMatch(/not loaded, still serving version 1/);
  });
});
