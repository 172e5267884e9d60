/**
 * The training data as an MLflow dataset (inputs API, `runs/log-inputs`): name, digest, source
 * and schema, so MLflow's "Dataset" column and run page show it. The digest is ours and the same
 * everywhere netsec names the data (tag `netsec.data_digest` on runs and registered versions, the
 * `netsec runs` table): the first 16 hex digits of the sha256 of the feature-store CSV, i.e. the
 * data as ingested (from a CSV, ARFF or MongoDB source alike, in the contract's column order).
 */
import { platform } from "../runtime/index.ts";
import type { DatasetInput } from "./mlflow.ts";

/** MLflow's input tag saying what the dataset was used for. */
export const DATASET_CONTEXT_TAG = "mlflow.data.context";
const BLOCK = 8 << 20;

/**
 * sha256 of a file in hex, read in 8 MiB blocks (memory stays bounded): the plain sha256 for a
 * file of one block, else the sha256 of the blocks' sha256s.
 */
export async function fileSha256(path: string): Promise<string> {
  const hashes: string[] = [];
  let buffer = new Uint8Array(BLOCK);
  let filled = 0;
  for await (const chunk of platform.readChunks(path, BLOCK)) {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(BLOCK - filled, chunk.length - offset);
      buffer.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === BLOCK) {
        hashes.push(await platform.sha256(buffer));
        buffer = new Uint8Array(BLOCK);
        filled = 0;
      }
    }
  }
  if (filled > 0 || hashes.length === 0) hashes.push(await platform.sha256(buffer.subarray(0, filled)));
  return hashes.length === 1 ? hashes[0] : await platform.sha256(hashes.join("\n"));
}

export function dataDigest(sha256: string): string {
  return sha256.slice(0, 16);
}

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
