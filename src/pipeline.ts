/**
 * `runPipeline`: the stages in order for one new run folder (`Artifacts/<timestamp>/`). It only
 * chains them: each stage is a function in src/stages/ that takes one typed options object
 * (settings from src/plan.ts + the run's context) and writes its own folder atomically. Typed
 * results are handed from one stage to the next, to tracking (hooks) and to the report in memory.
 *
 * Everything that can be checked before data is read is checked first (the experiment file: its
 * families, parameters and grid size; the data source): a run that fails there makes no folder and
 * records nothing. A `RunRecorder` writes run.json as stages finish (their keys, seconds, the
 * lineage of stages reused from other runs), so a notebook session (src/session/) that shares
 * these pieces leaves the same kind of folders behind.
 */
import { platform } from "./runtime/index.ts";
import { NetsecError } from "./errors.ts";
import { loadSchema, type Schema } from "./schema.ts";
import { loadExperiment, DEFAULT_EXPERIMENT, type Experiment } from "./experiment.ts";
import { loadRunFolder, readRunStatus, STAGE_FILES, type RunFolder } from "./artifacts.ts";
import { openSource } from "./data/source.ts";
import type { Reporter } from "./reporter.ts";
import { checkExperiment } from "./search/check.ts";
import { runIngest, type IngestArtifacts, type IngestSource } from "./stages/ingest.ts";
import { runValidate, type ValidateArtifacts } from "./stages/validate.ts";
import { runTransform, type TransformArtifacts } from "./stages/transform.ts";
import { runTrain, type TrainArtifacts } from "./stages/train.ts";
import { runEvaluate, type EvaluateArtifacts } from "./stages/evaluate.ts";
import { pushSummary, runPush, type PushArtifacts } from "./stages/push.ts";
import { evaluateInputOf, pushInputOf, readTrainingSet } from "./stages/model-inputs.ts";
import { planStages, stageKeys, type KeyInputs, type StageKeys, type StagePlan } from "./plan.ts";
import { currentModelSha256 } from "./models/model-file.ts";
export { INTERRUPT_EXIT_CODES, interruptRun, recordRun, RunRecorder } from "./run-recorder.ts";
export type { PipelineHooks, PipelineStageName, PipelineStages, StageEvent, StageSummary } from "./run-recorder.ts";
import { recordRun, RunRecorder, type PipelineHooks, type PipelineStages, type StageSummary } from "./run-recorder.ts";

/** The winner's CV score under both fold protocols: grouped (the honest one) and leaky (row by row, the seed's). */
export function cvScores(trainer: TrainArtifacts): Record<string, { mean: number; std: number; folds: number[] } | null> {
  const p = trainer.search.protocols;
  const of = (k: "grouped" | "leaky") => (p[k] ? { mean: p[k]!.meanScore, std: p[k]!.stdScore, folds: p[k]!.foldScores } : null);
  return { grouped: of("grouped"), leaky: of("leaky") };
}

export interface PipelineOptions {
  /** A CSV or ARFF path or a mongodb:// URI; default network_data/phisingData.csv (fetched when missing). */
  data?: string;
  /** Experiment file path or an already-loaded experiment; default experiments/default.yaml. */
  experiment?: string | Experiment;
  /** Root of the run folders; default "Artifacts". */
  artifacts?: string;
  schema?: Schema;
  /** A previous run folder to compare the new data against (drift). */
  reference?: string;
  reporter: Reporter;
  /** Where the accepted model is pushed (default final_model). */
  modelDir?: string;
  /** Push even when the new model is not better than the current one (gates still apply). */
  force?: boolean;
  /** Called once the run folder exists, with its recorder (a signal handler marks it interrupted through it). */
  onRecorder?: (recorder: RunRecorder) => void;
}

export interface PipelineSummary {
  runDir: string;
  data: string;
  experiment: string;
  stages: Record<string, StageSummary>;
  warnings: string[];
}

