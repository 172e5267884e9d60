/**
 * The pushed model: `final_model/model.json` (plain data: preprocessor + model + schema hash +
 * metrics + data fingerprint — deterministic, so the same data and seed give the same bytes),
 * `model.json.sha256` (its checksum) and `manifest.json` (the volatile fields: version number,
 * creation time, run folder). Loading verifies format, format version, checksum and schema hash,
 * then the values (trees: finite thresholds and leaves, feature indices in range, depth and size
 * limits) and never executes code: the JSON is parsed and rebuilt by the registered model families.
 *
 * A push writes the files as one set, `versions/<n>/`, and switches the symbolic link `current`
 * to it in one rename; `final_model/model.json` etc. are links through `current` (docs/models.md).
 * The loader resolves `current` once and reads every file of the set from there, so it sees the
 * old set or the new one, never a mix. A folder without `current` (written before sets existed,
 * or by `netsec export`-style tools) is read from its own files.
 */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import type { Frame } from "../data/frame.ts";
import type { Matrix, ModelJson } from "./classifier.ts";
import { modelFromJSON } from "./registry.ts";
import type { Schema } from "../schema.ts";
import { loadSchema } from "../schema.ts";
import { restorePreprocessor } from "./preprocessor.ts";
import { RowMemo } from "./scoring/row-memo.ts";
import type { TrainingSetJson } from "./training-set.ts";
import { canExplain, ExplainMemo, type PositiveExplanation } from "./explain.ts";

export const MODEL_FORMAT = "netsec-model";
export const MODEL_FORMAT_VERSION = 1;
export const MODEL_FILES = { model: "model.json", checksum: "model.json.sha256", manifest: "manifest.json", card: "MODEL_CARD.md", onnx: "model.onnx", versions: "versions", current: "current" } as const;

/** Largest model.json the loader reads (bytes). */
export const MAX_MODEL_BYTES = 512 * 1024 * 1024;

/**
 * The folder holding the files of the model set `dir` serves: `dir/<target of dir/current>` when
 * `current` is a link (pushed sets), else `dir` itself. Resolve it once per load.
 */
export async function modelSetDir(dir: string): Promise<string> {
  const link = await platform.readLink(`${dir}/${MODEL_FILES.current}`);
  if (link === undefined) return dir;
  return link.startsWith("/") ? link : `${dir}/${link}`;
}

/** sha256 of the model.json `dir` serves (from its checksum file), or undefined when it holds none. */
export async function currentModelSha256(dir: string): Promise<string | undefined> {
  try {
    const text = await platform.readTextFile(`${await modelSetDir(dir)}/${MODEL_FILES.checksum}`);
    return /^[0-9a-f]{64}/.exec(text.trim())?.[0];
  } catch {
    return undefined;
  }
}

/** Scalar test-set metrics of the model (accuracy, precision, recall, f1, f1_macro, roc_auc, pr_auc, log_loss). */
export type ModelMetrics = Record<string, number>;

/** The content of model.json. */
export interface ModelFileJson {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  schemaHash: string;
  /** sha256 of the training data (the transformed training array's bytes). */
  dataFingerprint: string;
  experiment: { name: string; seed: number; scoring: string };
  features: string[];
  target: { name: string; values: [number, number]; positive: number };
  preprocessor: unknown;
  model: ModelJson;
  /** Test-set metrics of this model. */
  metrics: ModelMetrics;
  /** Cross-validation summary of the winning grid point (`protocol`: how rows were dealt to folds; absent in older files). */
  cv: { meanScore: number; stdScore: number; folds: number; protocol?: string };
  /** The raw feature vectors it was trained on (absent in older files: the push gate then compares on all test rows). */
  trainingSet?: TrainingSetJson;
}

