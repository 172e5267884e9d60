/**
 * The notebook session: one object that holds the settings, the contract, the experiment, the
 * reporter and tracking once, with verbs over the same stage functions `netsec train` chains —
 *
 *   const lab = await session({ experiment: "fast" });
 *   await lab.search();          // runs data → validate → transform → search, shows the leaderboard
 *   await lab.evaluate();        // metrics at the threshold, confusion, ROC/PR, vs the pushed model
 *   await lab.push();            // pushed, or why not
 *
 * Each verb runs whatever earlier step is still missing and returns a result that shows itself.
 * Stage results are keyed by their inputs (src/plan.ts): asking again with the same inputs returns
 * at once and writes nothing; changing the grid re-runs the search and what follows, never the
 * data stages (src/session/engine.ts).
 */
import { platform } from "../runtime/index.ts";
import { NetsecError, isNetsecError } from "../errors.ts";
import { loadSchema, type Schema } from "../schema.ts";
import { experimentSchema, type Candidate, type Experiment } from "../experiment.ts";
import { createReporter, type Reporter } from "../reporter.ts";
import { resolveSettings, workspaceRoot, type Settings, type SettingsInput } from "../settings.ts";
import type { StageName } from "../artifacts.ts";
import { keyInputs, openDataSource, resolveDefaultData, resolveExperiment, type PipelineStages } from "../pipeline.ts";
import { planStages, stageKeys, type StageKeys, type StagePlan } from "../plan.ts";
import { checkExperiment } from "../search/check.ts";
import type { SearchResult } from "../search/types.ts";
import type { IngestSource } from "../stages/ingest.ts";
import { oofPositive } from "../stages/train.ts";
import { runPush } from "../stages/push.ts";
import { pushInputOf, readTrainingSet } from "../stages/model-inputs.ts";
import { readJsonFile } from "../stages/load.ts";
import type { ThresholdRule } from "../stats/threshold.ts";
import { prCurve } from "../stats/metrics.ts";
import { MODEL_FILES, modelSetDir, type ModelManifest } from "../models/model-file.ts";
import { onnxFromFitted, onnxFromModelDir } from "../models/onnx/sources.ts";
import { exportableFamilies } from "../models/onnx/families.ts";
import { loadRunRecord, runRecordOf } from "../report/record.ts";
import { writeRunReport } from "../report/write.ts";
import { collectRuns } from "../report/gc.ts";
import { learningCurve } from "../report/learning-curve.ts";
import { learningCurveFigure } from "../viz/learning-curve.ts";
import { StageEngine, type Provenance } from "./engine.ts";
import { computeStage, type ComputeContext } from "./compute.ts";
import { evaluationOfServed, servedModel } from "./served.ts";
import { DataResult, splitProfiles, ValidationResult } from "./data-views.ts";
import { EvaluationResult, ExplanationResult, ExportResult, LeaderboardResult, onnxPorts, PushResult, ThresholdResult } from "./model-views.ts";
import { CompareResult, GcResult, MistakesResult, RunsResult } from "./runs-views.ts";
import { comparedRun, disagreements, explainRow, findMistakes, testSourceRows } from "./questions.ts";
import { FigureResult, frameOf, type Shown } from "./show.ts";
import type { MimeBundle } from "../viz/display.ts";
import { ReportResult } from "./report-view.ts";
import { SessionResult } from "./session-view.ts";
import { registeredVersion, runRows, trackingTarget } from "./tracked.ts";

export interface SessionOptions extends Omit<SettingsInput, "experiment"> {
  /** An experiment name ("fast" → experiments/fast.yaml), a file, or an experiment object (default: experiments/default.yaml). */
  experiment?: string | Experiment;
  /** The data contract: a schema.yaml path or a parsed schema (default: the project's schema.yaml). */
  schema?: string | Schema;
  /** Record runs as `netsec train` does (MLflow when configured, else the local run log); default true. */
  tracking?: boolean;
  /** Print nothing but warnings (default: progress goes to the cell only, as display updates). */
  quiet?: boolean;
}

type Results = Partial<{ [S in StageName]: PipelineStages[S] }>;
type Got<S extends StageName> = { result: PipelineStages[S]; provenance: Provenance[] };
type Grid = Candidate["grid"];