export interface PipelineResult {
  summary: PipelineSummary;
  run: RunFolder;
  schema: Schema;
  experiment: Experiment;
  ingestion: IngestArtifacts;
  validation: ValidateArtifacts;
  transformation: TransformArtifacts;
  trainer?: TrainArtifacts;
  evaluation?: EvaluateArtifacts;
  push?: PushArtifacts;
}

export const DEFAULT_DATA = "network_data/phisingData.csv";

/** The file `--data` stands for when not given: the default dataset, fetched when missing. */
export async function resolveDefaultData(reporter: Reporter): Promise<string> {
  const root = platform.projectRoot();
  const candidates = [DEFAULT_DATA, `${root}/${DEFAULT_DATA}`, `${root}/network_data/phishing.arff`];
  for (const c of candidates) if ((await platform.stat(c))?.isFile) return c;
  reporter.info(`no ${DEFAULT_DATA}: running scripts/fetch-data`);
  const result = await platform.run("bash", [`${root}/scripts/fetch-data`], { cwd: root });
  if (result.stderr.trim()) reporter.info(result.stderr.trim());
  if (result.code !== 0) {
    throw new NetsecError("FILE_NOT_FOUND", `no ${DEFAULT_DATA}, and scripts/fetch-data failed (exit ${result.code}): ${result.stderr.trim().split("\n").pop() ?? ""}; give a file with --data`);
  }
  for (const c of candidates.slice(1)) if ((await platform.stat(c))?.isFile) return c;
  throw new NetsecError("FILE_NOT_FOUND", `scripts/fetch-data ran but ${root}/${DEFAULT_DATA} is still missing; give a file with --data`);
}

/**
 * Open `--data` for ingest: a CSV or ARFF file, or a `mongodb://` URI (src/data/source.ts). The
 * schema's column order is used for MongoDB documents (whose fields have no order of their own).
 */
export function openDataSource(spec: string, schema?: Schema): Promise<IngestSource> {
  return openSource(spec, schema ? { columns: schema.columns } : {});
}

/**
 * The experiment of a run, checked completely (families, parameter names and ranges, grid size)
 * before any data is read. The default experiment is found from any working directory.
 */
export async function resolveExperiment(experiment: string | Experiment | undefined): Promise<Experiment> {
  let loaded: Experiment;
  if (experiment !== undefined && typeof experiment !== "string") loaded = experiment;
  else {
    const path = experiment ?? DEFAULT_EXPERIMENT;
    loaded = path === DEFAULT_EXPERIMENT && !(await platform.stat(path))?.isFile ? await loadExperiment() : await loadExperiment(path);
  }
  checkExperiment(loaded, typeof experiment === "string" ? experiment : loaded.name);
  return loaded;
}

/** A pipeline run, prepared: everything checked and opened, no folder made yet. */
export interface PreparedRun {
  schema: Schema;
  experiment: Experiment;
  source: IngestSource;
  plan: StagePlan;
  options: PipelineOptions;
}

/** Check the experiment and open the data source (a failure here makes no run folder). */
export async function prepareRun(options: PipelineOptions): Promise<PreparedRun> {
  const experiment = await resolveExperiment(options.experiment);
  const schema = options.schema ?? (await loadSchema());
  const data = options.data ?? (await resolveDefaultData(options.reporter));
  const source = await openDataSource(data, schema);
  const plan = planStages(experiment, { modelDir: options.modelDir ?? "final_model", reference: options.reference, force: options.force });
  await checkRunPlaces(options.artifacts ?? "Artifacts", options.reference);
  return { schema, experiment, source, plan, options };
}

/** The folder runs go in can be made, and `--reference` is a run with validated data: checked before anything is recorded. */
async function checkRunPlaces(artifacts: string, reference: string | undefined): Promise<void> {
  if (reference !== undefined) {
    const path = (await loadRunFolder(reference)).file("validation", STAGE_FILES.validation.validTrain);
    if (!(await platform.stat(path))?.isFile) {
      throw new NetsecError("FILE_NOT_FOUND", `--reference ${reference}: no validated training data at ${path} (give the folder of an earlier run, e.g. Artifacts/<timestamp>)`, { location: { file: path } });
    }
  }
  await platform.mkdir(artifacts).catch((error) => {
    throw new NetsecError("OUTPUT_UNWRITABLE", `--artifacts ${artifacts}: cannot create the folder for run folders (${error instanceof Error ? error.message : String(error)}); give a folder you can write to`, { cause: error, location: { file: artifacts } });
  });
}

