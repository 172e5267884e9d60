import { readFileSync, writeFileSync, existsSync } from "node:fs";
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
import { tempDir } from "../helpers/env.ts";
import { syntheticData } from "./synthetic.ts";

const experiment = parseExperiment("name: t\nsearch:\n  candidates:\n    - family: hist_forest\n");
let schema: Schema;

async function pushModel(modelDir: string, seed = 1) {
  const { x, y } = syntheticData(300, 30, seed);
  const values = new Float64Array(300 * 31);
  for (let r = 0; r < 300; r++) {
    values.set(x.values.subarray(r * 30, r * 30 + 30), r * 31);
    values[r * 31 + 30] = schema.targetValue(y[r]);
  }
  const frame = createFrame(schema.columns, 300, values);
  const preprocessor = Preprocessor.fit(frame, schema, { k: 3 });
  const model = createModel("hist_forest", { n_estimators: 5, seed: 1 });
  model.fit(x, y);
  const decision = decidePush({ scoring: "f1", testScore: 0.9, trainScore: 0.92, gates: experiment.gates, force: true });
  const pushed = await runPush({ model, preprocessor, metrics: { f1: 0.9 }, cv: { meanScore: 0.9, stdScore: 0.01, folds: 3 }, dataFingerprint: "abc", decision }, { experiment: { name: experiment.name, seed: experiment.seed, scoring: experiment.search.scoring }, schema, modelDir, now: new Date("2026-01-02T03:04:05Z") });
  return { pushed, frame, x, model };
}

beforeAll(async () => {
  schema = await loadSchema();
});