/** Start a session: settings resolved (arguments, then NETSEC_* variables, then defaults under the project folder), the experiment checked completely. */
export async function session(options: SessionOptions = {}): Promise<Session> {
  const base = await workspaceRoot();
  const { experiment, schema, tracking, quiet, ...given } = options;
  const settings = resolveSettings({ ...given, ...(typeof experiment === "string" ? { experiment } : {}) }, { base });
  const loaded = await resolveExperiment(typeof experiment === "object" ? experiment : settings.experiment);
  const contract = typeof schema === "object" ? schema : await loadSchema(schema);
  const inKernel = platform.inJupyter();
  const reporter = createReporter({ plain: true, quiet: quiet || inKernel });
  return new Session(settings, contract, loaded, reporter, tracking ?? true);
}

export class Session {
  #experiment: Experiment;
  #candidates?: Candidate[];
  #threshold?: ThresholdRule;
  readonly #engine: StageEngine;
  readonly #searches = new Map<string, SearchResult>();
  #source?: { spec: string; source: IngestSource; size: number; mtimeMs: number; digest?: string };
  /** Refused pushes by evaluation key and force: asking again gives the same answer and records nothing. */
  readonly #pushes = new Map<string, PushResult>();
  /** The latest result of each step, for the session's own display. */
  readonly #steps = new Map<string, Shown>();
  /** Value counts of the ingested splits, by ingestion folder. */
  readonly #profiles = new Map<string, Awaited<ReturnType<typeof splitProfiles>>>();

  constructor(readonly settings: Settings, readonly schema: Schema, experiment: Experiment, readonly reporter: Reporter, readonly tracking: boolean) {
    this.#experiment = experiment;
    this.#engine = new StageEngine({ settings, schema, reporter, tracking, experiment: () => this.experiment });
  }

