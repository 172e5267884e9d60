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
import { NetsecError } from "../errors.ts";
import { loadSchema, type Schema } from "../schema.ts";
import type { Candidate, Experiment } from "../experiment.ts";
import { createReporter, type Reporter } from "../reporter.ts";
import { resolveSettings, workspaceRoot, type Settings, type SettingsInput } from "../settings.ts";
import { loadRunFolder, readRunStatus, type StageName } from "../artifacts.ts";
import { keyInputs, openDataSource, resolveDefaultData, resolveExperiment, type PipelineHooks, type PipelineStages } from "../pipeline.ts";
import { planStages, stageKeys, type StageKeys, type StagePlan } from "../plan.ts";
import { checkExperiment } from "../search/check.ts";
import type { IngestSource } from "../stages/ingest.ts";
import { runIngest } from "../stages/ingest.ts";
import { runValidate } from "../stages/validate.ts";
import { runTransform } from "../stages/transform.ts";
import { runTrain, searchModels } from "../stages/train.ts";
import { runEvaluate } from "../stages/evaluate.ts";
import { runPush } from "../stages/push.ts";
import { evaluateInputOf, pushInputOf, readTrainingSet } from "../stages/model-inputs.ts";
import type { SearchResult } from "../search/types.ts";
import type { ThresholdRule } from "../stats/threshold.ts";
import { loadModelFile, MODEL_FILES, modelSetDir, type ModelManifest } from "../models/model-file.ts";
import { loadEvaluation, readJsonFile } from "../stages/load.ts";
import { StageEngine, type Provenance } from "./engine.ts";
import { DataResult, ValidationResult } from "./data-views.ts";
import { EvaluationResult, LeaderboardResult, PushResult } from "./model-views.ts";
import { searchProgress } from "./progress.ts";

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
    return new DataResult(got.result, this.schema, got.provenance);
  }

  /** Validate: the contract (invalid rows, duplicates, conflicting labels) and drift. */
  async validate(): Promise<ValidationResult> {
    const got = await this.#stage("validation");
    return new ValidationResult(got.result, this.schema, got.provenance);
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
    return new LeaderboardResult(got.result, got.provenance);
  }

  /** Evaluate the searched model on the test rows at its threshold, against the pushed model. */
  async evaluate(): Promise<EvaluationResult> {
    const got = await this.#stage("evaluation");
    return new EvaluationResult(got.result, this.schema, got.provenance);
  }

  /**
   * Push the evaluated model into the model folder when the evaluation says so; `force` pushes a
   * model that is not better than the pushed one (a failed gate still stops it).
   */
  async push(options: { force?: boolean } = {}): Promise<PushResult> {
    const keys = await this.#keys();
    const trainer = await this.#stage("trainer", keys);
    const served = await this.#served(trainer.result);
    if (served) return new PushResult({ pushed: true, reasons: [`this model is already the one ${this.settings.modelDir} serves`], ...served, modelDir: this.settings.modelDir }, true);
    const evaluation = await this.#stage("evaluation", keys);
    const asked = `${keys.evaluation}:${Boolean(options.force)}`;
    const before = this.#pushes.get(asked);
    if (before) return before;
    const results = await this.#upstream("evaluation", keys);
    const { transformation, validation } = results;
    const trainingSet = await readTrainingSet(validation!.validTrain, this.schema);
    const push = await runPush(pushInputOf(trainer.result, transformation!, evaluation.result, trainingSet), { ...this.#plan().push, force: options.force, schema: this.schema, runDir: this.#engine.run?.dir, reporter: this.reporter });
    const folder = await this.#engine.pushed({ ...results, evaluation: evaluation.result }, push);
    const result = new PushResult(push, false, folder.dir);
    if (!push.pushed) this.#pushes.set(asked, result);
    return result;
  }

  /**
   * When the model folder serves this very model, its evaluation is the one made when it was pushed
   * (against the model served before it), not a comparison of the model with itself.
   */
  async #evaluationOfServed(keys: StageKeys, trainer: PipelineStages["trainer"]): Promise<{ result: PipelineStages["evaluation"]; provenance: Provenance } | undefined> {
    if (!(await this.#served(trainer))) return undefined;
    const manifest = await readJsonFile<ModelManifest>(`${await modelSetDir(this.settings.modelDir)}/${MODEL_FILES.manifest}`).catch(() => undefined);
    if (!manifest?.runDir) return undefined;
    const run = await loadRunFolder(manifest.runDir).catch(() => undefined);
    if (!run || !(await platform.stat(run.stage("evaluation")))?.isDirectory) return undefined;
    const trainerRun = run.lineage.trainer ? `${run.root}/${run.lineage.trainer}` : run.dir;
    if ((await readRunStatus(trainerRun))?.stages?.trainer?.key !== keys.trainer) return undefined;
    return { result: await loadEvaluation(run), provenance: { stage: "evaluation", origin: "disk", run: run.dir } };
  }

  /** The version and sha256 under which the model folder already serves this trained model (same model, same threshold), if it does. */
  async #served(trainer: PipelineStages["trainer"]): Promise<{ version: number; sha256: string } | undefined> {
    let loaded;
    try {
      loaded = await loadModelFile(this.settings.modelDir, { schema: this.schema });
    } catch {
      return undefined;
    }
    const same = JSON.stringify(loaded.file.model) === JSON.stringify(trainer.model.toJSON()) && loaded.threshold === trainer.threshold.threshold;
    return same ? { version: loaded.version, sha256: loaded.sha256 } : undefined;
  }

  /** Finish the current run's tracking (its report written, its model logged); the next step starts a new run. */
  async close(): Promise<void> {
    await this.#engine.close();
  }

  // ——— internals ———

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
    const plan = this.#plan();
    const { schema, reporter } = this;
    const context = (run: Parameters<typeof runIngest>[1]["run"]) => ({ run, schema, reporter });
    const compute = async (run: Parameters<typeof runIngest>[1]["run"], hooks: PipelineHooks): Promise<unknown> => {
      switch (stage) {
        case "ingestion":
          return await runIngest((await this.#dataSource()).source, { ...context(run), ...plan.ingestion });
        case "validation": {
          const ingestion = upstream.ingestion!;
          return await runValidate({ train: ingestion.train, test: ingestion.test }, { ...context(run), ...plan.validation });
        }
        case "transformation": {
          const validation = upstream.validation!;
          return await runTransform({ train: validation.validTrain, test: validation.validTest, trainRows: validation.contract.train.valid, testRows: validation.contract.test.valid }, { ...context(run), ...plan.transformation });
        }
        case "trainer": {
          const transformation = upstream.transformation!;
          let search = this.#searches.get(keys.search);
          if (!search) {
            const progress = searchProgress(this.reporter);
            try {
              search = await searchModels(transformation.train, schema.positiveIndex, plan.trainer, { reporter: progress.reporter, onCandidate: hooks.onCandidate, onProgress: progress.update });
            } finally {
              await progress.done();
            }
            this.#searches.set(keys.search, search);
          }
          return await runTrain({ train: transformation.train, trainArray: transformation.trainArray, search }, { ...context(run), ...plan.trainer });
        }
        case "evaluation": {
          const { trainer, transformation, validation } = upstream;
          const trainingSet = await readTrainingSet(validation!.validTrain, schema);
          return await runEvaluate(await evaluateInputOf(trainer!, transformation!, validation!.validTest, trainingSet), { ...context(run), ...plan.evaluation });
        }
      }
      throw new NetsecError("USAGE", `unknown stage ${stage}`);
    };
    if (stage === "evaluation") {
      const pushed = await this.#evaluationOfServed(keys, upstream.trainer!);
      if (pushed) return pushed as { result: PipelineStages[S]; provenance: Provenance };
    }
    const got = await this.#engine.get(stage, keys[stage], upstream, async (run, hooks) => await compute(run, hooks) as PipelineStages[S]);
    if (stage === "trainer") this.#searches.set(keys.search, (got.result as PipelineStages["trainer"]).search);
    return got;
  }
}
