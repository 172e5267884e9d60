/**
 * The MLflow model folder of a netsec model (docs/tracking.md, "The logged model"):
 *
 *   model/model.json        our JSON model            flavor netsec_json (loaded by netsec, never as code)
 *   model/model.onnx        the same model as ONNX    flavors onnx + python_function
 *   model/code/netsec_pyfunc.py   the python_function loader: mlflow.onnx's, after a cast to float32
 *   model/MLmodel           the flavors, run id, uuid, creation time (no signature: pyfunc-loader.ts says why)
 *   model/conda.yaml, python_env.yaml, requirements.txt   the environment mlflow.onnx declares
 *
 * The onnx and python_function sections have the fields `mlflow.onnx.save_model` writes (read in
 * MLflow 2.7.1's mlflow/onnx.py and 3.17.2's mlflow/onnx/__init__.py, models/model.py,
 * types/schema.py), so `mlflow.pyfunc.load_model` and `mlflow models serve` of either version load
 * it, and `mlflow.pyfunc.load_model(…).predict(pd.read_csv(f))` scores int64 columns and float64
 * ones with missing cells alike (tests/tracking/mlflow-model.test.ts, both clients).
 */
import { stringify } from "yaml";
import { platform } from "../runtime/index.ts";
import { decodeModelProto } from "../models/onnx/proto.ts";
import { PYFUNC_CODE_DIR, PYFUNC_MODULE, PYFUNC_SOURCE } from "./pyfunc-loader.ts";

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

export interface OnnxMlflowModel {
  /** Files to put next to model.json in the model folder. */
  files: Record<string, Uint8Array | string>;
  /** MLmodel content: the onnx and python_function flavors. */
  mlmodel: Record<string, unknown>;
}

/**
 * The onnx + python_function parts of the MLflow model for an exported netsec ONNX file: the
 * ONNX file, the environment files and the python_function loader (`code/netsec_pyfunc.py`,
 * which selects the features named in the graph's `netsec.features` metadata and casts them to
 * the graph's float32). No signature: see pyfunc-loader.ts.
 */
export async function onnxMlflowModel(onnx: Uint8Array): Promise<OnnxMlflowModel> {
  const proto = await decodeModelProto(onnx);
  const meta = Object.fromEntries((proto.metadata_props ?? []).map((p) => [p.key, p.value]));
  const features = JSON.parse(meta["netsec.features"] ?? "null") as string[] | null;
  if (!Array.isArray(features)) throw new Error("internal: the ONNX file has no netsec.features metadata (not exported by netsec)");
  const python = {
    python_version: MODEL_PYTHON,
    env: { conda: "conda.yaml", virtualenv: "python_env.yaml" },
    // Our loader (pyfunc-loader.ts): mlflow.onnx's pyfunc behind a cast of the columns to float32.
    loader_module: PYFUNC_MODULE,
    code: PYFUNC_CODE_DIR,
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
      [`${PYFUNC_CODE_DIR}/${PYFUNC_MODULE}.py`]: PYFUNC_SOURCE,
    },
    mlmodel: {
      flavors: { onnx: onnxFlavor, python_function: python },
      // No signature: MLflow would refuse pd.read_csv's int64 columns for double inputs and its
      // float64 ones (missing cells) for long inputs; the loader casts instead (pyfunc-loader.ts).
      // The input columns are in model.json, the ONNX metadata and docs/tracking.md.
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
