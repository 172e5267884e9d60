/**
 * Where an ONNX export takes its model from: a pushed model folder (final_model/: model.json,
 * verified by `loadModelFile` — checksum, format, schema hash) or a run folder
 * (Artifacts/<ts>/: the trainer's model.json and the transformation's preprocessor.json, checked
 * against schema.yaml). Either gives the same graph for the same fitted model.
 */
import { platform } from "../../runtime/index.ts";
import { NetsecError } from "../../errors.ts";
import { loadRunFolder, STAGE_FILES } from "../../artifacts.ts";
import { loadSchema, type Schema } from "../../schema.ts";
import type { ModelJson } from "../classifier.ts";
import { loadModelFile, type ModelFileJson } from "../model-file.ts";
import { restorePreprocessor } from "../preprocessor.ts";
import { exportOnnx, type OnnxExportInput } from "./export.ts";

export interface OnnxExport {
  bytes: Uint8Array;
  family: string;
  /** Where the model came from (model.json path). */
  source: string;
  /** The pushed version (model folders), undefined for a run's model. */
  version?: number;
}

/** The export input for a model file's content; labels and target from the schema. */
export function onnxInputFor(model: ModelJson, file: Pick<ModelFileJson, "features" | "target">, schema: Schema, metadata: Record<string, string> = {}, version?: number, threshold?: number): OnnxExportInput {
  const [v0, v1] = file.target.values;
  return {
    model,
    features: file.features,
    target: { name: file.target.name, values: [v0, v1], labels: [schema.labelOf(v0), schema.labelOf(v1)], positive: file.target.positive },
    metadata,
    version,
    threshold,
  };
}

/**
 * The ONNX bytes of a model file whose model.json hashes to `sha256` (pushed as `version`, with
 * the decision `threshold` of its manifest): what push writes as model.onnx, and what exporting
 * that model folder gives again, byte for byte.
 */
export async function onnxBytesFor(file: ModelFileJson, schema: Schema, sha256: string, version: number, threshold?: number): Promise<Uint8Array> {
  const metadata = { "netsec.model_sha256": sha256, "netsec.schema_hash": file.schemaHash, "netsec.version": String(version) };
  return await exportOnnx(onnxInputFor(file.model, file, schema, metadata, version || undefined, threshold));
}

/** ONNX of the pushed model in `dir` (verified on load as `netsec serve` does). */
export async function onnxFromModelDir(dir: string, schema?: Schema): Promise<OnnxExport> {
  const contract = schema ?? await loadSchema();
  const loaded = await loadModelFile(dir, { schema: contract });
  const bytes = await onnxBytesFor(loaded.file, contract, loaded.sha256, loaded.version, loaded.threshold);
  return { bytes, family: loaded.family, source: `${dir}/model.json`, version: loaded.version };
}

/**
 * ONNX of a fitted model held in memory with its preprocessor's features (a notebook session's
 * trained model): the same graph `onnxFromRunDir` gives for the files of that run.
 */
export async function onnxFromFitted(model: ModelJson, features: readonly string[], schema: Schema, threshold: number | undefined, runName: string): Promise<OnnxExport> {
  const values: [number, number] = [schema.targetValue(0), schema.targetValue(1)];
  const file = { features: [...features], target: { name: schema.target.name, values, positive: schema.target.positive } };
  // Through JSON, as a reader of model.json gets it (ml-cart keeps matrices in its fitted objects).
  const json = JSON.parse(JSON.stringify(model)) as ModelJson;
  const bytes = await exportOnnx(onnxInputFor(json, file, schema, { "netsec.schema_hash": schema.hash, "netsec.run": runName }, undefined, threshold));
  return { bytes, family: json.family, source: `${runName} (trained model)` };
}

/** ONNX of a run's trained model (Artifacts/<ts>/model_trainer/trained_model/model.json). */
export async function onnxFromRunDir(runDir: string, schema?: Schema): Promise<OnnxExport> {
  const contract = schema ?? await loadSchema();
  const run = await loadRunFolder(runDir);
  const modelPath = run.file("trainer", STAGE_FILES.trainer.model);
  const prepPath = run.file("transformation", STAGE_FILES.transformation.preprocessor);
  for (const path of [modelPath, prepPath]) {
    if (!(await platform.stat(path))?.isFile) {
      throw new NetsecError("FILE_NOT_FOUND", `${runDir} is not a finished run folder: ${path} does not exist (give a run folder such as Artifacts/11_25_2026_09_30_00, or --model-dir for a pushed model)`, { location: { file: path } });
    }
  }
  const parse = async (path: string) => {
    try {
      return JSON.parse(await platform.readTextFile(path));
    } catch (error) {
      throw new NetsecError("MODEL_INVALID", `${path} is not valid JSON (${(error as Error).message})`, { location: { file: path } });
    }
  };
  const model = await parse(modelPath) as ModelJson;
  // The run's preprocessor names the features in the order the model was fitted on; it must be
  // this schema.yaml's contract.
  const preprocessor = restorePreprocessor(await parse(prepPath), contract.hash);
  const values: [number, number] = [contract.targetValue(0), contract.targetValue(1)];
  const file = { features: [...preprocessor.features], target: { name: contract.target.name, values, positive: contract.target.positive } };
  // The run's decision threshold (model_trainer/threshold.json), 0.5 for runs made before it existed.
  const thresholdPath = run.file("trainer", STAGE_FILES.trainer.threshold);
  const threshold = (await platform.stat(thresholdPath))?.isFile ? Number((await parse(thresholdPath) as { threshold?: unknown }).threshold) : undefined;
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw new NetsecError("MODEL_INVALID", `${thresholdPath}: threshold is not a number in [0, 1]`, { location: { file: thresholdPath } });
  const bytes = await exportOnnx(onnxInputFor(model, file, contract, { "netsec.schema_hash": contract.hash, "netsec.run": runDir.split("/").filter(Boolean).at(-1) ?? runDir }, undefined, threshold));
  return { bytes, family: model.family, source: modelPath };
}
