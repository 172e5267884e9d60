/**
 * `runPipeline`: the stages in order for one new run folder (`Artifacts/<timestamp>/`). It only
 * chains them: each stage is a function in src/stages/ that writes its own folder atomically.
 * In-memory results are handed from one stage to the next (validated frames to transform), but
 * every stage's files are complete on disk, so any stage can also be re-run from its inputs.
 * Hooks let callers (tracking, notebooks) see each stage's artifacts as soon as it finishes.
 */
import { platform } from "./runtime/index.ts";
import { NetsecError } from "./errors.ts";
import { loadSchema, type Schema } from "./schema.ts";
import { loadExperiment, DEFAULT_EXPERIMENT, type Experiment } from "./experiment.ts";
import { newRunFolder, STAGE_DIRS, writeRunStatus, type RunFolder, type StageName } from "./artifacts.ts";
import { openSource } from "./data/source.ts";
import type { Reporter } from "./reporter.ts";
import type { CandidateResult } from "./search/types.ts";
import { runIngest, type IngestArtifacts, type IngestSource } from "./stages/ingest.ts";
import { runValidate, type ValidateArtifacts } from "./stages/validate.ts";
import { runTransform, type TransformArtifacts } from "./stages/transform.ts";
import { runTrain, type TrainArtifacts } from "./stages/train.ts";
import { runEvaluate, type EvaluateArtifacts } from "./stages/evaluate.ts";
import { runPush, type PushArtifacts } from "./stages/push.ts";
import { onnxSupport } from "./models/onnx/export.ts";
import { evaluateInputOf, pushInputOf, readTrainingSet } from "./stages/model-inputs.ts";

/** The winner's CV score under both fold protocols: grouped (the honest one) and leaky (row by row, the seed's). */
export function cvScores(trainer: TrainArtifacts): Record<string, { mean: number; std: number; folds: number[] } | null> {
  const p = trainer.search.protocols;
  const of = (k: "grouped" | "leaky") => (p[k] ? { mean: p[k]!.meanScore, std: p[k]!.stdScore, folds: p[k]!.foldScores } : null);
  return { grouped: of("grouped"), leaky: of("leaky") };
}

/** What each stage hands to `onStage`. Later stages (train, evaluate, push) add their entry here. */
export interface PipelineStages {
  ingestion: IngestArtifacts;
  validation: ValidateArtifacts;
  transformation: TransformArtifacts;
  trainer: TrainArtifacts;
  evaluation: EvaluateArtifacts;
  push: PushArtifacts;
}

export type PipelineStageName = keyof PipelineStages;

export interface PipelineHooks {
  /** Called before a stage starts. */
  onStageStart?(name: PipelineStageName, run: RunFolder): void | Promise<void>;
  /** Called with a stage's artifacts once its folder is complete. */
  onStage?<S extends PipelineStageName>(name: S, artifacts: PipelineStages[S], run: RunFolder): void | Promise<void>;
  /** Called by the model search once per candidate (tracking: one nested MLflow run each); pass it to runTrain's onCandidate. */
  onCandidate?(result: CandidateResult): void | Promise<void>;
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
}

