/**
 * Explanations of `POST /predict?explain=true` off the event loop (issue 22): the distinct rows of
 * a request are transformed here (cheap) and explained on a model worker (models/scoring/
 * model-worker.ts: the same `explainPositive` as `LoadedModel.explainFrame`, so the same numbers),
 * in blocks of `blockRows` distinct rows, one block after the other. Meanwhile this thread answers
 * /health and other requests. When the client hangs up (the request's signal aborts) the worker is
 * terminated at once: the work really stops, and the next explanation starts a fresh worker.
 * One worker per served model, started on the first explanation and replaced when the model
 * changes. Where no worker can run (a runtime without workers, or a worker that fails to start,
 * e.g. without read access to the code) explanations fall back to slices on this thread
 * (explain-slices.ts), which yield between slices. The cost cap and the queue (one at a time, a
 * few waiting, then 503 BUSY) are applied by app.ts before either.
 */
import { platform } from "../runtime/index.ts";
import type { WorkerHandle } from "../runtime/platform.ts";
import { type Frame, takeRows } from "../data/frame.ts";
import type { ModelJson } from "../models/classifier.ts";
import type { PositiveExplanation } from "../models/explain.ts";
import type { GroupedPrediction } from "../models/model-file.ts";
import { type Preprocessor, restorePreprocessor } from "../models/preprocessor.ts";
import type { ExplainReply, ModelWorkerRequest } from "../models/scoring/model-worker.ts";
import { HttpError } from "./http-error.ts";
import type { ServingModel } from "./model-store.ts";
import { explainInSlices } from "./explain-slices.ts";

export interface ExplainRunnerOptions {
  /** Starts a worker on a module (default `platform.createWorker`; absent: in-thread slices). */
  createWorker?: (moduleUrl: URL) => WorkerHandle;
  /** Distinct rows per message to the worker (default 64). */
  blockRows?: number;
  /** Hears the distinct rows explained so far after each block (tests, progress). */
  onProgress?: (done: number, distinct: number) => void;
  log?: (message: string) => void;
}

export interface ExplainRunner {
  /** Where explanations run now: "worker" or "thread" (slices on the event loop). */
  readonly where: "worker" | "thread";
  /** The explanation of every row of `frame` (its distinct rows explained once, `scores.group`); 499 CLIENT_CLOSED when `signal` aborts. */
  explain(model: ServingModel, frame: Frame, scores: Pick<GroupedPrediction, "group" | "distinct">, signal?: AbortSignal): Promise<PositiveExplanation>;
  /** Stops the worker (the server's stop). */
  close(): void;
}

/** What a model worker needs of a served model: present on models loaded from a model folder or the registry. */
interface WorkerModel {
  /** The model JSON as text, made once per model: a (re)started worker gets it as one string copy. */
  model: string;
  positiveIndex: 0 | 1;
  preprocessor: Preprocessor;
}

const WORKER_URL = new URL("./explain-worker.ts", import.meta.url);