/**
 * What the stage keys of a run start from: the source's digest (a file's sha256; a database has
 * none, so its results get keys of their own that nothing reuses), the contract, the reference
 * run's validated data and the model currently in the model folder.
 */
export async function keyInputs(digest: string | undefined, schema: Schema, plan: StagePlan): Promise<KeyInputs> {
  const data = digest ?? `unkeyed:${Date.now()}:${Math.random()}`;
  let reference: string | undefined;
  if (plan.validation.reference) reference = (await readRunStatus(plan.validation.reference))?.stages?.validation?.key ?? `folder:${plan.validation.reference}`;
  return { data, schema: schema.hash, reference, currentModel: (await currentModelSha256(plan.evaluation.modelDir)) ?? "" };
}

function experimentName(experiment: string | Experiment | undefined): string {
  if (experiment === undefined) return DEFAULT_EXPERIMENT;
  return typeof experiment === "string" ? experiment : experiment.name;
}

/** The data half: ingest → validate → transform, into the recorder's folder. */
export async function runDataStages(prepared: PreparedRun, recorder: RunRecorder, keys: StageKeys): Promise<Pick<PipelineResult, "ingestion" | "validation" | "transformation">> {
  const { schema, source, plan, options } = prepared;
  const { reporter } = options;
  const context = { run: recorder.run, schema, reporter };
  const ingestion = await recorder.stage("ingestion", keys.ingestion, () => runIngest(source, { ...context, ...plan.ingestion }), (a) => ({
    featureStore: a.featureStore,
    train: a.train,
    test: a.test,
    rows: a.summary.rows,
    trainRows: a.summary.train.rows,
    testRows: a.summary.test.rows,
    groupedBy: a.summary.groupedBy,
    vectors: a.summary.vectors,
    sharedVectors: a.summary.sharedVectors,
  }));
  const validation = await recorder.stage("validation", keys.validation, () => runValidate({ train: ingestion.train, test: ingestion.test }, { ...context, ...plan.validation }), (a) => ({
    validTrain: a.validTrain,
    validTest: a.validTest,
    invalidRows: a.contract.invalidRows,
    duplicates: a.contract.duplicates.duplicates,
    distinctVectors: a.contract.duplicates.vectors.distinct,
    conflictingGroups: a.contract.conflicts.groups,
    drifted: a.drift.summary.drifted,
    referenceDrifted: a.drift.summary.referenceDrifted,
    driftReport: a.driftYaml,
  }));
  const transformation = await recorder.stage("transformation", keys.transformation, () => runTransform({ train: validation.validTrain, test: validation.validTest, trainRows: validation.contract.train.valid, testRows: validation.contract.test.valid }, { ...context, ...plan.transformation }), (a) => ({
    trainArray: a.trainArray,
    testArray: a.testArray,
    preprocessor: a.preprocessorFile,
    imputedCells: a.summary.train.imputedCells + a.summary.test.imputedCells,
  }));
  return { ingestion, validation, transformation };
}

/** The model half: train (search) → evaluate (against the current model, gates) → push. */
export async function runModelStages(prepared: PreparedRun, recorder: RunRecorder, keys: StageKeys, data: Pick<PipelineResult, "validation" | "transformation">, hooks: PipelineHooks = {}): Promise<Pick<PipelineResult, "trainer" | "evaluation" | "push">> {
  const { schema, plan, options } = prepared;
  const { reporter } = options;
  const { transformation, validation } = data;
  const context = { run: recorder.run, schema, reporter };
  const trainer = await recorder.stage("trainer", keys.trainer, () => runTrain({ train: transformation.train, trainArray: transformation.trainArray }, { ...context, ...plan.trainer, onCandidate: hooks.onCandidate, onProgress: hooks.onProgress }), trainerSummary);
  // The raw feature vectors of the training rows: recorded with the model, so a later push gate
  // can leave the rows it was trained on out of the comparison.
  const trainingSet = await readTrainingSet(validation.validTrain, schema);
  const evaluation = await recorder.stage("evaluation", keys.evaluation, async () => runEvaluate(await evaluateInputOf(trainer, transformation, validation.validTest, trainingSet), { ...context, ...plan.evaluation }), evaluationSummary);
  const push = await recorder.stage("push", "", () => runPush(pushInputOf(trainer, transformation, evaluation, trainingSet), { ...plan.push, schema, runDir: recorder.run.dir, reporter }), pushSummary);
  return { trainer, evaluation, push };
}

