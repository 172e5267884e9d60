/**
 * A real model and its monitoring reference for the monitor tests: the real dataset split by row
 * (every 5th row to the test split, the rest to training), C's Preprocessor and a hist_gbt fitted
 * on the training rows, the reference built from them as evaluate builds it. The test rows are
 * never seen by the model.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { readCsv } from "../../src/data/csv.ts";
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelFileJson, type ModelManifest } from "../../src/models/model-file.ts";
import { createFrame, type Frame } from "../../src/data/frame.ts";
import { loadSchema, type Schema } from "../../src/schema.ts";
import { createModel } from "../../src/models/registry.ts";
import { Preprocessor } from "../../src/models/preprocessor.ts";
import { buildReference, type MonitorReference } from "../../src/monitor/reference.ts";
import { chooseThreshold } from "../../src/stats/threshold.ts";
import { SHARED_DATA } from "../helpers/env.ts";

export const schema = await loadSchema();

export interface Fitted {
  reference: MonitorReference;
  /** The test rows (features + target, raw). */
  test: Frame;
  /** P(positive) of each test row and its class (1 = positive). */
  probability: Float64Array;
  isPositive: Uint8Array;
  threshold: number;
  score(frame: Frame): Float64Array;
  /** Write the model as a model set into `dir` (model.json, checksum, manifest with the threshold, reference.json unless told not to). */
  writeSet(dir: string, options?: { reference?: boolean }): void;
}

function rowsOf(frame: Frame, keep: (r: number) => boolean): Frame {
  const width = frame.columns.length;
  const rows: number[] = [];
  for (let r = 0; r < frame.rows; r++) if (keep(r)) rows.push(r);
  const values = new Float64Array(rows.length * width);
  rows.forEach((r, i) => values.set(frame.values.subarray(r * width, (r + 1) * width), i * width));
  return createFrame(frame.columns, rows.length, values);
}

let fitted: Promise<Fitted> | undefined;

/** The model set of the real dataset (fitted once per test file). */
export function fittedModel(): Promise<Fitted> {
  fitted ??= (async () => fitModelSet(schema, (await readCsv(SHARED_DATA)).frame))();
  return fitted;
}

/**
 * A hist_gbt fitted on `data`'s rows under `schema` (every 5th row held out as the test split),
 * its threshold and reference built as training builds them.
 */
export async function fitModelSet(schema: Schema, data: Frame): Promise<Fitted> {
  const train = rowsOf(data, (r) => r % 5 !== 0);
  const test = rowsOf(data, (r) => r % 5 === 0);
  const pre = Preprocessor.fit(train, schema, { k: 5 });
  const t = pre.transformFrame(train);
  const model = createModel("hist_gbt", { seed: 1 });
  await model.fit(t.x, t.y!);
  const positive = schema.positiveIndex;
  const score = (frame: Frame) => Float64Array.from(model.predictProba(pre.transformFrame(frame).x), (p) => (positive === 1 ? p : 1 - p));
  const tt = pre.transformFrame(test);
  const probability = score(test);
  const isPositive = Uint8Array.from(tt.y!, (y) => (y === positive ? 1 : 0));
  // the threshold as training picks it (best F1), here on the training rows' own scores
  const threshold = chooseThreshold(Uint8Array.from(t.y!), score(train), positive).threshold;
  const reference = buildReference({ schema, train: { values: t.x.values, rows: t.x.rows, stride: t.x.cols }, testIsPositive: isPositive, testProbability: probability, threshold });
  const writeSet = (dir: string, options: { reference?: boolean } = {}) => {
    const file: ModelFileJson = {
      format: MODEL_FORMAT,
      formatVersion: MODEL_FORMAT_VERSION,
      schemaHash: schema.hash,
      dataFingerprint: "0".repeat(64),
      experiment: { name: "monitor-test", seed: 1, scoring: "f1" },
      features: schema.featureNames,
      target: { name: schema.target.name, values: [schema.targetValue(0), schema.targetValue(1)], positive: schema.target.positive },
      preprocessor: pre.toJSON(),
      model: model.toJSON(),
      metrics: { f1: reference.test.metrics.f1 },
      cv: { meanScore: 0.95, stdScore: 0.01, folds: 3 },
    };
    const bytes = JSON.stringify(file);
    const sha = createHash("sha256").update(bytes).digest("hex");
    const manifest: ModelManifest = { format: "netsec-model-manifest", version: 1, createdAt: "2026-12-08T00:00:00.000Z", sha256: sha, threshold };
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "model.json"), bytes);
    writeFileSync(join(dir, "model.json.sha256"), `${sha}  model.json\n`);
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
    if (options.reference !== false) writeFileSync(join(dir, "reference.json"), JSON.stringify(reference));
  };
  return { reference, test, probability, isPositive, threshold, score, writeSet };
}

export { rowsOf };

/** The feature columns of `frame` as CSV text (what a client posts to /predict). */
export function featureCsv(frame: Frame): string {
  const width = frame.columns.length;
  const cols = schema.featureNames.map((n) => frame.columns.indexOf(n));
  const lines = [schema.featureNames.join(",")];
  for (let r = 0; r < frame.rows; r++) lines.push(cols.map((c) => frame.values[r * width + c]).join(","));
  return lines.join("\n") + "\n";
}

/** A copy of `frame` with `column` set to `value` in the rows where `pick(r)` holds. */
export function shifted(frame: Frame, column: string, value: number, pick: (r: number) => boolean): Frame {
  const values = Float64Array.from(frame.values);
  const c = frame.columns.indexOf(column);
  for (let r = 0; r < frame.rows; r++) if (pick(r)) values[r * frame.columns.length + c] = value;
  return createFrame(frame.columns, frame.rows, values);
}
