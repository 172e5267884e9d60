/**
 * How a notebook session gets a stage's result: from memory when this session made it with the
 * same key, from disk when any earlier run did (src/stage-cache.ts, the stages' loaders), else by
 * running the stage — into the session's current run folder when that folder does not hold the
 * stage yet and holds (or reuses) exactly the results it builds on, otherwise into a new run folder
 * whose run.json names the earlier runs it reuses (lineage). Nothing is ever refused with "already
 * exists", and a step asked again with the same inputs writes nothing.
 *
 * Every run folder with a model stage is one tracked run (MLflow or the local run log, exactly as
 * `netsec train` logs it): opened when its first model stage runs, with the results it reuses
 * logged as if it had made them, and finished when its model is pushed or a newer run takes over.
 */
import type { RunFolder, StageName } from "../artifacts.ts";
import type { Reporter } from "../reporter.ts";
import type { Schema } from "../schema.ts";
import type { Experiment } from "../experiment.ts";
import type { Settings } from "../settings.ts";
import { RunRecorder, evaluationSummary, trainerSummary, type PipelineHooks, type PipelineStages, type StageEvent } from "../pipeline.ts";
import { findStage } from "../stage-cache.ts";
import { pushSummary } from "../stages/push.ts";
import { loadEvaluation, loadIngestion, loadTrainer, loadTransformation, loadValidation } from "../stages/load.ts";
import { startPipelineTracking, type PipelineTracking } from "../tracking/pipeline.ts";
import { redactCredentials } from "../tracking/dataset.ts";
import { writeRunReport } from "../report/write.ts";
import { runRecordOf } from "../report/record.ts";

export type Origin = "memory" | "disk" | "ran";

/** Where a finished run of this session was recorded (the run log or MLflow), for the step's output. */
export interface RunTracked {
  runDir: string;
  kind: "mlflow" | "local";
  /** MLflow URI (credentials removed), or the local run log's folder. */
  target: string;
  /** The client run id; `serverId` and `url` once the server has it. */
  id?: string;
  serverId?: string;
  url?: string;
  /** Set when some of the run waits for `netsec sync`. */
  outbox?: string;
}

/** Where a result came from, for the step's output ("reused from …", "ran in … s"). */
export interface Provenance {
  stage: StageName;
  origin: Origin;
  /** The run folder that holds the stage's files. */
  run: string;
  seconds?: number;
}

type Results = Partial<{ [S in StageName]: PipelineStages[S] }>;

export interface EngineOptions {
  settings: Settings;
  schema: Schema;
  reporter: Reporter;
  tracking: boolean;
  /** The experiment a tracked run logs as its parameters (the session's, overrides applied). */
  experiment: () => Experiment;
}

const MODEL_STAGES: readonly StageName[] = ["trainer", "evaluation"];

/** The run folder name holding a stage folder (`…/Artifacts/<name>/data_ingestion` → `<name>`). */
const runNameOf = (stageDir: string) => stageDir.split("/").slice(-2, -1)[0];

export class StageEngine {
  readonly #memo = new Map<string, { result: unknown; provenance: Provenance }>();
  #recorder?: RunRecorder;
  /** The results the current run folder holds or reuses, by stage. */
  #held: Results = {};
  #tracking?: PipelineTracking;
  #pushed = false;
  /** The tracked runs this session finished, oldest first. */
  readonly tracked: RunTracked[] = [];

  constructor(private readonly options: EngineOptions) {}

  /** Whether the current run folder holds (or reuses) a result of `stage`. */
  holds(stage: StageName): boolean {
    return this.#held[stage] !== undefined;
  }

  /** The current run folder (the newest one this session wrote to). */
  get run(): RunFolder | undefined {
    return this.#recorder?.run;
  }

