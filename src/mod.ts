/**
 * The public API of netsec: `import { … } from "netsec"` in a notebook of the project (deno.json
 * maps "netsec" here), or this file's path from a program.
 *
 * What belongs here — and nothing else:
 *   1. the notebook session, the results its verbs return, `parameters()` for a notebook's
 *      parameters cell, `show()` for a table or figure of one's own, and `pl` (the nodejs-polars
 *      those tables are made with);
 *   2. what a program needs to run netsec itself: settings, the contract and experiment loaders, the
 *      pipeline and each stage function with its options and result types (the ones the session
 *      and `netsec train` chain), errors and the reporter;
 *   3. a pushed model used from code: load, predict a file, explain, export to ONNX;
 *   4. tracking from a program: the tracker, the runs table, registry downloads;
 *   5. the figure functions (plain Plotly JSON) and `display` for figures of one's own;
 *   6. the HTTP service for embedding it.
 * Readers, scoring kernels, the tracking transport and the service's internals stay inside.
 */

// 1. the notebook session
export { session, Session } from "./session/session.ts";
export type { SessionOptions } from "./session/session.ts";
export { Shown, FigureResult, TableResult, show } from "./session/show.ts";
export type { DataFrame } from "./session/show.ts";
/** The nodejs-polars the session's tables are made with (`pl.col(…)` for filters and aggregations on them). */
export { default as pl } from "nodejs-polars";
export { DataResult, ValidationResult } from "./session/data-views.ts";
export { EvaluationResult, ExplanationResult, ExportResult, LeaderboardResult, PushResult, ThresholdResult } from "./session/model-views.ts";
export { CompareResult, GcResult, MistakesResult, RunsResult } from "./session/runs-views.ts";
export { ReportResult } from "./session/report-view.ts";
export { SessionResult } from "./session/session-view.ts";
export { parameters, ParametersResult } from "./session/parameters.ts";

// 2. running netsec from a program
export { platform } from "./runtime/index.ts";
export { NetsecError, isNetsecError } from "./errors.ts";
export type { NetsecErrorCode } from "./errors.ts";
export { createReporter } from "./reporter.ts";
export type { Reporter } from "./reporter.ts";
export { resolveSettings } from "./settings.ts";
export type { Settings } from "./settings.ts";
export { loadSchema, parseSchema } from "./schema.ts";
export type { Schema } from "./schema.ts";
export { loadExperiment, parseExperiment } from "./experiment.ts";
export type { Candidate, Experiment } from "./experiment.ts";
export { checkExperiment, MAX_GRID_POINTS } from "./search/check.ts";
export { loadRunFolder, openRunFolder, STAGE_DIRS, STAGE_FILES } from "./artifacts.ts";
export type { RunFolder, RunStatus, StageName } from "./artifacts.ts";
export { openDataSource, prepareRun, runDataPipeline, runPipeline } from "./pipeline.ts";
export type { PipelineHooks, PipelineOptions, PipelineResult, PipelineStages, StageEvent } from "./pipeline.ts";
export { planStages, stageKeys } from "./plan.ts";
export type { StagePlan } from "./plan.ts";
export { runIngest } from "./stages/ingest.ts";
export type { IngestArtifacts, IngestOptions } from "./stages/ingest.ts";
export { runValidate } from "./stages/validate.ts";
export type { ValidateArtifacts, ValidateOptions } from "./stages/validate.ts";
export { runTransform } from "./stages/transform.ts";
export type { TransformArtifacts, TransformOptions } from "./stages/transform.ts";
export { runTrain } from "./stages/train.ts";
export type { TrainArtifacts, TrainOptions } from "./stages/train.ts";
export { runEvaluate } from "./stages/evaluate.ts";
export type { EvaluateArtifacts, EvaluateOptions } from "./stages/evaluate.ts";
export { runPush } from "./stages/push.ts";
export type { PushArtifacts, PushOptions } from "./stages/push.ts";
export { loadEvaluation, loadIngestion, loadTrainer, loadTransformation, loadValidation } from "./stages/load.ts";
export { readCsv } from "./data/csv.ts";
export type { Frame } from "./data/frame.ts";
export { fromPolars, toPolars } from "./data/polars.ts";

// 3. a pushed model from code
export { loadModelFile } from "./models/model-file.ts";
export type { LoadedModel } from "./models/model-file.ts";
export { predictFile } from "./predict/predict-file.ts";
export type { PredictSummary } from "./predict/predict-file.ts";
export { explainPositive } from "./models/explain.ts";
export { onnxFromModelDir, onnxFromRunDir } from "./models/onnx/sources.ts";

// 4. tracking from a program
export { createTracker, resolveTrackingConfig, syncJournals } from "./tracking/index.ts";
export type { Tracker, TrackingConfig } from "./tracking/index.ts";
export { localRunRows, remoteRunRows } from "./tracking/runs.ts";
export type { RunRow } from "./tracking/runs.ts";
export { downloadModelVersion, downloadRunModel, exportModelUri, exportRegisteredModel, parseModelUri, REGISTRY_LIMITS } from "./tracking/registry-model.ts";
export { loadRunRecord, runRecordOf } from "./report/record.ts";
export type { RunRecord } from "./report/record.ts";
export { writeRunReport } from "./report/write.ts";

// 5. figures
export type { PlotlyFigure } from "./viz/figure.ts";
export { classBalanceFigure } from "./viz/class-balance.ts";
export { distributionFigure, frameProfile } from "./viz/distributions.ts";
export { driftColumnsOf, driftFigure } from "./viz/drift.ts";
export { cvScoresFigure } from "./viz/cv-scores.ts";
export { confusionFigure } from "./viz/confusion.ts";
export { prFigure, rocFigure, thresholdFigure } from "./viz/curves.ts";
export { calibrationFigure } from "./viz/calibration.ts";
export { importanceFigure } from "./viz/importance.ts";
export { beeswarmFigure, contributionBarFigure } from "./viz/explanations.ts";
export { learningCurveFigure } from "./viz/learning-curve.ts";
export { display, displayBundle } from "./viz/display.ts";

// 6. the HTTP service
export { startServer } from "./serve/server.ts";
export type { NetsecServer, ServerOptions } from "./serve/server.ts";
