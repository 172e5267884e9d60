/**
 * A real model folder for the serving tests, in the format of `src/models/model-file.ts` (model.json +
 * model.json.sha256 + manifest.json): C's Preprocessor and D's hist_forest fitted on the real
 * dataset, so `loadModelFile` verifies and loads it exactly as it does a pushed model.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { readCsv } from "../../src/data/csv.ts";
import type { Frame } from "../../src/data/frame.ts";
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelFileJson, type ModelManifest } from "../../src/models/model-file.ts";
import { createModel } from "../../src/models/registry.ts";
import { Preprocessor } from "../../src/models/preprocessor.ts";
import { SHARED_DATA } from "../helpers/env.ts";
import { schema } from "./helpers.ts";

let data: Frame | undefined;

/** The real dataset (9055 rows, features + Result). */
export async function realData(): Promise<Frame> {
  data ??= (await readCsv(SHARED_DATA)).frame;
  return data;
}

/**
 * Fit and write a model into `dir` as version `version`. The files are written in the order a push
 * writes them (model, checksum, manifest), each replaced atomically.
 */
export async function writeRealModel(dir: string, version: number, trees = 10, options: { threshold?: number } = {}): Promise<void> {
  const frame = await realData();
  const preprocessor = Preprocessor.fit(frame, schema, { k: 5 });
  const { x, y } = preprocessor.transformFrame(frame);
  const model = createModel("hist_forest", { n_estimators: trees, seed: version });
  await model.fit(x, y!);
  const file: ModelFileJson = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    schemaHash: schema.hash,
    dataFingerprint: createHash("sha256").update(new Uint8Array(x.values.buffer)).digest("hex"),
    experiment: { name: "serve-test", seed: version, scoring: "f1" },
    features: schema.featureNames,
    target: { name: schema.target.name, values: [-1, 1], positive: schema.target.positive },
    preprocessor: preprocessor.toJSON(),
    model: model.toJSON(),
    metrics: { f1: 0.95 + version / 1000 },
    cv: { meanScore: 0.95, stdScore: 0.01, folds: 3 },
  };
  const bytes = JSON.stringify(file);
  const sha = createHash("sha256").update(bytes).digest("hex");
  const manifest: ModelManifest = { format: "netsec-model-manifest", version, createdAt: `2026-11-25T10:00:0${version % 10}.000Z`, sha256: sha };
  if (options.threshold !== undefined) manifest.threshold = options.threshold;
  mkdirSync(dir, { recursive: true });
  // rename is atomic on one filesystem: readers see the old or the new file, never half of one
  const atomic = (name: string, text: string) => {
    writeFileSync(join(dir, `${name}.tmp`), text);
    renameSync(join(dir, `${name}.tmp`), join(dir, name));
  };
  atomic("model.json", bytes);
  atomic("model.json.sha256", `${sha}  model.json\n`);
  atomic("manifest.json", JSON.stringify(manifest, null, 2));
}