  /**
   * The result of `stage` for `key`: remembered, read back, or made by `compute` (given the run folder
   * to write into and the hooks to pass to the stage). `upstream` are the results it builds on.
   */
  async get<S extends StageName>(stage: S, key: string, upstream: Results, compute: (run: RunFolder, hooks: PipelineHooks) => Promise<PipelineStages[S]>): Promise<{ result: PipelineStages[S]; provenance: Provenance }> {
    const remembered = this.#memo.get(`${stage}:${key}`);
    if (remembered) return { result: remembered.result as PipelineStages[S], provenance: { ...remembered.provenance, origin: "memory" } };
    const found = await findStage(this.options.settings.artifacts, stage, key);
    if (found) {
      const result = await this.#load(stage, found) as PipelineStages[S];
      const provenance: Provenance = { stage, origin: "disk", run: found.dir };
      this.#memo.set(`${stage}:${key}`, { result, provenance });
      return { result, provenance };
    }
    const recorder = await this.#recorderFor(stage, upstream);
    const hooks = MODEL_STAGES.includes(stage) ? await this.#trackingHooks(recorder) : {};
    recorder.attach(hooks);
    const started = Date.now();
    const describe = (stage === "trainer" ? trainerSummary : stage === "evaluation" ? evaluationSummary : () => ({})) as (a: PipelineStages[S]) => Record<string, unknown>;
    let result: PipelineStages[S];
    try {
      result = await recorder.stage(stage, key, () => compute(recorder.run, hooks), describe);
    } catch (error) {
      await recorder.fail(error);
      throw error;
    }
    await recorder.complete();
    (this.#held as Record<string, unknown>)[stage] = result;
    const provenance: Provenance = { stage, origin: "ran", run: recorder.run.dir, seconds: (Date.now() - started) / 1000 };
    this.#memo.set(`${stage}:${key}`, { result, provenance });
    return { result, provenance };
  }

  /** Push the current run's model and record it (tracking: the model registered; the run finished). */
  async pushed(results: Results, runPush: (run: RunFolder) => Promise<PipelineStages["push"]>): Promise<{ run: RunFolder; push: PipelineStages["push"]; tracked?: RunTracked }> {
    // The folder that records the push (the manifest names it): the current one when it holds the
    // model pushed, else a new one reusing it by lineage, so `compare` and `gc` find the model's run.
    const recorder = await this.#recorderHolding(results);
    const hooks = await this.#trackingHooks(recorder);
    recorder.attach(hooks);
    let push: PipelineStages["push"];
    try {
      push = await recorder.stage("push", "", async () => await runPush(recorder.run), pushSummary);
    } catch (error) {
      await recorder.fail(error);
      throw error;
    }
    await recorder.complete();
    this.#pushed = true;
    return { run: recorder.run, push, tracked: await this.close() };
  }

  /**
   * Finish the tracked run of the current folder (its model logged, not registered, when it was not
   * pushed) and write its report; returns where the run was recorded (none when nothing was tracked).
   */
  async close(): Promise<RunTracked | undefined> {
    const tracking = this.#tracking;
    const recorder = this.#recorder;
    this.#tracking = undefined;
    if (!recorder) return undefined;
    const held = this.#held;
    let report: string | undefined;
    try {
      report = await writeRunReport(runRecordOf(recorder.run, held, recorder.status), { schema: this.options.schema });
    } catch (error) {
      this.options.reporter.warn(`report: not written: ${(error as Error).message}`);
    }
    if (!tracking) return undefined;
    if (held.trainer && !this.#pushed) await tracking.logModel(held.trainer.modelFile, false);
    if (report) await tracking.parent.logArtifact("report.html", { file: report });
    const stages = Object.fromEntries(Object.entries(recorder.stages));
    const where = await tracking.finish("FINISHED", { runDir: recorder.run.dir, experiment: this.options.experiment().name, stages, lineage: recorder.run.lineage, warnings: [...this.options.reporter.warnings] });
    const last = where.runs.at(-1);
    const tracked: RunTracked = { runDir: recorder.run.dir, kind: where.kind, target: redactCredentials(where.target), id: last?.id, serverId: last?.serverId, url: last?.url, outbox: where.outbox };
    this.tracked.push(tracked);
    return tracked;
  }

  async #load(stage: StageName, run: RunFolder): Promise<unknown> {
    const schema = this.options.schema;
    switch (stage) {
      case "ingestion": return await loadIngestion(run);
      case "validation": return await loadValidation(run);
      case "transformation": return await loadTransformation(run, schema);
      case "trainer": return await loadTrainer(run, schema);
      case "evaluation": return await loadEvaluation(run);
    }
  }

  /** The current folder when it can take `stage` on top of `upstream`, else a new one reusing `upstream` by lineage. */
  async #recorderFor(stage: StageName, upstream: Results): Promise<RunRecorder> {
    const current = this.#recorder;
    const fits = current && !current.holds(stage) && Object.entries(upstream).every(([name, result]) => current.run.stage(name as StageName) === (result as { dir: string }).dir);
    if (fits) return current;
    return await this.#newRecorder(upstream);
  }

  /** A folder holding (or reusing) exactly `results`: the current one when it does, else a new one by lineage. */
  async #recorderHolding(results: Results): Promise<RunRecorder> {
    const current = this.#recorder;
    if (current && Object.entries(results).every(([name, result]) => current.run.stage(name as StageName) === (result as { dir: string }).dir)) return current;
    return await this.#newRecorder(results);
  }

  async #newRecorder(reused: Results): Promise<RunRecorder> {
    await this.close();
    const lineage = Object.fromEntries(Object.entries(reused).map(([name, result]) => [name, runNameOf((result as { dir: string }).dir)]));
    this.#recorder = await RunRecorder.create(this.options.settings.artifacts, "notebook session", {}, lineage);
    this.#held = { ...reused };
    this.#pushed = false;
    return this.#recorder;
  }

  /** The tracked run of this folder (opened now when it has none), as stage hooks. */
  async #trackingHooks(recorder: RunRecorder): Promise<PipelineHooks> {
    if (!this.options.tracking) return {};
    if (!this.#tracking) {
      const tracking = await startPipelineTracking({
        reporter: this.options.reporter,
        experiment: this.options.experiment(),
        schema: this.options.schema,
        stateDir: this.options.settings.stateDir,
        runName: `notebook ${new Date().toISOString().slice(0, 19)}`,
        command: "notebook",
        sourceName: "netsec notebook session",
      });
      this.#tracking = tracking;
      // What this folder reuses is logged as if it had made it: the run reads the same as a CLI run.
      for (const name of ["ingestion", "validation", "transformation", "trainer", "evaluation"] as const) {
        const result = this.#held[name];
        if (!result) continue;
        if (name === "trainer") for (const candidate of (result as PipelineStages["trainer"]).search.leaderboard.toSorted((a, b) => a.index - b.index)) await tracking.onCandidate(candidate);
        await tracking.onStage({ name, result } as StageEvent, recorder.run);
      }
    }
    const tracking = this.#tracking;
    return { onStageStart: tracking.onStageStart, onStage: tracking.onStage, onCandidate: tracking.onCandidate };
  }
}
