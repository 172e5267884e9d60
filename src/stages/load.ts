/**
 * A finished stage's result read back from its folder, typed as the stage returned it: how a
 * notebook session reuses a result an earlier run made with the same key (src/stage-cache.ts), and
 * how `netsec report <run dir>` and `netsec runs` see a run that is not in memory. A stage folder
 * without a file its result needs is refused with FILE_NOT_FOUND naming it (a run of an older
 * netsec: run the stage again).
 */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import { STAGE_FILES, type RunFolder } from "../artifacts.ts";
import { readNpy, splitFeaturesAndLabels } from "../data/npy.ts";
import type { Schema } from "../schema.ts";
import { modelFromJSON } from "../models/registry.ts";
import type { ModelJson } from "../models/classifier.ts";
import { restorePreprocessor, type Preprocessor } from "../models/preprocessor.ts";
import type { ClassificationMetrics } from "../stats/metrics.ts";
import type { ThresholdChoice } from "../stats/threshold.ts";
import type { CandidateResult, CvProtocol, ProtocolScore } from "../search/types.ts";
import type { IngestArtifacts, IngestSummary } from "./ingest.ts";
import { validationFiles, type ContractReport, type DriftReport, type ValidateArtifacts } from "./validate.ts";
import type { TransformArtifacts, TransformSummary } from "./transform.ts";
import type { TrainArtifacts } from "./train.ts";
import type { CurrentModelSummary, ComparedOn, EvaluateArtifacts } from "./evaluate.ts";
import { scalarMetrics } from "./evaluate.ts";
import type { DecisionInput, PushDecision } from "./gates.ts";
import type { ExplanationSummary } from "./explanations.ts";
import type { CalibrationSummary, MonitorReference } from "../monitor/reference.ts";

/** A JSON file, or NetsecError naming it (FILE_NOT_FOUND, DATA_INVALID). */
export async function readJsonFile<T = unknown>(path: string): Promise<T> {
  if (!(await platform.stat(path))?.isFile) throw new NetsecError("FILE_NOT_FOUND", `${path} does not exist (a run of an older netsec, or a stage that did not finish)`, { location: { file: path } });
  const text = await platform.readTextFile(path);
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new NetsecError("DATA_INVALID", `${path} is not valid JSON: ${(error as Error).message}`, { cause: error, location: { file: path } });
  }
}

async function readColumn<T extends Float64Array | Uint32Array>(path: string, as: { from(values: Float64Array): T }): Promise<T> {
  return as.from((await readNpy(path)).values);
}

const u32 = { from: (v: Float64Array) => Uint32Array.from(v) };
const f64 = { from: (v: Float64Array) => v };

export async function loadIngestion(run: RunFolder): Promise<IngestArtifacts> {
  const files = STAGE_FILES.ingestion;
  const dir = run.stage("ingestion");
  const summary = await readJsonFile<IngestSummary>(`${dir}/${files.summary}`);
  return {
    dir,
    featureStore: `${dir}/${files.featureStore(summary.name)}`,
    train: `${dir}/${files.train}`,
    test: `${dir}/${files.test}`,
    summaryFile: `${dir}/${files.summary}`,
    summary,
    sourceRows: { train: await readColumn(`${dir}/${files.sourceRows("train")}`, u32), test: await readColumn(`${dir}/${files.sourceRows("test")}`, u32) },
  };
}

export async function loadValidation(run: RunFolder): Promise<ValidateArtifacts> {
  const files = STAGE_FILES.validation;
  const paths = validationFiles(run.stage("validation"));
  const contract = await readJsonFile<ContractReport>(paths.contractFile);
  const at = (relative: string) => `${paths.dir}/${relative}`;
  return {
    ...paths,
    contract,
    drift: await readJsonFile<DriftReport>(paths.driftJson),
    warnings: contract.warnings,
    fileRows: { train: await readColumn(at(files.fileRows("train")), u32), test: await readColumn(at(files.fileRows("test")), u32) },
  };
}

/** A run's fitted preprocessor alone (without its arrays): to score other rows the way that run's model saw them. */
export async function loadPreprocessor(run: RunFolder, schema: Schema): Promise<Preprocessor> {
  return restorePreprocessor(await readJsonFile(run.file("transformation", STAGE_FILES.transformation.preprocessor)), schema.hash);
}

export async function loadTransformation(run: RunFolder, schema: Schema): Promise<TransformArtifacts> {
  const files = STAGE_FILES.transformation;
  const dir = run.stage("transformation");
  const at = (relative: string) => `${dir}/${relative}`;
  return {
    dir,
    trainArray: at(files.trainArray),
    testArray: at(files.testArray),
    preprocessorFile: at(files.preprocessor),
    summaryFile: at(files.summary),
    preprocessor: restorePreprocessor(await readJsonFile(at(files.preprocessor)), schema.hash),
    train: splitFeaturesAndLabels(await readNpy(at(files.trainArray))),
    test: splitFeaturesAndLabels(await readNpy(at(files.testArray))),
    summary: await readJsonFile<TransformSummary>(at(files.summary)),
  };
}

