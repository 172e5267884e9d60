/**
 * Push stage: when the evaluation says so, write the model file into the model folder
 * (default final_model/): model.json (deterministic: same data + seed → same bytes; with the
 * training-set fingerprint the push gate compares on), model.json.sha256, manifest.json (version,
 * creation time, run folder, the decision threshold), MODEL_CARD.md and model.onnx (the same model
 * as ONNX, docs/export.md; absent for a family ONNX cannot express), each written atomically; a
 * copy of them under versions/<n>/ first, so every pushed version stays.
 */
import type { Experiment } from "../experiment.ts";
import type { Schema } from "../schema.ts";
import type { Reporter } from "../reporter.ts";
import type { Classifier } from "../models/classifier.ts";
import type { PushDecision } from "./gates.ts";
import { platform } from "../runtime/index.ts";
import { MODEL_FILES, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelFileJson, type ModelManifest, type ModelMetrics, type ThresholdRecord } from "../models/model-file.ts";
import type { TrainingSetJson } from "../models/training-set.ts";
import { onnxSupport } from "../models/onnx/export.ts";
import { onnxBytesFor } from "../models/onnx/sources.ts";
import { modelCard } from "./model-card.ts";

export interface PushInput {
  model: Classifier;
  preprocessor: { toJSON(): unknown };
  metrics: ModelMetrics;
  cv: ModelFileJson["cv"];
  dataFingerprint: string;
  /** The raw feature vectors of the training rows (recorded in model.json). */
  trainingSet?: TrainingSetJson;
  /** The decision threshold on P(positive class) and how it was chosen (recorded in manifest.json). */
  threshold?: { value: number; record: ThresholdRecord };
  decision: PushDecision;
}

export interface PushOptions {
  experiment: Experiment;
  schema: Schema;
  modelDir?: string;
  runDir?: string;
  reporter?: Reporter;
  /** Creation time recorded in manifest.json (default: now). */
  now?: Date;
}

export interface PushArtifacts {
  pushed: boolean;
  reasons: string[];
  modelDir: string;
  version?: number;
  sha256?: string;
  modelFile?: string;
  /** `<modelDir>/model.onnx` when the family exports to ONNX. */
  onnxFile?: string;
}

/** The content of model.json: plain data, no volatile fields. */
export function buildModelFile(input: Omit<PushInput, "decision">, experiment: Experiment, schema: Schema): ModelFileJson {
  return {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    schemaHash: schema.hash,
    dataFingerprint: input.dataFingerprint,
    experiment: { name: experiment.name, seed: experiment.seed, scoring: experiment.search.scoring },
    features: [...schema.featureNames],
    target: { name: schema.target.name, values: [schema.targetValue(0), schema.targetValue(1)], positive: schema.target.positive },
    preprocessor: input.preprocessor.toJSON(),
    model: input.model.toJSON(),
    metrics: input.metrics,
    cv: input.cv,
    ...(input.trainingSet ? { trainingSet: input.trainingSet } : {}),
  };
}

async function nextVersion(modelDir: string): Promise<number> {
  let highest = 0;
  const versionsDir = `${modelDir}/${MODEL_FILES.versions}`;
  if (await platform.stat(versionsDir)) {
    for (const name of await platform.readDir(versionsDir)) if (/^\d+$/.test(name)) highest = Math.max(highest, Number(name));
  }
  const manifest = `${modelDir}/${MODEL_FILES.manifest}`;
  if (await platform.stat(manifest)) {
    try {
      highest = Math.max(highest, Number((JSON.parse(await platform.readTextFile(manifest)) as ModelManifest).version) || 0);
    } catch {
      // a damaged manifest does not block a push; the versions/ folders still give the number
    }
  }
  return highest + 1;
}

export async function runPush(input: PushInput, options: PushOptions): Promise<PushArtifacts> {
  const modelDir = options.modelDir ?? "final_model";
  if (!input.decision.push) {
    options.reporter?.info(`push: not pushed: ${input.decision.reasons.join("; ")}`);
    return { pushed: false, reasons: input.decision.reasons, modelDir };
  }
  const file = buildModelFile(input, options.experiment, options.schema);
  const text = JSON.stringify(file) + "\n";
  const sha256 = await platform.sha256(text);
  const version = await nextVersion(modelDir);
  const manifest: ModelManifest = { format: "netsec-model-manifest", version, createdAt: (options.now ?? new Date()).toISOString(), sha256, runDir: options.runDir };
  if (input.threshold) {
    manifest.threshold = input.threshold.value;
    manifest.thresholdRule = input.threshold.record;
  }
  const support = onnxSupport(file.model.family);
  const onnx = support.exportable ? await onnxBytesFor(file, options.schema, sha256, version, manifest.threshold) : undefined;
  const onnxRefused = support.exportable ? undefined : support.reason;
  manifest.onnx = onnx ? { sha256: await platform.sha256(onnx), bytes: onnx.length } : { refused: onnxRefused! };
  const contents: [string, string | Uint8Array][] = [
    [MODEL_FILES.model, text],
    ...(onnx ? [[MODEL_FILES.onnx, onnx] as [string, Uint8Array]] : []),
    [MODEL_FILES.checksum, `${sha256}  ${MODEL_FILES.model}\n`],
    [MODEL_FILES.manifest, JSON.stringify(manifest, null, 2) + "\n"],
    [MODEL_FILES.card, modelCard(file, manifest, input.decision)],
  ];
  const versionDir = `${modelDir}/${MODEL_FILES.versions}/${version}`;
  const staging = `${versionDir}.partial`;
  await platform.remove(staging);
  await platform.mkdir(staging);
  for (const [name, body] of contents) await platform.writeFile(`${staging}/${name}`, body);
  await platform.rename(staging, versionDir);
  // The model first, then its checksum and manifest: a reader in between sees a checksum mismatch
  // and refuses (it keeps its previous model), never a half-written file.
  for (const [name, body] of contents) await platform.writeFileAtomic(`${modelDir}/${name}`, body);
  // An older push's model.onnx must not stay next to a model it is not.
  if (onnxRefused !== undefined) {
    await platform.remove(`${modelDir}/${MODEL_FILES.onnx}`);
    options.reporter?.warn(`push: no ${MODEL_FILES.onnx} for this ${file.model.family} model: ${onnxRefused}`);
  }
  options.reporter?.info(`push: ${modelDir}/model.json version ${version} (sha256 ${sha256.slice(0, 12)}…): ${input.decision.reasons.join("; ")}`);
  return { pushed: true, reasons: input.decision.reasons, modelDir, version, sha256, modelFile: `${modelDir}/${MODEL_FILES.model}`, ...(onnx ? { onnxFile: `${modelDir}/${MODEL_FILES.onnx}` } : {}) };
}