describe("model file", () => {
  it("push writes model.json + checksum + manifest + card, keeps versions, and loads back with the same predictions", async () => {
    const dir = join(tempDir(), "final_model");
    const first = await pushModel(dir);
    expect(first.pushed).toMatchObject({ pushed: true, version: 1 });
    const second = await pushModel(dir);
    expect(second.pushed.version).toBe(2);
    for (const f of ["model.json", "model.json.sha256", "manifest.json", "MODEL_CARD.md", "versions/1/model.json", "versions/2/model.json"]) expect(existsSync(join(dir, f))).toBe(true);
    // Same inputs → byte-identical model.json (volatile fields live in manifest.json).
    expect(readFileSync(join(dir, "versions/1/model.json"), "utf8")).toBe(readFileSync(join(dir, "versions/2/model.json"), "utf8"));
    const loaded = await loadModelFile(dir, { schema });
    expect(loaded.version).toBe(2);
    expect(loaded.createdAt).toBe("2026-01-02T03:04:05.000Z");
    expect(loaded.family).toBe("hist_forest");
    const batch = loaded.predictFrame(first.frame);
    const p1 = first.model.predictProba(first.x);
    const positive = schema.positiveIndex;
    expect(Array.from(batch.probability)).toEqual(Array.from(p1, (p) => (positive === 1 ? p : 1 - p)));
    for (const v of batch.prediction) expect(schema.target.allowed).toContain(v);
    expect(readFileSync(join(dir, "MODEL_CARD.md"), "utf8")).toMatch(/# Model card: hist_forest \(version 2\)/);
  });

  it("the threshold: stored in manifest.json and the model card, used by the predictions; older manifests mean 0.5", async () => {
    const dir = join(tempDir(), "final_model");
    const { frame, x, model } = await pushModel(dir);
    const manifestPath = join(dir, "manifest.json");
    const loadedOld = await loadModelFile(dir, { schema });
    expect(loadedOld.threshold).toBe(0.5); // pushed without a threshold, like files from before
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, threshold: 0.8 }));
    const loaded = await loadModelFile(dir, { schema });
    expect(loaded.threshold).toBe(0.8);
    const p1 = model.predictProba(x);
    const phishing = schema.target.positive;
    const expected = Array.from(p1, (p) => ((schema.positiveIndex === 1 ? p : 1 - p) >= 0.8 ? phishing : -phishing));
    expect(Array.from(loaded.predictFrame(frame).prediction)).toEqual(expected);
    expect(Array.from(loaded.predictFrame(frame, { threshold: 0 }).prediction).every((v) => v === phishing)).toBe(true);
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, threshold: "high" }));
    await expect(loadModelFile(dir, { schema })).rejects.toThrow(/manifest\.json threshold "high" is not a number in \[0, 1\]/);

    const withRule = join(tempDir(), "final_model");
    const { x: x2, y: y2 } = syntheticData(300, 30, 1);
    const preprocessor = Preprocessor.fit(frame, schema, { k: 3 });
    const m2 = createModel("hist_forest", { n_estimators: 5, seed: 1 });
    m2.fit(x2, y2);
    const decision = decidePush({ scoring: "f1", testScore: 0.95, trainScore: 0.96, gates: experiment.gates });
    await runPush({ model: m2, preprocessor, metrics: { f1: 0.95 }, cv: { meanScore: 0.94, stdScore: 0.01, folds: 3, protocol: "grouped" }, dataFingerprint: "abc", decision,
      threshold: { value: 0.4321, record: { rule: "recall ≥ 0.99", on: "out-of-fold predictions of the training split (grouped 3-fold CV)", met: true, precision: 0.9, recall: 0.991, f1: 0.943 } } }, { experiment: { name: experiment.name, seed: experiment.seed, scoring: experiment.search.scoring }, schema, modelDir: withRule });
    expect(JSON.parse(readFileSync(join(withRule, "manifest.json"), "utf8"))).toMatchObject({ threshold: 0.4321, thresholdRule: { rule: "recall ≥ 0.99", recall: 0.991 } });
    const card = readFileSync(join(withRule, "MODEL_CARD.md"), "utf8");
    expect(card).toContain("predict Result = -1 (phishing) when P(phishing) ≥ **0.4321**");
    expect(card).toContain("chosen by recall ≥ 0.99 on out-of-fold predictions of the training split (grouped 3-fold CV): precision 0.9000, recall 0.9910, F1 0.9430");
    expect(card).toContain("over 3 grouped folds (identical feature vectors never in two folds)");
    expect((await loadModelFile(withRule, { schema })).threshold).toBe(0.4321);
  });

  it("refuses a tampered model file (checksum mismatch)", async () => {
    const dir = join(tempDir(), "final_model");
    await pushModel(dir);
    const path = join(dir, "model.json");
    writeFileSync(path, readFileSync(path, "utf8").replace('"f1":0.9', '"f1":0.99'));
    await expect(loadModelFile(dir, { schema })).rejects.toThrow(/refusing to load the model in .*: checksum mismatch: model\.json\.sha256 says [0-9a-f]{64}, the file hashes to [0-9a-f]{64} \(corrupted or modified\)/);
  });

  it("refuses a truncated file, a missing checksum, another format version and another schema", async () => {
    const dir = join(tempDir(), "final_model");
    await pushModel(dir);
    const path = join(dir, "model.json");
    const text = readFileSync(path, "utf8");
    const { createHash } = await import("node:crypto");
    const sign = (body: string) => {
      writeFileSync(path, body);
      writeFileSync(join(dir, "model.json.sha256"), `${createHash("sha256").update(body).digest("hex")}  model.json\n`);
      writeFileSync(join(dir, "manifest.json"), JSON.stringify({ format: "netsec-model-manifest", version: 1, createdAt: "x", sha256: createHash("sha256").update(body).digest("hex") }));
    };
    sign(text.slice(0, 200));
    await expect(loadModelFile(dir, { schema })).rejects.toThrow(/model\.json is not valid JSON/);
    sign(text.replace('"formatVersion":1', '"formatVersion":99'));
    await expect(loadModelFile(dir, { schema })).rejects.toThrow(/format version 99 is not supported \(this netsec reads version 1\)/);
    sign(text.replace(/"schemaHash":"[0-9a-f]+"/, '"schemaHash":"0000"'));
    await expect(loadModelFile(dir, { schema })).rejects.toThrow(/it was trained for a different data contract/);
    sign(text.replace('"family":"hist_forest"', '"family":"eval"'));
    await expect(loadModelFile(dir, { schema })).rejects.toThrow(/model family "eval" is not known/);
    writeFileSync(join(dir, "model.json.sha256"), "");
    const { rmSync } = await import("node:fs");
    // The pushed set lives in versions/<n>/ (final_model/<file> are links through `current`).
    rmSync(join(dir, "current", "model.json.sha256"));
    await expect(loadModelFile(dir, { schema })).rejects.toThrow(/its checksum file model\.json\.sha256 is missing/);
  });

  it("says clearly when there is no model", async () => {
    await expect(loadModelFile(join(tempDir(), "nothing"), { schema })).rejects.toThrow(/no model in .*nothing: .*model\.json does not exist \(run `netsec train` first\)/);
  });
});
