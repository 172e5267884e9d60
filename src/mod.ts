/**
 * The public API of netsec, for notebooks and programs (`import { … } from "../src/mod.ts"`).
 * Named exports only; everything here is also what the CLI uses. Add a line when a module gains
 * something users call.
 */
export { platform } from "./runtime/index.ts";
export type { Platform } from "./runtime/index.ts";
export { NetsecError, isNetsecError } from "./errors.ts";
export { loadSchema, parseSchema } from "./schema.ts";
export type { Schema } from "./schema.ts";
export { loadExperiment, parseExperiment } from "./experiment.ts";
export type { Experiment } from "./experiment.ts";
export { newRunFolder, openRunFolder, runFolder, STAGE_DIRS, STAGE_FILES } from "./artifacts.ts";
export type { RunFolder, StageName } from "./artifacts.ts";
export { createReporter } from "./reporter.ts";
export type { Reporter } from "./reporter.ts";

// data
export { CsvFile, readCsv, writeCsv } from "./data/csv.ts";
export { readNpy, splitFeaturesAndLabels, writeNpy } from "./data/npy.ts";
export { columnIndex, concatFrames, createFrame, getColumn, selectColumns, takeRows, toRecords } from "./data/frame.ts";
export type { Frame } from "./data/frame.ts";
export { fromPolars, polarsBundle, toPolars } from "./data/polars.ts";

// pipeline and stages
export { cvScores, DEFAULT_DATA, openDataSource, resolveDefaultData, runDataPipeline, runPipeline } from "./pipeline.ts";
export type { PipelineOptions, PipelineResult, PipelineSummary } from "./pipeline.ts";
export { runIngest } from "./stages/ingest.ts";
export { readValidated, runValidate } from "./stages/validate.ts";
export { runTransform } from "./stages/transform.ts";
export { Preprocessor } from "./models/preprocessor.ts";
export { runTrain } from "./stages/train.ts";
export { runEvaluate } from "./stages/evaluate.ts";
export { buildModelFile, runPush } from "./stages/push.ts";
export { evaluateInputOf, pushInputOf, readTrainingSet } from "./stages/model-inputs.ts";
export { decide, loadModelFile, parseThreshold } from "./models/model-file.ts";
export { trainingSetOf, trainingSetLookup } from "./models/training-set.ts";
export { describeOutput, explainPositive } from "./models/explain.ts";
export type { PositiveExplanation } from "./models/explain.ts";
export { chooseThreshold, confusionAt } from "./stats/threshold.ts";
export type { ThresholdChoice, ThresholdRule } from "./stats/threshold.ts";
export { matrixGroups, vectorKey } from "./stats/vector-groups.ts";
export { treeShap, treeShapPaths } from "./models/trees/tree-shap.ts";
export { contributionColumns, predictFile } from "./predict/predict-file.ts";
export { exportOnnx, onnxModelProto, onnxOutputNames, onnxSupport, ONNX_INPUT } from "./models/onnx/export.ts";
export type { OnnxExportInput, OnnxSupport } from "./models/onnx/export.ts";
export { onnxFromModelDir, onnxFromRunDir } from "./models/onnx/sources.ts";
export type { PredictOptions, PredictSummary } from "./predict/predict-file.ts";

// plots, display, reports
export type { PlotlyFigure, PlotlyTrace } from "./viz/figure.ts";
export { classBalanceFigure } from "./viz/class-balance.ts";
export { distributionFigure, frameProfile } from "./viz/distributions.ts";
export { driftFigure } from "./viz/drift.ts";
export { cvScoresFigure } from "./viz/cv-scores.ts";
export { confusionFigure } from "./viz/confusion.ts";
export { bestF1Threshold, prFigure, rocFigure, thresholdFigure } from "./viz/curves.ts";
export { importanceFigure } from "./viz/importance.ts";
export { beeswarmFigure, contributionBarFigure } from "./viz/explanations.ts";
export { learningCurveFigure } from "./viz/learning-curve.ts";
export { describeFigure, display, displayable, displayBundle, displayTable, figureBundle, showResult, tableBundle } from "./viz/display.ts";
export { renderRunReport, writeRunReport, REPORT_FILE } from "./report/write.ts";
export { loadRunRecord, runRecordOf } from "./report/record.ts";
export type { RunRecord } from "./report/record.ts";
export { latestRun, listRuns } from "./report/runs.ts";
export { renderRunsIndex, writeRunsIndex } from "./report/index-page.ts";
export { notebookSettings } from "./report/notebook-settings.ts";
export { learningCurve } from "./report/learning-curve.ts";
export { exportRegisteredModel } from "./tracking/registry-model.ts";

// serving
export { createApp } from "./serve/app.ts";
export { defaultTrainCommand, startServer } from "./serve/server.ts";
export type { NetsecServer, ServerOptions } from "./serve/server.ts";
export { ModelStore } from "./serve/model-store.ts";
export type { ServingModel } from "./serve/model-store.ts";
export { parseCsvText } from "./serve/csv-body.ts";

// tracking
export { createLocalTracker, createMlflowTracker, createTracker, MlflowClient, resolveTrackingConfig, syncJournals } from "./tracking/index.ts";
export { CHAMPION_ALIAS, REGISTERED_MODEL, startPipelineTracking } from "./tracking/pipeline.ts";
export { formatRunsTable, localRunRows, remoteRunRows, runTableCells } from "./tracking/runs.ts";
export type { RunRow } from "./tracking/runs.ts";
export { mlflowModelFolder, onnxMlflowModel } from "./tracking/mlmodel.ts";
export { downloadModelVersion, parseModelUri, resolveModelVersion } from "./tracking/registry-model.ts";
export type { DownloadedModel, ModelUri } from "./tracking/registry-model.ts";
export { RegistryFollower } from "./serve/registry-follower.ts";
export type { RegistryStatus } from "./serve/registry-follower.ts";
export type { Tracker, TrackingConfig } from "./tracking/index.ts";

// the notebook session
export { session, Session } from "./session/session.ts";
export type { SessionOptions } from "./session/session.ts";
