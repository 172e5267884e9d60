/**
 * The `MLmodel` file that makes our model.json an MLflow model artifact. MLflow reads the
 * top-level keys (artifact_path, flavors, run_id, model_uuid, utc_time_created); our flavor
 * `netsec_json` says where the JSON model is and how to load it (with netsec, never as code).
 */
import { stringify } from "yaml";

export const FLAVOR = "netsec_json";

export interface MlmodelInput {
  artifactPath: string;
  runId: string;
  modelUuid: string;
  createdAt: number;
  /** Extra fields of the flavor (format version, sha256, family, …). */
  flavor: Record<string, unknown>;
}

export function mlmodelText(input: MlmodelInput): string {
  const created = new Date(input.createdAt).toISOString().replace("T", " ").replace("Z", "");
  return stringify({
    artifact_path: input.artifactPath,
    flavors: {
      [FLAVOR]: {
        data: "model.json",
        loader: "netsec (src/models): loadModel(model.json) — JSON only, no code is executed",
        ...input.flavor,
      },
    },
    model_uuid: input.modelUuid.replace(/[^A-Za-z0-9]/g, ""),
    run_id: input.runId,
    utc_time_created: created,
  });
}