interface SearchFile {
  best: CandidateResult;
  trainScore: number;
  dataFingerprint: string;
  protocol: CvProtocol;
  protocols: Partial<Record<CvProtocol, ProtocolScore>>;
  seconds: number;
  refitSeconds: number;
  leaderboard: CandidateResult[];
}

export async function loadTrainer(run: RunFolder, schema: Schema): Promise<TrainArtifacts> {
  const files = STAGE_FILES.trainer;
  const dir = run.stage("trainer");
  const at = (relative: string) => `${dir}/${relative}`;
  const search = await readJsonFile<SearchFile>(at(files.search));
  const threshold = await readJsonFile<ThresholdChoice>(at(files.threshold));
  const oofPositive = await readColumn(at(files.oof), f64);
  const model = modelFromJSON(await readJsonFile<ModelJson>(at(files.model)));
  const positive = schema.positiveIndex;
  return {
    dir,
    modelFile: at(files.model),
    leaderboardFile: at(files.leaderboard),
    searchFile: at(files.search),
    thresholdFile: at(files.threshold),
    model,
    search: {
      leaderboard: search.leaderboard,
      best: search.best,
      model,
      protocol: search.protocol,
      protocols: search.protocols,
      oof: Float64Array.from(oofPositive, (p) => (positive === 1 ? p : 1 - p)),
      refitSeconds: search.refitSeconds,
      seconds: search.seconds,
    },
    trainScore: search.trainScore,
    dataFingerprint: search.dataFingerprint,
    threshold: { threshold: threshold.threshold, rule: threshold.rule, met: threshold.met, precision: threshold.precision, recall: threshold.recall, f1: threshold.f1, tp: threshold.tp, fp: threshold.fp, fn: threshold.fn, tn: threshold.tn, rows: threshold.rows, ...(threshold.cost !== undefined ? { cost: threshold.cost } : {}) },
  };
}

interface MetricsFile {
  threshold: number;
  test: ClassificationMetrics;
  train: ClassificationMetrics;
  featureImportances: number[] | null;
  calibration?: CalibrationSummary;
}

interface ComparisonFile extends PushDecision {
  new: { score: number; trainScore: number };
  current: (CurrentModelSummary & { score: number }) | null;
  comparedOn: ComparedOn | null;
  currentNote: string | null;
  decisionInput: DecisionInput;
}

export async function loadEvaluation(run: RunFolder): Promise<EvaluateArtifacts> {
  const files = STAGE_FILES.evaluation;
  const dir = run.stage("evaluation");
  const at = (relative: string) => `${dir}/${relative}`;
  const metrics = await readJsonFile<MetricsFile>(at(files.metrics));
  const curves = await readJsonFile<{ roc: EvaluateArtifacts["curves"]["roc"]; pr: EvaluateArtifacts["curves"]["pr"]; current: EvaluateArtifacts["currentConfusion"] | null }>(at(files.confusion));
  const comparison = await readJsonFile<ComparisonFile>(at(files.comparison));
  const explanationsFile = at(files.explanations);
  const explanations = (await platform.stat(explanationsFile))?.isFile ? await readJsonFile<ExplanationSummary>(explanationsFile) : undefined;
  const { new: _new, current, comparedOn, currentNote, decisionInput, ...decision } = comparison;
  const { score: _score, ...currentSummary } = current ?? { score: 0 };
  return {
    dir,
    metricsFile: at(files.metrics),
    confusionFile: at(files.confusion),
    comparisonFile: at(files.comparison),
    explanationsFile: explanations ? explanationsFile : undefined,
    metrics: metrics.test,
    scalars: scalarMetrics(metrics.test),
    testScore: comparison.new.score,
    trainScore: comparison.new.trainScore,
    current: current ? currentSummary as CurrentModelSummary : undefined,
    currentConfusion: curves.current ?? undefined,
    comparedOn: comparedOn ?? undefined,
    currentNote: currentNote ?? undefined,
    threshold: metrics.threshold,
    decision: { push: decision.push, reasons: decision.reasons, gates: decision.gates, overridable: decision.overridable, forced: decision.forced, ...(decision.improvement !== undefined ? { improvement: decision.improvement } : {}) },
    decisionInput,
    trainMetrics: metrics.train,
    curves: { roc: curves.roc, pr: curves.pr },
    probability: await readColumn(at(files.probability), f64),
    explanations,
    importances: metrics.featureImportances ?? undefined,
    calibration: metrics.calibration ?? undefined,
    reference: (await platform.stat(at(files.reference)))?.isFile ? await readJsonFile<MonitorReference>(at(files.reference)) : undefined,
  };
}
