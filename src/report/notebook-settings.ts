/**
 * Where the notebooks read and write, from the environment (so CI can point them at a temp
 * folder and the local MLflow server) with defaults for a data scientist's checkout.
 */
import { platform } from "../runtime/index.ts";

export interface NotebookSettings {
  root: string;
  /** `--data` equivalent; undefined = the default dataset (fetched when missing). */
  data?: string;
  artifacts: string;
  experiment: string;
  modelDir: string;
  /** MLflow server (MLFLOW_TRACKING_URI); undefined = the local run log. */
  mlflowUri?: string;
  mlflowExperiment: string;
}

export function notebookSettings(): NotebookSettings {
  const root = platform.projectRoot();
  const env = (name: string) => platform.env(name) || undefined;
  return {
    root,
    data: env("NETSEC_DATA"),
    artifacts: env("NETSEC_ARTIFACTS") ?? `${root}/Artifacts`,
    experiment: env("NETSEC_EXPERIMENT") ?? `${root}/experiments/fast.yaml`,
    modelDir: env("NETSEC_MODEL_DIR") ?? `${root}/final_model`,
    mlflowUri: env("MLFLOW_TRACKING_URI"),
    mlflowExperiment: env("MLFLOW_EXPERIMENT_NAME") ?? "netsec-notebooks",
  };
}