/** The decision rule recorded with a pushed model (manifest.json `thresholdRule`). */
export interface ThresholdRecord {
  rule: string;
  /** What it was chosen on, e.g. "out-of-fold predictions of the training split". */
  on: string;
  met: boolean;
  precision: number;
  recall: number;
  f1: number;
}

/** The threshold used when a model has none recorded (files pushed before thresholds existed). */
export const DEFAULT_THRESHOLD = 0.5;

/** final_model/manifest.json: what changes from push to push without changing the model. */
export interface ModelManifest {
  format: "netsec-model-manifest";
  version: number;
  createdAt: string;
  sha256: string;
  runDir?: string;
  /** model.onnx pushed with it (docs/export.md), or why the family has none. */
  onnx?: { sha256: string; bytes: number } | { refused: string };
  /** Predict the positive class when its probability is ≥ this (absent in older manifests: 0.5). */
  threshold?: number;
  thresholdRule?: ThresholdRecord;
}

/** Per-call options of the predict functions. */
export interface PredictOptions {
  /** Override the model's threshold on P(positive class) for this call. */
  threshold?: number;
}

export interface PredictionBatch {
  /** Target values (e.g. -1/1), one per row. */
  prediction: Int8Array;
  /** Probability of the positive class (schema.yaml `target.positive`). */
  probability: Float64Array;
}

/** A batch answered once per distinct row (`LoadedModel.predictGrouped`). */
export interface GroupedPrediction {
  /** Target value of each distinct row. */
  prediction: Int8Array;
  /** Probability of the positive class of each distinct row. */
  probability: Float64Array;
  /** Row → index of its distinct row. */
  group: Uint32Array;
  distinct: number;
}

export interface LoadedModel {
  dir: string;
  version: number;
  createdAt: string;
  sha256: string;
  schemaHash: string;
  dataFingerprint: string;
  family: string;
  params: ModelJson["params"];
  features: string[];
  target: ModelFileJson["target"];
  metrics: ModelMetrics;
  experiment: ModelFileJson["experiment"];
  /** The parsed model.json (plain data). */
  file: ModelFileJson;
  /** Importance per feature (in `features` order) where the family has one. */
  featureImportances?: Float64Array;
  /** The decision threshold on P(positive class) from manifest.json (0.5 when none was recorded). */
  threshold: number;
  /** The training-set fingerprint from model.json, when recorded. */
  trainingSet?: TrainingSetJson;
  /** Score a frame holding at least the feature columns (the target column is ignored). */
  predictFrame(frame: Frame, options?: PredictOptions): PredictionBatch;
  /** As predictFrame, answered once per distinct row (repeated rows share one answer and the row cache). */
  predictGrouped(frame: Frame, options?: PredictOptions): GroupedPrediction;
  /**
   * Score an already transformed matrix (features in contract order, imputed). Rows seen before
   * are answered from a bounded cache (exactly the same numbers); `{cache: false}` walks every row.
   */
  predictMatrix(x: Matrix, options?: PredictOptions & { cache?: boolean }): PredictionBatch;
  /** Whether this model's predictions can be explained (hist_gbt, hist_forest, logistic_regression). */
  explainable: boolean;
  /**
   * Per-feature contributions of each row for the positive class (src/models/explain.ts): base +
   * Σ contributions = log-odds (boosted trees, logistic regression) or probability (forests).
   */
  explainFrame(frame: Frame): PositiveExplanation;
  explainMatrix(x: Matrix): PositiveExplanation;
}

/** Target value of each row: the positive one when P(positive) ≥ threshold, else the other. */
export function decide(probability: ArrayLike<number>, target: ModelFileJson["target"], threshold: number): Int8Array {
  const other = target.values[0] === target.positive ? target.values[1] : target.values[0];
  const out = new Int8Array(probability.length);
  for (let i = 0; i < out.length; i++) out[i] = probability[i] >= threshold ? target.positive : other;
  return out;
}