export function trainerSummary(a: TrainArtifacts): Record<string, unknown> {
  return {
    model: a.modelFile,
    leaderboard: a.leaderboardFile,
    best: { family: a.search.best.family, params: a.search.best.params, cvScore: a.search.best.meanScore, cvStd: a.search.best.stdScore },
    cvProtocol: a.search.protocol,
    cv: cvScores(a),
    threshold: { value: a.threshold.threshold, rule: a.threshold.rule, precision: a.threshold.precision, recall: a.threshold.recall, f1: a.threshold.f1 },
    candidates: a.search.leaderboard.length,
    trainScore: a.trainScore,
    searchSeconds: a.search.seconds,
  };
}

export function evaluationSummary(a: EvaluateArtifacts): Record<string, unknown> {
  return {
    metrics: a.scalars,
    testScore: a.testScore,
    trainScore: a.trainScore,
    threshold: a.threshold,
    current: a.current ?? null,
    comparedOn: a.comparedOn ?? null,
    push: a.decision.push,
    reasons: a.decision.reasons,
  };
}

function summaryOf(prepared: PreparedRun, recorder: RunRecorder, warningsBefore: number): PipelineSummary {
  return {
    runDir: recorder.run.dir,
    data: prepared.source.describe,
    experiment: experimentName(prepared.options.experiment),
    stages: recorder.stages,
    warnings: prepared.options.reporter.warnings.slice(warningsBefore),
  };
}

async function startRecorder(prepared: PreparedRun, hooks: PipelineHooks): Promise<RunRecorder> {
  const recorder = await RunRecorder.create(prepared.options.artifacts ?? "Artifacts", "netsec train", hooks);
  prepared.options.reporter.info(`run folder ${recorder.run.dir}`);
  prepared.options.onRecorder?.(recorder);
  return recorder;
}

/** Ingest → validate → transform only (benchmarks, tests of the data half). */
export async function runDataPipeline(options: PipelineOptions, hooks: PipelineHooks = {}): Promise<PipelineResult> {
  const prepared = await prepareRun(options);
  const warningsBefore = options.reporter.warnings.length;
  const keys = await stageKeys(prepared.plan, await keyInputs(await prepared.source.digest?.(), prepared.schema, prepared.plan));
  const recorder = await startRecorder(prepared, hooks);
  const data = await recordRun(recorder, () => runDataStages(prepared, recorder, keys));
  return { summary: summaryOf(prepared, recorder, warningsBefore), run: recorder.run, schema: prepared.schema, experiment: prepared.experiment, ...data };
}

/**
 * The whole pipeline for one new run folder. `prepared` lets a caller (`netsec train`) check the
 * experiment and the data source before anything else happens (tracking included).
 */
export async function runPipeline(options: PipelineOptions, hooks: PipelineHooks = {}, prepared?: PreparedRun): Promise<PipelineResult> {
  const ready = prepared ?? (await prepareRun(options));
  const warningsBefore = options.reporter.warnings.length;
  const keys = await stageKeys(ready.plan, await keyInputs(await ready.source.digest?.(), ready.schema, ready.plan));
  const recorder = await startRecorder(ready, hooks);
  return await recordRun(recorder, async () => {
    const data = await runDataStages(ready, recorder, keys);
    const models = await runModelStages(ready, recorder, keys, data, hooks);
    return { summary: summaryOf(ready, recorder, warningsBefore), run: recorder.run, schema: ready.schema, experiment: ready.experiment, ...data, ...models };
  });
}