export function createExplainRunner(options: ExplainRunnerOptions = {}): ExplainRunner {
  const createWorker = options.createWorker ?? platform.createWorker?.bind(platform);
  const blockRows = Math.max(1, options.blockRows ?? 64);
  let broken: string | undefined = createWorker ? undefined : "this runtime has no workers";
  let current: { model: ServingModel; worker: WorkerHandle; spec: WorkerModel } | undefined;
  const specs = new WeakMap<ServingModel, WorkerModel | null>();
  let pending: { id: number; resolve(reply: ExplainReply): void; reject(error: Error): void } | undefined;
  let nextId = 0;

  const specOf = (model: ServingModel): WorkerModel | null => {
    let spec = specs.get(model);
    if (spec === undefined) {
      const m = model as Partial<{ file: { model?: ModelJson; preprocessor?: unknown }; target: { values: number[]; positive: number } }>;
      spec = m.file?.model && m.file.preprocessor !== undefined && m.target
        ? { model: JSON.stringify(m.file.model), positiveIndex: m.target.values.indexOf(m.target.positive) === 0 ? 0 : 1, preprocessor: restorePreprocessor(m.file.preprocessor, model.schemaHash) }
        : null;
      specs.set(model, spec);
    }
    return spec;
  };
  /** Ends the worker; an explanation waiting on it fails with `error`. */
  const stop = (error = new Error("the explain worker was stopped")) => {
    current?.worker.terminate();
    current = undefined;
    const job = pending;
    pending = undefined;
    job?.reject(error);
  };
  const workerFor = (model: ServingModel, spec: WorkerModel): WorkerHandle => {
    if (current?.model === model) return current.worker;
    stop();
    const worker = createWorker!(WORKER_URL);
    let answered = false;
    worker.onmessage = (message) => {
      answered = true;
      const reply = message as ExplainReply;
      if (!pending || pending.id !== reply.id) return;
      const job = pending;
      pending = undefined;
      job.resolve(reply);
    };
    worker.onerror = (message) => {
      // A worker that fails before its first answer cannot start here (permissions, runtime): this thread takes over.
      if (!answered && !broken) {
        broken = message;
        options.log?.(`explanations run on the serving thread, in slices: the explain worker could not start (${message})`);
      }
      if (current?.worker === worker) current = undefined;
      worker.terminate();
      const job = pending;
      pending = undefined;
      job?.reject(new Error(`explain worker failed: ${message}`));
    };
    worker.postMessage({ type: "model", model: spec.model, positiveIndex: spec.positiveIndex } satisfies ModelWorkerRequest);
    current = { model, worker, spec };
    options.log?.(`explain worker started (model version ${model.version})`);
    return worker;
  };
  const send = (worker: WorkerHandle, values: Float64Array, rows: number, cols: number, signal?: AbortSignal) =>
    new Promise<ExplainReply>((resolve, reject) => {
      const id = nextId++;
      const onAbort = () => {
        if (pending?.id !== id) return;
        stop(new Error("aborted")); // the worker is busy with this block: end it (a new one starts with the next explanation)
      };
      pending = {
        id,
        resolve: (reply) => (signal?.removeEventListener("abort", onAbort), resolve(reply)),
        reject: (error) => (signal?.removeEventListener("abort", onAbort), reject(error)),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      worker.postMessage({ type: "explain", id, values, rows, cols } satisfies ModelWorkerRequest, [values.buffer as ArrayBuffer]);
    });

  const inWorker = async (model: ServingModel, spec: WorkerModel, frame: Frame, scores: Pick<GroupedPrediction, "group" | "distinct">, signal?: AbortSignal): Promise<PositiveExplanation> => {
    const first = new Int32Array(scores.distinct).fill(-1);
    for (let r = 0; r < frame.rows; r++) if (first[scores.group[r]] < 0) first[scores.group[r]] = r;
    // Only the distinct rows are transformed and sent (a request of copies costs its distinct rows).
    const x = spec.preprocessor.transformFrame(takeRows(frame, first)).x;
    const cols = x.cols;
    const distinctValues = new Float64Array(scores.distinct * cols);
    let head: Omit<PositiveExplanation, "contributions" | "rows"> | undefined;
    let done = 0;
    const closed = () => new HttpError(499, "CLIENT_CLOSED", `the client closed the connection: explanation abandoned after ${done} of ${scores.distinct} distinct rows`);
    do {
      if (signal?.aborted) throw closed();
      const end = Math.min(scores.distinct, done + blockRows);
      const rows = end - done;
      // An empty request still asks the worker once, for the base and the kind of output.
      const values = rows > 0 ? x.values.slice(done * cols, end * cols) : new Float64Array(0);
      let reply: ExplainReply;
      try {
        reply = await send(workerFor(model, spec), values, rows, cols, signal);
      } catch (error) {
        if (signal?.aborted) throw closed();
        throw error;
      }
      if ("error" in reply) throw new Error(`explain worker: ${reply.error}`);
      head ??= { output: reply.output, features: cols, base: reply.base };
      distinctValues.set(reply.contributions, done * cols);
      done = end;
      options.onProgress?.(done, scores.distinct);
    } while (done < scores.distinct);
    const contributions = new Float64Array(frame.rows * cols);
    for (let r = 0; r < frame.rows; r++) {
      const g = scores.group[r];
      contributions.set(distinctValues.subarray(g * cols, (g + 1) * cols), r * cols);
    }
    return { ...head!, rows: frame.rows, contributions };
  };

  return {
    get where() {
      return broken ? "thread" : "worker";
    },
    async explain(model, frame, scores, signal) {
      const spec = broken ? null : specOf(model);
      if (!spec) return explainInSlices(model, frame, scores, signal);
      try {
        return await inWorker(model, spec, frame, scores, signal);
      } catch (error) {
        // The worker could not start: this request (and the next ones) in slices here.
        if (broken && !(error instanceof HttpError)) return explainInSlices(model, frame, scores, signal);
        throw error;
      }
    },
    close: () => stop(new HttpError(503, "STOPPING", "the server is stopping")),
  };
}
