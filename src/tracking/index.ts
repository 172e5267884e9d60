/** Public API of experiment tracking (MLflow REST client, trackers, outbox sync). */
export { resolveTrackingConfig, redact, DEFAULT_EXPERIMENT } from "./config.ts";
export type { TrackingAuth, TrackingConfig } from "./config.ts";
export { MlflowClient, MlflowHttpError, isMlflowError } from "./mlflow.ts";
export type { DatasetInput, Experiment, ModelVersion, Run, RunInfo, RunStatus } from "./mlflow.ts";
export type { HttpOptions } from "./http.ts";
export { splitBatch, BATCH_LIMITS } from "./batch.ts";
export { createTracker, createMlflowTracker, outboxDir } from "./remote.ts";
export { createLocalTracker } from "./local.ts";
export type { ArtifactContent, TrackedRun, Tracker, TrackerSummary } from "./tracker.ts";
export { syncJournals } from "./sync.ts";
export { dagshubSettings, dagshubTrackingUri, lookupDagshubUser, DAGSHUB_DEFAULT_HOST } from "./dagshub.ts";
export { httpPolicyFromEnv, TrackingBudget } from "./http.ts";
export { serverInfoFor } from "./server.ts";
export type { ServerInfo } from "./server.ts";
export { registerVersion, DATA_DIGEST_TAG, MODEL_VERSION_TAG, SHA256_TAG } from "./registry.ts";
export { localRunRows, remoteRunRows, formatRunsTable, runTableCells } from "./runs.ts";
export type { RunRow } from "./runs.ts";
export type { SyncResult } from "./sync.ts";