  /** The experiment the next step runs: the session's, with the search and threshold asked for since. */
  get experiment(): Experiment {
    const e = this.#experiment;
    return {
      ...e,
      search: { ...e.search, candidates: this.#candidates ?? e.search.candidates },
      threshold: this.#threshold ?? e.threshold,
    };
  }

  /** The newest run folder this session wrote. */
  get runDir(): string | undefined {
    return this.#engine.run?.dir;
  }

  /** Ingest: the data read, kept in the feature store, split into train and test. */
  async data(): Promise<DataResult> {
    const got = await this.#stage("ingestion");
    const dir = got.result.dir;
    if (!this.#profiles.has(dir)) this.#profiles.set(dir, await splitProfiles(got.result, this.schema));
    return this.#step("data", new DataResult(got.result, this.schema, got.provenance, this.#profiles.get(dir)));
  }

  /** Validate: the contract (invalid rows, duplicates, conflicting labels) and drift. */
  async validate(): Promise<ValidationResult> {
    const got = await this.#stage("validation");
    return this.#step("validate", new ValidationResult(got.result, this.schema, got.provenance));
  }

  /**
   * The model search. Without arguments: the experiment's candidates (or the last ones asked for).
   * `search("knn")` searches one family (its grid from the experiment when it has one there);
   * `search("hist_gbt", { learning_rate: [0.1, 0.3] })` one family on a grid; a candidate list
   * replaces the experiment's. The data stages are reused, never re-run.
   */
  async search(candidates?: string | Candidate | Candidate[], grid?: Grid): Promise<LeaderboardResult> {
    if (candidates !== undefined) this.#setCandidates(candidates, grid);
    const got = await this.#stage("trainer");
    return this.#step("search", new LeaderboardResult(got.result, got.provenance));
  }

  /** Evaluate the searched model on the test rows at its threshold, against the pushed model. */
  async evaluate(): Promise<EvaluationResult> {
    const got = await this.#stage("evaluation");
    return this.#step("evaluate", new EvaluationResult(got.result, this.schema, got.provenance));
  }

  /**
   * Push the evaluated model into the model folder when the evaluation says so; `force` pushes a
   * model that is not better than the pushed one (a failed gate still stops it).
   */
  async push(options: { force?: boolean } = {}): Promise<PushResult> {
    const keys = await this.#keys();
    const trainer = await this.#stage("trainer", keys);
    const served = await servedModel(this.settings.modelDir, this.schema, trainer.result);
    if (served) {
      const registered = this.tracking ? await registeredVersion(served.sha256) : undefined;
      return this.#step("push", new PushResult({ pushed: true, reasons: [`this model is already the one ${this.settings.modelDir} serves`], ...served, modelDir: this.settings.modelDir }, true, undefined, registered ? { registered } : undefined));
    }
    const evaluation = await this.#stage("evaluation", keys);
    const asked = `${keys.evaluation}:${Boolean(options.force)}`;
    const before = this.#pushes.get(asked);
    if (before) return this.#step("push", before);
    const results = await this.#upstream("evaluation", keys);
    const { transformation, validation } = results;
    const trainingSet = await readTrainingSet(validation!.validTrain, this.schema);
    const { run, push, tracked } = await this.#engine.pushed({ ...results, evaluation: evaluation.result }, async (folder) =>
      await runPush(pushInputOf(trainer.result, transformation!, evaluation.result, trainingSet), { ...this.#plan().push, force: options.force, schema: this.schema, runDir: folder.dir, reporter: this.reporter }));
    const registered = tracked && push.pushed ? await registeredVersion(push.sha256) : undefined;
    const result = new PushResult(push, false, run.dir, tracked ? { run: tracked, registered } : undefined);
    if (!push.pushed) this.#pushes.set(asked, result);
    return this.#step("push", result);
  }

  /**
   * Re-decide the decision threshold without retraining: on the winner's out-of-fold predictions,
   * by `best_f1`, `{ recall: r }` (the best precision with recall ≥ r), `{ precision: p }`, costs
   * `{ false_negative: a, false_positive: b }` or a number. The test metrics follow at the new
   * threshold; push uses it.
   */
  async threshold(rule: ThresholdRule): Promise<ThresholdResult> {
    const parsed = experimentSchema.shape.threshold.safeParse(rule);
    if (!parsed.success) throw new NetsecError("USAGE", `threshold: ${JSON.stringify(rule)} is not a rule: give "best_f1", { recall: 0.95 }, { precision: 0.99 }, { false_negative: 10, false_positive: 1 } or a number in (0, 1]`);
    this.#threshold = parsed.data;
    const keys = await this.#keys();
    const evaluation = await this.#stage("evaluation", keys);
    const { trainer, transformation } = await this.#upstream("evaluation", keys);
    const positive = this.schema.positiveIndex;
    const oof = oofPositive(trainer!.search, positive);
    const known = [...oof.keys()].filter((i) => !Number.isNaN(oof[i]));
    const curve = prCurve(known.map((i) => transformation!.train.y[i]), known.map((i) => oof[i]), positive);
    return this.#step("threshold", new ThresholdResult(trainer!, evaluation.result, this.schema.labelOf(this.schema.target.positive), curve));
  }

  /** Why the model decides: a sample of test rows (no argument), one row of the data file by its row number, or a row given by its feature values. */
  async explain(row?: number | Record<string, number>): Promise<ExplanationResult> {
    const keys = await this.#keys();
    if (row === undefined) {
      const evaluation = await this.#stage("evaluation", keys);
      if (!evaluation.result.explanations) throw new NetsecError("EXPLAIN_UNAVAILABLE", `the ${(await this.#stage("trainer", keys)).result.model.family} model has no per-prediction explanations: search hist_gbt, hist_forest or logistic_regression`);
      return this.#step("explain", new ExplanationResult(evaluation.result.explanations));
    }
    const trainer = await this.#stage("trainer", keys);
    const { ingestion, validation, transformation } = await this.#upstream("trainer", keys);
    const explained = explainRow(this.schema, row, trainer.result, transformation!, { test: testSourceRows(ingestion!, validation!), train: Uint32Array.from(validation!.fileRows.train, (r) => ingestion!.sourceRows.train[r - 1] ?? 0) });
    return this.#step("explain", new ExplanationResult(explained.summary, explained));
  }

  /** The test rows the model gets wrong at its threshold: the data file's row number, the label, the probability, the top reasons, the features. */
  async mistakes(options: { limit?: number } = {}): Promise<MistakesResult> {
    const keys = await this.#keys();
    const evaluation = await this.#stage("evaluation", keys);
    const { ingestion, validation, transformation, trainer } = await this.#upstream("evaluation", keys);
    const found = findMistakes(this.schema, ingestion!, validation!, transformation!, trainer!, evaluation.result, options.limit);
    return this.#step("mistakes", new MistakesResult(frameOf(found.rows), found.of, evaluation.result.threshold, found.note));
  }

  /** Every recorded run side by side: the local run log (CLI and notebook runs alike) and, when a tracking server is configured, its runs. */
  async runs(options: { limit?: number } = {}): Promise<RunsResult> {
    const { rows, sources } = await runRows(this.settings.stateDir, options.limit ?? 200);
    return this.#step("runs", new RunsResult(rows, sources));
  }

  /**
   * Two runs side by side (params, CV and test scores, data, pushed) and the test rows where their
   * predictions disagree. A run is a run folder (path or name); the defaults are this session's
   * newest run (b) and the run behind the served model (a).
   */
  async compare(a?: string, b?: string): Promise<CompareResult> {
    const folder = (name: string) => (name.includes("/") ? name : `${this.settings.artifacts}/${name}`);
    const bDir = b ? folder(b) : this.runDir;
    if (!bDir) throw new NetsecError("USAGE", "compare: no run yet in this session: give two run folders, compare(a, b)");
    let aDir = a ? folder(a) : undefined;
    if (!aDir) {
      const manifest = await readJsonFile<ModelManifest>(`${await modelSetDir(this.settings.modelDir)}/${MODEL_FILES.manifest}`).catch(() => undefined);
      aDir = manifest?.runDir;
      if (!aDir) throw new NetsecError("USAGE", `compare: ${this.settings.modelDir} serves no model to compare with: give two run folders, compare(a, b)`);
    }
    const ra = await loadRunRecord(aDir, this.schema), rb = await loadRunRecord(bDir, this.schema);
    const scored = await disagreements(this.schema, ra, rb);
    return this.#step("compare", new CompareResult(comparedRun(ra), comparedRun(rb), scored.rows, { rows: scored.pa.length, pa: scored.pa, pb: scored.pb, agree: scored.agree }));
  }

  /** The learning curve of the searched winner on grouped folds (as the search's): would more data help? */
  async learningCurve(options: { sizes?: number[] } = {}): Promise<FigureResult> {
    const keys = await this.#keys();
    const trainer = await this.#stage("trainer", keys);
    const { transformation } = await this.#upstream("trainer", keys);
    const best = trainer.result.search.best;
    const e = this.experiment;
    const points = await learningCurve(transformation!.train.x, transformation!.train.y, this.schema.positiveIndex, { family: best.family, params: best.params, scoring: e.search.scoring, folds: e.search.folds, seed: e.seed, sizes: options.sizes ?? [0.1, 0.3, 0.6, 1], grouped: e.split.group_duplicates });
    return this.#step("learning curve", new FigureResult(learningCurveFigure(points, e.search.scoring, `Learning curve: ${best.family} (${e.split.group_duplicates ? "grouped" : "leaky"} folds)`), `validation scores on ${e.split.group_duplicates ? "grouped folds, the search's: the curve ends at the search's CV score" : "row-by-row folds"}`));
  }

  /** Export the searched model (default) or the served one to ONNX; a family ONNX cannot express is refused with the reason. */
  async export(format: "onnx" = "onnx", options: { output?: string; from?: "search" | "served" } = {}): Promise<ExportResult> {
    if (format !== "onnx") throw new NetsecError("USAGE", `export: unknown format ${JSON.stringify(format)} (only "onnx")`);
    try {
      let exported;
      if (options.from === "served") exported = await onnxFromModelDir(this.settings.modelDir, this.schema);
      else {
        const keys = await this.#keys();
        const trainer = await this.#stage("trainer", keys);
        const { transformation } = await this.#upstream("trainer", keys);
        exported = await onnxFromFitted(trainer.result.model.toJSON(), transformation!.preprocessor.features, this.schema, trainer.result.threshold.threshold, this.runDir ?? "session");
      }
      const output = options.output ?? `${this.runDir ?? this.settings.artifacts}/model.onnx`;
      await platform.writeFileAtomic(output, exported.bytes);
      return this.#step("export", new ExportResult({ format, path: output, bytes: exported.bytes.length, family: exported.family, ports: onnxPorts(this.schema) }));
    } catch (error) {
      if (isNetsecError(error, "EXPORT_REFUSED")) return this.#step("export", new ExportResult({ format, family: "", refused: error.message, exportable: exportableFamilies() }));
      throw error;
    }
  }

  /** Write the HTML report of the current run (self-contained, opens offline). */
  async report(): Promise<ReportResult> {
    const keys = await this.#keys();
    const stage = this.#engine.run ? (["evaluation", "trainer", "transformation"] as const).find((s) => this.#engine.holds(s)) : undefined;
    const results = stage ? { ...(await this.#upstream(stage, keys)), ...{ [stage]: (await this.#stage(stage, keys)).result } } : await this.#upstream("trainer", keys);
    const run = this.#engine.run;
    if (!run) throw new NetsecError("USAGE", "report: nothing has run in this session yet (run a step first, e.g. lab.search())");
    const path = await writeRunReport(runRecordOf(run, results), { schema: this.schema });
    return this.#step("report", new ReportResult(path, (await platform.stat(path))?.size, `${this.settings.artifacts}/index.html`));
  }

  /** Remove old run folders, keeping the newest `keep` — never the run behind the served model, nor runs a kept run reuses. */
  async gc(options: { keep: number; dryRun?: boolean }): Promise<GcResult> {
    return this.#step("gc", new GcResult(await collectRuns(this.settings.artifacts, { keep: options.keep, modelDir: this.settings.modelDir, dryRun: options.dryRun })));
  }

  /** Finish the current run's tracking (its report written, its model logged) and show what the session did; the next step starts a new run. */
  async close(): Promise<SessionResult> {
    await this.#engine.close();
    return this.status(true);
  }

  /** The settings, where runs are tracked and the steps taken (what `lab` shows as a cell's last value). */
  status(closed = false): SessionResult {
    return new SessionResult({ settings: this.settings, schemaSource: this.schema.source, experiment: this.experiment, tracking: trackingTarget(this.tracking, this.settings.stateDir), runDir: this.runDir, steps: this.#steps, tracked: this.#engine.tracked, closed });
  }

  async [Symbol.for("Jupyter.display")](): Promise<MimeBundle> {
    return await this.status().kernelBundle();
  }

  toString(): string {
    return this.status().toString();
  }

  // ——— internals ———

  #step<T extends Shown>(step: string, result: T): T {
    this.#steps.set(step, result);
    return result;
  }

  #plan(): StagePlan {
    return planStages(this.experiment, { modelDir: this.settings.modelDir, reference: this.settings.reference });
  }

  #setCandidates(candidates: string | Candidate | Candidate[], grid?: Grid): void {
    let list: Candidate[];
    if (typeof candidates === "string") {
      const known = this.#experiment.search.candidates.find((c) => c.family === candidates);
      list = [{ family: candidates, grid: grid ?? known?.grid ?? {} }];
    } else list = (Array.isArray(candidates) ? candidates : [candidates]).map((c) => ({ family: c.family, grid: c.grid ?? {}, ...(c.note ? { note: c.note } : {}) }));
    checkExperiment({ ...this.#experiment, search: { ...this.#experiment.search, candidates: list } }, "the search asked for");
    this.#candidates = list;
  }

  /** The data source, opened again only when its file changed (its digest is the start of every key). */
  async #dataSource(): Promise<{ source: IngestSource; digest?: string }> {
    const spec = this.settings.data ?? (await resolveDefaultData(this.reporter));
    const info = await platform.stat(spec);
    const cached = this.#source;
    if (cached && cached.spec === spec && info && cached.size === info.size && cached.mtimeMs === info.mtimeMs) return cached;
    const source = await openDataSource(spec, this.schema);
    // A database has no digest: its results get keys of their own each time (nothing reuses them).
    this.#source = { spec, source, size: info?.size ?? -1, mtimeMs: info?.mtimeMs ?? -1, digest: await source.digest?.() };
    return this.#source;
  }

  async #keys(): Promise<StageKeys> {
    const plan = this.#plan();
    const { digest } = await this.#dataSource();
    return await stageKeys(plan, await keyInputs(digest, this.schema, plan));
  }

  /** The results `stage` builds on, got (or made) first. */
  async #upstream(stage: StageName, keys: StageKeys, provenance: Provenance[] = []): Promise<Results> {
    const order: StageName[] = ["ingestion", "validation", "transformation", "trainer", "evaluation"];
    const results: Results = {};
    for (const name of order.slice(0, order.indexOf(stage))) {
      const got = await this.#stageOnce(name, keys, results);
      (results as Record<string, unknown>)[name] = got.result;
      provenance.push(got.provenance);
    }
    return results;
  }

  async #stage<S extends StageName>(stage: S, given?: StageKeys): Promise<Got<S>> {
    const keys = given ?? (await this.#keys());
    const provenance: Provenance[] = [];
    const upstream = await this.#upstream(stage, keys, provenance);
    const got = await this.#stageOnce(stage, keys, upstream);
    provenance.push(got.provenance);
    return { result: got.result, provenance };
  }

  async #stageOnce<S extends StageName>(stage: S, keys: StageKeys, upstream: Results): Promise<{ result: PipelineStages[S]; provenance: Provenance }> {
    if (stage === "evaluation" && (await servedModel(this.settings.modelDir, this.schema, upstream.trainer!))) {
      const pushed = await evaluationOfServed(this.settings.modelDir, keys.trainer);
      if (pushed) return pushed as { result: PipelineStages[S]; provenance: Provenance };
    }
    const context: ComputeContext = { schema: this.schema, reporter: this.reporter, plan: this.#plan(), keys, upstream, source: async () => (await this.#dataSource()).source, searches: this.#searches };
    const got = await this.#engine.get(stage, keys[stage], upstream, async (run, hooks) => await computeStage(stage, run, hooks, context));
    if (stage === "trainer") this.#searches.set(keys.search, (got.result as PipelineStages["trainer"]).search);
    return got;
  }
}
