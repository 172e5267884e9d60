/**
 * The MLflow model folder of a netsec model (docs/tracking.md, "The logged model"):
 *
 *   model/model.json        our JSON model            flavor netsec_json (loaded by netsec, never as code)
 *   model/model.onnx        the same model as ONNX    flavors onnx + python_function (loader mlflow.onnx)
 *   model/MLmodel           the flavors, the signature, run id, uuid, creation time
 *   model/conda.yaml, python_env.yaml, requirements.txt   the environment mlflow.onnx declares
 *
 * The onnx and python_function sections have the fields `mlflow.onnx.save_model` writes (read in
 * MLflow 2.7.1's mlflow/onnx.py and 3.17.2's mlflow/onnx/__init__.py, models/model.py,
 * types/schema.py), so `mlflow.pyfunc.load_model` and `mlflow models serve` of either version load
 * it. The signature's column specs leave out `required`: 2.7.1's ColSpec does not know the key,
 * and 3.x reads a missing one as required.
 */
import { stringify } from "yaml";
import { platform } from "../runtime/index.ts";
import { decodeModelProto } from "../models/onnx/proto.ts";

export const FLAVOR = "netsec_json";
export const ONNX_FILE = "model.onnx";
/** The Python the environment files name (the model needs none in particular; the tests run 3.11). */
export const MODEL_PYTHON = "3.11";
/** The onnx release whose schema (onnx-ml.proto) encoded the file: the flavor's onnx_version. */
export const ONNX_SCHEMA_VERSION = "1.23.2";
/** What MLflow's onnx flavor needs to load and score the model (mlflow.onnx's default requirements). */
export const MODEL_REQUIREMENTS = ["mlflow", "numpy", "onnx", "onnxruntime"] as const;

export interface MlmodelInput {
  artifactPath: string;
  /** The run the model is logged in (left out for a folder outside a run). */
  runId?: string;
  modelUuid: string;
  createdAt: number;
  /** Extra fields of the netsec_json flavor (format version, sha256, family, …). */
  flavor: Record<string, unknown>;
  /** More top-level content: `flavors` are added next to netsec_json, the rest (signature…) as is. */
  extra?: Record<string, unknown>;
}

export function mlmodelText(input: MlmodelInput): string {
  const created = new Date(input.createdAt).toISOString().replace("T", " ").replace("Z", "");
  const { flavors, ...rest } = (input.extra ?? {}) as { flavors?: Record<string, unknown> };
  return stringify({
    artifact_path: input.artifactPath,
    flavors: {
      [FLAVOR]: {
        data: "model.json",
        loader: "netsec (src/models): loadModel(model.json) — JSON only, no code is executed",
        ...input.flavor,
      },
      ...flavors,
    },
    model_uuid: input.modelUuid.replace(/[^A-Za-z0-9]/g, ""),
    ...(input.runId ? { run_id: input.runId } : {}),
    ...rest,
    utc_time_created: created,
  });
}

/** MLflow's ColSpec types of the ONNX tensor element types we use (TensorProto.DataType). */
const COLUMN_TYPE: Record<number, string> = { 1: "float", 7: "long", 11: "double", 9: "boolean" };

/** Python's json.dumps layout (", " and ": "), as MLflow writes signatures. */
function pyJson(columns: { type: string; name: string }[]): string {
  return "[" + columns.map((c) => `{"type": ${JSON.stringify(c.type)}, "name": ${JSON.stringify(c.name)}}`).join(", ") + "]";
}

export interface OnnxMlflowModel {
  /** Files to put next to model.json in the model folder. */
  files: Record<string, Uint8Array | string>;
  /** MLmodel content: the onnx and python_function flavors and the signature. */
  mlmodel: Record<string, unknown>;
}

/**
 * The onnx + python_function parts of the MLflow model for an exported netsec ONNX file. The
 * signature comes from the file itself: one `double` column per feature (named as in
 * schema.yaml, read from the graph's `netsec.features` metadata; pandas' float64 and float32
 * columns pass MLflow's input check, and the onnx pyfunc casts them to the graph's float32), and
 * the graph's outputs (label: long, probabilities: float).
 */
export async function onnxMlflowModel(onnx: Uint8Array): Promise<OnnxMlflowModel> {
  const proto = await decodeModelProto(onnx);
  const meta = Object.fromEntries((proto.metadata_props ?? []).map((p) => [p.key, p.value]));
  const features = JSON.parse(meta["netsec.features"] ?? "null") as string[] | null;
  if (!Array.isArray(features)) throw new Error("internal: the ONNX file has no netsec.features metadata (not exported by netsec)");
  const outputs = proto.graph.output.map((o) => ({ name: o.name, type: COLUMN_TYPE[o.type.tensor_type.elem_type] ?? "float" }));
  const python = {
    python_version: MODEL_PYTHON,
    env: { conda: "conda.yaml", virtualenv: "python_env.yaml" },
    loader_module: "mlflow.onnx",
    data: ONNX_FILE,
  };
  const onnxFlavor = { code: null, data: ONNX_FILE, onnx_session_options: null, onnx_version: ONNX_SCHEMA_VERSION, providers: ["CPUExecutionProvider"] };
  const requirements = MODEL_REQUIREMENTS.join("\n") + "\n";
  return {
    files: {
      [ONNX_FILE]: onnx,
      "conda.yaml": stringify({ channels: ["conda-forge"], dependencies: [`python=${MODEL_PYTHON}`, "pip", { pip: [...MODEL_REQUIREMENTS] }], name: "mlflow-env" }),
      "python_env.yaml": stringify({ python: MODEL_PYTHON, build_dependencies: ["pip", "setuptools", "wheel"], dependencies: ["-r requirements.txt"] }),
      "requirements.txt": requirements,
    },
    mlmodel: {
      flavors: { onnx: onnxFlavor, python_function: python },
      signature: { inputs: pyJson(features.map((name) => ({ type: "double", name }))), outputs: pyJson(outputs), params: null },
    },
  };
}

/**
 * A complete MLflow model folder of a netsec model outside any run (what the tracker uploads, as
 * files): `mlflow models serve -m <folder>` and `mlflow.pyfunc.load_model(<folder>)` take it.
 */
export async function mlflowModelFolder(modelJson: Uint8Array, onnx: Uint8Array, options: { uuid: string; createdAt?: number; flavor?: Record<string, unknown> }): Promise<Record<string, Uint8Array | string>> {
  const model = await onnxMlflowModel(onnx);
  const sha256 = await platform.sha256(modelJson);
  const mlmodel = mlmodelText({ artifactPath: "model", modelUuid: options.uuid, createdAt: options.createdAt ?? Date.now(), flavor: { sha256, ...options.flavor }, extra: model.mlmodel });
  return { "model.json": modelJson, ...model.files, MLmodel: mlmodel };
}