/** A threshold given by a user (--threshold, ?threshold=): a number in [0, 1], else undefined. */
export function parseThreshold(text: string | undefined | null): number | undefined {
  if (text === undefined || text === null || text.trim() === "") return undefined;
  const t = Number(text);
  return Number.isFinite(t) && t >= 0 && t <= 1 ? t : undefined;
}

export interface LoadModelOptions {
  /** The data contract to check against (default: schema.yaml at the repository root). */
  schema?: Schema;
}

function refuse(dir: string, why: string): never {
  throw new NetsecError("MODEL_INVALID", `refusing to load the model in ${dir}: ${why}`, { location: { file: `${dir}/${MODEL_FILES.model}` } });
}

const cache = new Map<string, { key: string; model: LoadedModel }>();

/** Load and verify the model in `dir` (default final_model). Cached by file size + mtime: cheap to call per request. */
export async function loadModelFile(dir = "final_model", options: LoadModelOptions = {}): Promise<LoadedModel> {
  const set = await modelSetDir(dir);
  const path = `${set}/${MODEL_FILES.model}`;
  const info = await platform.stat(path);
  if (!info?.isFile) throw new NetsecError("FILE_NOT_FOUND", `no model in ${dir}: ${path} does not exist (run \`netsec train\` first)`, { location: { file: path } });
  if (info.size > MAX_MODEL_BYTES) refuse(dir, `model.json is ${info.size} bytes, over the limit of ${MAX_MODEL_BYTES}`);
  const sumInfo = await platform.stat(`${set}/${MODEL_FILES.checksum}`);
  const manInfo = await platform.stat(`${set}/${MODEL_FILES.manifest}`);
  const key = `${set}:${info.size}:${info.mtimeMs}:${info.ino}:${sumInfo?.mtimeMs}:${manInfo?.mtimeMs}:${options.schema?.hash ?? ""}`;
  const hit = cache.get(dir);
  if (hit && hit.key === key) return hit.model;
  const model = await readModelDir(dir, set, options);
  cache.set(dir, { key, model });
  return model;
}

