/**
 * The run folder being written and what it hands out: `RunRecorder` times each stage, records it in
 * run.json (key, seconds, lineage) and calls the hooks with the stage's typed result; a run stopped
 * by a signal is marked interrupted. Shared by `runPipeline` (src/pipeline.ts) and the notebook
 * session (src/session/).
 */
import { platform } from "./runtime/index.ts";
import { newRunFolder, STAGE_DIRS, writeRunStatus, type RunFolder, type RunStatus, type StageName } from "./artifacts.ts";
import type { CandidateResult } from "./search/types.ts";
import type { IngestArtifacts } from "./stages/ingest.ts";
import type { ValidateArtifacts } from "./stages/validate.ts";
import type { TransformArtifacts } from "./stages/transform.ts";
import type { TrainArtifacts } from "./stages/train.ts";
import type { EvaluateArtifacts } from "./stages/evaluate.ts";
import type { PushArtifacts } from "./stages/push.ts";

/** What each stage returns, by name: the typed results hooks, tracking and the report receive. */
export interface PipelineStages {
  ingestion: IngestArtifacts;
  validation: ValidateArtifacts;
  transformation: TransformArtifacts;
  trainer: TrainArtifacts;
  evaluation: EvaluateArtifacts;
  push: PushArtifacts;
}

export type PipelineStageName = keyof PipelineStages;

/** A stage's result with its name, as hooks receive it (narrow on `name`). */
export type StageEvent = { [S in PipelineStageName]: { name: S; result: PipelineStages[S] } }[PipelineStageName];

export interface PipelineHooks {
  /** Called before a stage starts. */
  onStageStart?(name: PipelineStageName, run: RunFolder): void | Promise<void>;
  /** Called with a stage's typed result once its folder is complete. */
  onStage?(event: StageEvent, run: RunFolder): void | Promise<void>;
  /** Called by the model search once per candidate (tracking: one nested MLflow run each). */
  onCandidate?(result: CandidateResult): void | Promise<void>;
  /** Called as the search's fold tasks finish. */
  onProgress?(done: number, total: number, label: string): void;
}

export interface StageSummary {
  dir: string;
  seconds: number;
  [key: string]: unknown;
}

/** One run folder being written: each stage through `stage()`, which times it, records it in run.json and calls the hooks. */
export class RunRecorder {
  readonly startedAt = new Date().toISOString();
  readonly stages: Record<string, StageSummary> = {};
  #status: RunStatus;
  #current?: PipelineStageName;
  /** Interrupted by a signal: run.json says so for good (the stages still running write nothing more). */
  #sealed = false;

  private constructor(readonly run: RunFolder, by: string, private hooks: PipelineHooks) {
    this.#status = { format: "netsec-run", status: "running", startedAt: this.startedAt, pid: platform.pid(), by, stages: {}, ...(Object.keys(run.lineage).length ? { lineage: run.lineage } : {}) };
  }

  /** A new run folder under `root` (reusing the stages `lineage` names from earlier runs). */
  static async create(root: string, by: string, hooks: PipelineHooks = {}, lineage: RunFolder["lineage"] = {}): Promise<RunRecorder> {
    const recorder = new RunRecorder(await newRunFolder(root, new Date(), lineage), by, hooks);
    await recorder.#write();
    return recorder;
  }

  /** Hooks for the stages still to come (a notebook session starts tracking a run when its first model stage runs). */
  attach(hooks: PipelineHooks): void {
    this.hooks = hooks;
  }

  /** What run.json says so far. */
  get status(): RunStatus {
    return this.#status;
  }

  /** The stage running now (undefined between stages). */
  get current(): PipelineStageName | undefined {
    return this.#current;
  }

  /** Whether this folder already holds a stage (then a new result of it needs a new run folder). */
  holds(name: StageName): boolean {
    return this.#status.stages?.[name] !== undefined || this.run.lineage[name] !== undefined;
  }

  async stage<S extends PipelineStageName>(name: S, key: string, work: () => Promise<PipelineStages[S]>, describe: (a: PipelineStages[S]) => Record<string, unknown> = () => ({})): Promise<PipelineStages[S]> {
    this.#current = name;
    if (this.#status.status !== "running") {
      this.#status = { ...this.#status, status: "running", finishedAt: undefined };
      await this.#write();
    }
    await this.hooks.onStageStart?.(name, this.run);
    const started = Date.now();
    const result = await work();
    const seconds = (Date.now() - started) / 1000;
    this.stages[name] = { dir: name in STAGE_DIRS ? this.run.stage(name as StageName) : this.run.dir, seconds, ...describe(result) };
    if (name in STAGE_DIRS) this.#status.stages![name as StageName] = { key, seconds, finishedAt: new Date().toISOString() };
    await this.hooks.onStage?.({ name, result } as StageEvent, this.run);
    this.#current = undefined;
    return result;
  }

  /** The run is done (for now: a session may add stages later, and the status goes back to running). */
  async complete(): Promise<void> {
    this.#status = { ...this.#status, status: "complete", finishedAt: new Date().toISOString() };
    delete this.#status.stage;
    delete this.#status.reason;
    await this.#write();
  }

  /**
   * The run failed: run.json says where and why. A folder no stage was written to or reused into
   * is removed (it would be empty): the error says why.
   */
  async fail(error: unknown, status: "failed" | "interrupted" = "failed"): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    // An interrupted run keeps its folder even before its first stage: run.json says what stopped it.
    if (status === "failed" && Object.keys(this.#status.stages ?? {}).length === 0 && Object.keys(this.run.lineage).length === 0) {
      await platform.remove(this.run.dir).catch(() => undefined);
      return;
    }
    this.#status = { ...this.#status, status, finishedAt: new Date().toISOString(), stage: this.#current, reason };
    await this.#write().catch(() => undefined);
    this.#sealed ||= status === "interrupted";
  }

  async #write(): Promise<void> {
    if (this.#sealed) return;
    const { format: _format, ...rest } = this.#status;
    await writeRunStatus(this.run.dir, rest);
  }
}

/** Run `work`, then mark the run complete; failed (and why) when it throws. */
export async function recordRun<T>(recorder: RunRecorder, work: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await recorder.fail(error);
    throw error;
  }
  await recorder.complete();
  return result;
}

/** Exit status of a run stopped by a signal: 128 + the signal's number, as shells report it. */
export const INTERRUPT_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Mark the run stopped by `signal`: run.json says `interrupted` (in which stage, by which signal),
 * which the runs index and `netsec runs` show. A push in progress is let finish first (it takes
 * well under a second; at most `pushGraceMs`), so the model folder's lock is released.
 */
export async function interruptRun(recorder: RunRecorder | undefined, signal: keyof typeof INTERRUPT_EXIT_CODES, pushGraceMs = 5000): Promise<void> {
  if (!recorder) return;
  const until = Date.now() + pushGraceMs;
  while (recorder.current === "push" && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  if (recorder.status.status !== "running") return;
  await recorder.fail(new Error(`interrupted by ${signal}`), "interrupted");
}