export interface StageSummary {
  dir: string;
  seconds: number;
  [key: string]: unknown;
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

function experimentName(experiment: string | Experiment | undefined): string {
  if (experiment === undefined) return DEFAULT_EXPERIMENT;
  return typeof experiment === "string" ? experiment : experiment.name;
}

async function resolveExperiment(experiment: string | Experiment | undefined): Promise<Experiment> {
  if (experiment !== undefined && typeof experiment !== "string") return experiment;
  const path = experiment ?? DEFAULT_EXPERIMENT;
  // The default experiment is found from any working directory (the repository's copy).
  if (path === DEFAULT_EXPERIMENT && !(await platform.stat(path))?.isFile) return loadExperiment();
  return loadExperiment(path);
}

/**
 * One run in progress: its folder, inputs, and `stage()`, which times a stage, records its summary
 * and calls the hooks. Stages added later (train, evaluate, push) go through `stage()` too.
 */
export interface PipelineRun {
  run: RunFolder;
  schema: Schema;
  experiment: Experiment;
  source: IngestSource;
  options: PipelineOptions;
  reporter: Reporter;
  stages: Record<string, StageSummary>;
  stage<S extends PipelineStageName>(name: S, work: () => Promise<PipelineStages[S]>, describe: (a: PipelineStages[S]) => Record<string, unknown>): Promise<PipelineStages[S]>;
  /** The JSON summary so far (run folder, stages, warnings of this run). */
  summary(): PipelineSummary;
  /** The stage running now (undefined between stages). */
  readonly current?: PipelineStageName;
  /** When the run started (ISO). */
  readonly startedAt: string;
}

/** Resolve the inputs and create the run folder. */
export async function startRun(options: PipelineOptions, hooks: PipelineHooks = {}): Promise<PipelineRun> {
  const { reporter } = options;
  const experiment = await resolveExperiment(options.experiment);
  const schema = options.schema ?? (await loadSchema());
  const data = options.data ?? (await resolveDefaultData(reporter));
  const source = await openDataSource(data, schema);
  const run = await newRunFolder(options.artifacts ?? "Artifacts");
  const startedAt = new Date().toISOString();
  await writeRunStatus(run.dir, { status: "running", startedAt, pid: platform.pid() });
  const warningsBefore = reporter.warnings.length;
  const stages: Record<string, StageSummary> = {};
  reporter.info(`run folder ${run.dir}`);
  let current: PipelineStageName | undefined;
  return {
    run,
    schema,
    experiment,
    source,
    options,
    reporter,
    stages,
    startedAt,
    get current() {
      return current;
    },
    async stage(name, work, describe) {
      current = name;
      await hooks.onStageStart?.(name, run);
      const started = Date.now();
      const artifacts = await work();
      stages[name] = { dir: name in STAGE_DIRS ? run.stage(name as StageName) : run.dir, seconds: (Date.now() - started) / 1000, ...describe(artifacts) };
      await hooks.onStage?.(name, artifacts, run);
      current = undefined;
      return artifacts;
    },
    summary: () => ({
      runDir: run.dir,
      data: source.describe,
      experiment: experimentName(options.experiment),
      stages,
      warnings: reporter.warnings.slice(warningsBefore),
    }),
  };
}

/** The data half: ingest → validate → transform. */
export async function runDataStages(ctx: PipelineRun): Promise<Pick<PipelineResult, "ingestion" | "validation" | "transformation">> {
  const { run, schema, experiment, source, reporter, options } = ctx;
  const ingestion = await ctx.stage("ingestion", () => runIngest(source, { run, schema, testRatio: experiment.split.test_ratio, seed: experiment.seed, groupDuplicates: experiment.split.group_duplicates, reporter }), (a) => ({
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
  const validation = await ctx.stage("validation", () =>
    runValidate({ train: ingestion.train, test: ingestion.test }, {
      run,
      schema,
      maxInvalidShare: experiment.validation.max_invalid_share,
      driftPValue: experiment.validation.drift_p_value,
      failOnDrift: experiment.validation.fail_on_drift,
      conflicts: experiment.validation.conflicts,
      reference: options.reference,
      reporter,
    }), (a) => ({
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
  const transformation = await ctx.stage("transformation", () => runTransform({ train: validation.validTrain, test: validation.validTest, trainRows: validation.contract.train.valid, testRows: validation.contract.test.valid }, { run, schema, k: experiment.transform.knn_neighbors, reporter }), (a) => ({
    trainArray: a.trainArray,
    testArray: a.testArray,
    preprocessor: a.preprocessorFile,
    imputedCells: a.summary.train.imputedCells + a.summary.test.imputedCells,
  }));
  return { ingestion, validation, transformation };
}

/**
 * Run `work` on the run and record how it ended in `<run>/run.json`: "complete", or "failed" with
 * the stage and the reason. A run that failed before any stage finished leaves nothing behind
 * (its folder would be empty): the error says why.
 */
export async function recordRun<T>(ctx: PipelineRun, work: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (Object.keys(ctx.stages).length === 0) await platform.remove(ctx.run.dir).catch(() => undefined);
    else await writeRunStatus(ctx.run.dir, { status: "failed", startedAt: ctx.startedAt, finishedAt: new Date().toISOString(), stage: ctx.current, reason, pid: platform.pid() }).catch(() => undefined);
    throw error;
  }
  await writeRunStatus(ctx.run.dir, { status: "complete", startedAt: ctx.startedAt, finishedAt: new Date().toISOString(), pid: platform.pid() });
  return result;
}

/** Ingest → validate → transform only (benchmarks, notebooks of the data half). */
export async function runDataPipeline(options: PipelineOptions, hooks: PipelineHooks = {}): Promise<PipelineResult> {
  const ctx = await startRun(options, hooks);
  const data = await recordRun(ctx, () => runDataStages(ctx));
  return { summary: ctx.summary(), run: ctx.run, schema: ctx.schema, experiment: ctx.experiment, ...data };
}

/** The whole pipeline for one new run folder. */
export async function runPipeline(options: PipelineOptions, hooks: PipelineHooks = {}): Promise<PipelineResult> {
  const ctx = await startRun(options, hooks);
  return await recordRun(ctx, async () => {
    const data = await runDataStages(ctx);
    const models = await runModelStages(ctx, data.transformation, data.validation, hooks);
    return { summary: ctx.summary(), run: ctx.run, schema: ctx.schema, experiment: ctx.experiment, ...data, ...models };
  });
}

/** The model half: train (search) → evaluate (against the current model, gates) → push. */
export async function runModelStages(ctx: PipelineRun, transformation: TransformArtifacts, validation: ValidateArtifacts, hooks: PipelineHooks = {}): Promise<Pick<PipelineResult, "trainer" | "evaluation" | "push">> {
  const { run, schema, experiment, reporter, options } = ctx;
  const modelDir = options.modelDir ?? "final_model";
  const trainer = await ctx.stage("trainer", () => runTrain({ train: transformation.train, trainArray: transformation.trainArray }, { run, experiment, schema, reporter, onCandidate: hooks.onCandidate }), (a) => ({
    model: a.modelFile,
    leaderboard: a.leaderboardFile,
    best: { family: a.search.best.family, params: a.search.best.params, cvScore: a.search.best.meanScore, cvStd: a.search.best.stdScore, onnxExportable: onnxSupport(a.search.best.family).exportable },
    cvProtocol: a.search.protocol,
    cv: cvScores(a),
    threshold: { value: a.threshold.threshold, rule: a.threshold.rule, precision: a.threshold.precision, recall: a.threshold.recall, f1: a.threshold.f1 },
    candidates: a.search.leaderboard.length,
    trainScore: a.trainScore,
    searchSeconds: a.search.seconds,
  }));
  // The raw feature vectors of the training rows: recorded with the model, so a later push gate
  // can leave the rows it was trained on out of the comparison.
  const trainingSet = await readTrainingSet(validation.validTrain, schema);
  const evaluation = await ctx.stage("evaluation", async () => runEvaluate(await evaluateInputOf(trainer, transformation, validation.validTest, trainingSet), { run, experiment, schema, modelDir, force: options.force, reporter }), (a) => ({
    metrics: a.scalars,
    testScore: a.testScore,
    trainScore: a.trainScore,
    threshold: a.threshold,
    current: a.current ?? null,
    comparedOn: a.comparedOn ?? null,
    push: a.decision.push,
    reasons: a.decision.reasons,
  }));
  const push = await ctx.stage("push", () => runPush(pushInputOf(trainer, transformation, evaluation, trainingSet, experiment), { experiment, schema, modelDir, runDir: run.dir, reporter }), (a) => ({ dir: a.modelDir, pushed: a.pushed, version: a.version ?? null, sha256: a.sha256 ?? null, onnx: a.onnxFile ?? null, reasons: a.reasons }));
  return { trainer, evaluation, push };
}
