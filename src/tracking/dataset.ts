/**
 * The training data as an MLflow dataset (inputs API, `runs/log-inputs`): name, digest, source
 * and schema, so MLflow's "Dataset" column and run page show it. The digest is ours and the same
 * everywhere netsec names the data (tag `netsec.data_digest` on runs and registered versions, the
 * `netsec runs` table): the first 16 hex digits of the sha256 of the feature-store CSV, i.e. the
 * data as ingested (from a CSV, ARFF or MongoDB source alike, in the contract's column order).
 */
import type { DatasetInput } from "./mlflow.ts";

/** MLflow's input tag saying what the dataset was used for. */
export const DATASET_CONTEXT_TAG = "mlflow.data.context";
export { dataDigest, fileSha256 } from "../data/digest.ts";

/** `user:password@` out of any URI (mongodb://, http://, …). */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1***@");
}

/** The data's location from an ingestion summary's `source` ("CSV file <path>", "ARFF file <path> (…)", "MongoDB <uri> …"). */
export function dataLocation(describe: string): string {
  const file = /^(?:CSV|ARFF) file (.+?)(?: \(@relation .*\))?$/.exec(describe);
  return redactCredentials(file ? file[1] : describe);
}

export interface DatasetColumn {
  name: string;
  dtype: "int" | "float" | string;
}

/** The `runs/log-inputs` record of the ingested data. */
export function datasetInput(input: { name: string; digest: string; location: string; kind: "file" | "mongodb"; columns: DatasetColumn[]; rows: number; context?: string }): DatasetInput {
  const colspec = input.columns.map((c) => ({ type: c.dtype === "int" ? "long" : c.dtype === "float" ? "double" : "string", name: c.name, required: true }));
  return {
    tags: [{ key: DATASET_CONTEXT_TAG, value: input.context ?? "training" }],
    dataset: {
      name: input.name,
      digest: input.digest,
      source_type: input.kind === "mongodb" ? "mongodb" : "local",
      source: JSON.stringify({ uri: input.location }),
      schema: JSON.stringify({ mlflow_colspec: colspec }),
      profile: JSON.stringify({ num_rows: input.rows, num_elements: input.rows * input.columns.length }),
    },
  };
}
