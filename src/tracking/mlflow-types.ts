/** The shapes the MLflow REST API answers with (API 2.0, and MLflow 3's logged models), as the client in mlflow.ts uses them. */
import type { KeyValue, Metric } from "./validate.ts";

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage: "active" | "deleted";
  tags?: KeyValue[];
}

export interface RunInfo {
  run_id: string;
  experiment_id: string;
  run_name?: string;
  status: string;
  start_time?: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: string;
}

export interface Run {
  info: RunInfo;
  data: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] };
  /** MLflow 3: the logged models the run output (runs/outputs). */
  outputs?: { model_outputs?: { model_id: string; step?: number | string }[] };
}

export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";

export interface ArtifactFile {
  path: string;
  is_dir?: boolean;
  file_size?: number | string;
}

export interface ModelVersion {
  name: string;
  version: string;
  source: string;
  run_id?: string;
  status?: string;
  aliases?: string[];
  tags?: KeyValue[];
  description?: string;
  creation_timestamp?: number | string;
}

/** One dataset for `runs/log-inputs` (MLflow's inputs API; mlflow/protos/service.proto DatasetInput). */
export interface DatasetInput {
  /** Input tags, e.g. `mlflow.data.context` = training. */
  tags: KeyValue[];
  dataset: {
    name: string;
    /** ≤ 36 characters. */
    digest: string;
    /** e.g. "local", "mongodb" — what the UI shows as the source type. */
    source_type: string;
    /** JSON text, e.g. {"uri": "/data/phishing.csv"}. */
    source: string;
    /** JSON text: {"mlflow_colspec": [{"type": "long", "name": "x", "required": true}, …]}. */
    schema?: string;
    /** JSON text, e.g. {"num_rows": 9055, "num_elements": 280705}. */
    profile?: string;
  };
}

/** The info part of an MLflow 3 logged model (`LoggedModelInfo` in service.proto). */
export interface LoggedModelInfo {
  model_id: string;
  experiment_id: string;
  name: string;
  source_run_id?: string;
  artifact_uri: string;
  status?: string | number;
  tags?: KeyValue[];
}