async function readModelDir(dir: string, set: string, options: LoadModelOptions): Promise<LoadedModel> {
  const bytes = await platform.readFile(`${set}/${MODEL_FILES.model}`);
  if (bytes.length > MAX_MODEL_BYTES) refuse(dir, `model.json is ${bytes.length} bytes, over the limit of ${MAX_MODEL_BYTES}`);
  const sumText = await platform.stat(`${set}/${MODEL_FILES.checksum}`) ? await platform.readTextFile(`${set}/${MODEL_FILES.checksum}`) : undefined;
  if (sumText === undefined) refuse(dir, `its checksum file ${MODEL_FILES.checksum} is missing`);
  const expected = sumText.trim().split(/\s+/)[0];
  const actual = await platform.sha256(bytes);
  if (expected !== actual) refuse(dir, `checksum mismatch: ${MODEL_FILES.checksum} says ${expected}, the file hashes to ${actual} (corrupted or modified)`);
  let file: ModelFileJson;
  try {
    file = JSON.parse(new TextDecoder().decode(bytes)) as ModelFileJson;
  } catch (error) {
    refuse(dir, `model.json is not valid JSON (${(error as Error).message})`);
  }
  if (!file || typeof file !== "object" || file.format !== MODEL_FORMAT) refuse(dir, `not a netsec model file (format ${JSON.stringify(file?.format)}, expected "${MODEL_FORMAT}")`);
  if (file.formatVersion !== MODEL_FORMAT_VERSION) refuse(dir, `format version ${file.formatVersion} is not supported (this netsec reads version ${MODEL_FORMAT_VERSION})`);
  const schema = options.schema ?? await loadSchema();
  if (file.schemaHash !== schema.hash) {
    refuse(dir, `it was trained for a different data contract (schema hash ${String(file.schemaHash).slice(0, 12)}…, ${schema.source} has ${schema.hash.slice(0, 12)}…): retrain it`);
  }
  if (!Array.isArray(file.features) || file.features.length !== schema.featureNames.length || file.features.some((f, i) => f !== schema.featureNames[i])) {
    refuse(dir, `its features are not the ${schema.featureNames.length} features of ${schema.source} in order`);
  }
  const values = file.target?.values;
  if (!Array.isArray(values) || values[0] !== schema.targetValue(0) || values[1] !== schema.targetValue(1) || file.target.positive !== schema.target.positive) {
    refuse(dir, `its target (values ${JSON.stringify(values)?.slice(0, 40)}, positive ${String(file.target?.positive).slice(0, 20)}) is not the one of ${schema.source} (values [${schema.targetValue(0)}, ${schema.targetValue(1)}], positive ${schema.target.positive})`);
  }
  let manifest: ModelManifest | undefined;
  if (await platform.stat(`${set}/${MODEL_FILES.manifest}`)) {
    try {
      manifest = JSON.parse(await platform.readTextFile(`${set}/${MODEL_FILES.manifest}`)) as ModelManifest;
    } catch (error) {
      refuse(dir, `manifest.json is not valid JSON (${(error as Error).message})`);
    }
    if (manifest?.sha256 !== actual) refuse(dir, `manifest.json names model sha256 ${String(manifest?.sha256).slice(0, 64)}, model.json hashes to ${actual}`);
    if (manifest!.threshold !== undefined && !(typeof manifest!.threshold === "number" && manifest!.threshold >= 0 && manifest!.threshold <= 1)) {
      refuse(dir, `manifest.json threshold ${JSON.stringify(manifest!.threshold)?.slice(0, 40)} is not a number in [0, 1]`);
    }
  }
  const threshold = manifest?.threshold ?? DEFAULT_THRESHOLD;
  let classifier;
  let preprocessor;
  try {
    classifier = modelFromJSON(file.model);
    preprocessor = restorePreprocessor(file.preprocessor, schema.hash);
  } catch (error) {
    refuse(dir, (error as Error).message);
  }
  const positiveIndex = file.target.values.indexOf(file.target.positive);
  const memo = new RowMemo((x) => classifier.predictProba(x));
  const explainer = new ExplainMemo(classifier, positiveIndex === 0 ? 0 : 1);
  const answers = (p1: Float64Array, opts: PredictOptions): PredictionBatch => {
    const probability = new Float64Array(p1.length);
    for (let i = 0; i < p1.length; i++) probability[i] = positiveIndex === 1 ? p1[i] : 1 - p1[i];
    return { prediction: decide(probability, file.target, opts.threshold ?? threshold), probability };
  };
  const predictMatrix = (x: Matrix, opts: PredictOptions & { cache?: boolean } = {}): PredictionBatch => answers(opts.cache === false ? classifier.predictProba(x) : memo.predict(x), opts);
  return {
    dir,
    version: manifest?.version ?? 0,
    createdAt: manifest?.createdAt ?? "",
    sha256: actual,
    schemaHash: file.schemaHash,
    dataFingerprint: file.dataFingerprint,
    family: file.model.family,
    params: file.model.params,
    features: file.features,
    target: file.target,
    metrics: file.metrics,
    experiment: file.experiment,
    file,
    featureImportances: classifier.featureImportances?.(),
    threshold,
    trainingSet: file.trainingSet,
    predictMatrix,
    predictFrame: (frame, opts = {}) => predictMatrix(preprocessor.transformFrame(frame).x, opts),
    predictGrouped(frame, opts = {}) {
      const { p1, group, distinct } = memo.predictGrouped(preprocessor.transformFrame(frame).x);
      return { ...answers(p1, opts), group, distinct };
    },
    explainable: canExplain(classifier),
    explainMatrix: (x) => explainer.explain(x),
    explainFrame: (frame) => explainer.explain(preprocessor.transformFrame(frame).x),
  };
}
