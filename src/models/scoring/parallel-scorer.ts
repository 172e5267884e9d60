/**
 * Batch scoring on several cores: a large batch is cut into one contiguous part per worker, each
 * worker (score-worker.ts, started through `platform.createWorker` like the search workers) holds
 * its own copy of the model rebuilt from the same model JSON, and the parts' P(class 1) are put
 * back in row order. Every row is scored by the same code on the same trees as in one thread, so
 * the answers are identical. Small batches (below `minRows`) and runtimes without workers
 * (Node/vitest) score in this thread.
 */
import { platform } from "../../runtime/index.ts";
import type { WorkerHandle } from "../../runtime/platform.ts";
import type { Classifier, Matrix, ModelJson } from "../classifier.ts";
import { modelFromJSON } from "../registry.ts";
import type { ScoreReply, ScoreRequest } from "./score-worker.ts";

export interface BatchScorer {
  /** Workers in use (0: everything runs in this thread). */
  readonly workers: number;
  /** P(class 1) of every row: exactly `modelFromJSON(model).predictProba(x)`. */
  predictProba(x: Matrix): Promise<Float64Array>;
  close(): void;
}

export interface ParallelScorerOptions {
  /** Workers to start (default: the machine's cores; 1 or less: none). */
  workers?: number;
  /** Batches with fewer rows are scored in this thread (default 50,000). */
  minRows?: number;
  /**
   * This thread scores one part too (then `workers` counts it: 2 = this thread + 1 worker). Best
   * for a caller that only waits; `netsec predict` keeps this thread for reading the next chunk.
   */
  callerScores?: boolean;
}

export const PARALLEL_MIN_ROWS = 50_000;

interface Pending {
  resolve(p: Float64Array): void;
  reject(error: Error): void;
  worker: WorkerHandle;
}

export function createParallelScorer(model: ModelJson, options: ParallelScorerOptions = {}): BatchScorer {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  const threads = options.workers ?? cores;
  const caller = options.callerScores === true;
  const count = caller ? threads - 1 : threads;
  const minRows = options.minRows ?? PARALLEL_MIN_ROWS;
  let local: Classifier | undefined;
  const here = (x: Matrix): Float64Array => (local ??= modelFromJSON(model)).predictProba(x);
  const createWorker = platform.createWorker?.bind(platform);
  if (threads <= 1 || count < 1 || !createWorker) {
    return { workers: 0, predictProba: (x) => Promise.resolve().then(() => here(x)), close: () => {} };
  }
  const workers: WorkerHandle[] = [];
  const dead = new Set<WorkerHandle>();
  const pending = new Map<number, Pending>();
  // Per worker, the input buffer it handed back: copying a part into memory already in use is
  // several times cheaper than a fresh copy (a fresh 12 MB slice costs ~8 ms in page faults).
  const spare = new Map<WorkerHandle, Float64Array>();
  let nextId = 0;
  /** Workers start on the first large batch (small inputs never pay their start-up). */
  const start = (createWorker: NonNullable<typeof platform.createWorker>) => {
    for (let i = 0; i < count; i++) {
      const worker = createWorker(new URL("./score-worker.ts", import.meta.url));
      worker.onmessage = (message) => {
        const reply = message as ScoreReply;
        const job = pending.get(reply.id);
        if (!job) return;
        pending.delete(reply.id);
        if ("error" in reply) return job.reject(new Error(`score worker: ${reply.error}`));
        if ((spare.get(worker)?.length ?? 0) < reply.values.length) spare.set(worker, reply.values);
        job.resolve(reply.p);
      };
      worker.onerror = (message) => {
        dead.add(worker);
        for (const [id, job] of pending) {
          if (job.worker !== worker) continue;
          pending.delete(id);
          job.reject(new Error(`score worker failed: ${message}`));
        }
      };
      worker.postMessage({ type: "model", model } satisfies ScoreRequest);
      workers.push(worker);
    }
  };
  const send = (worker: WorkerHandle, x: Matrix, from: number, to: number): Promise<Float64Array> =>
    new Promise((resolve, reject) => {
      if (dead.has(worker)) return reject(new Error("score worker failed earlier"));
      const id = nextId++;
      pending.set(id, { resolve, reject, worker });
      const need = (to - from) * x.cols;
      let values = spare.get(worker);
      spare.delete(worker);
      if (!values || values.length < need) values = new Float64Array(need);
      values.set(x.values.subarray(from * x.cols, to * x.cols)); // a copy of just this part, moved to the worker
      worker.postMessage({ type: "score", id, values, rows: to - from, cols: x.cols } satisfies ScoreRequest, [values.buffer as ArrayBuffer]);
    });
  return {
    workers: threads,
    async predictProba(x) {
      if (x.rows < minRows) return here(x);
      if (!workers.length) start(createWorker);
      const parts = workers.map((worker, i) => {
        const from = Math.floor((x.rows * i) / threads);
        const to = Math.floor((x.rows * (i + 1)) / threads);
        return send(worker, x, from, to).then((p) => ({ from, p }));
      });
      const out = new Float64Array(x.rows);
      if (caller) {
        // The last part, here, on a view of the caller's rows (no copy) while the workers run.
        const from = Math.floor((x.rows * count) / threads);
        out.set(here({ values: x.values.subarray(from * x.cols, x.rows * x.cols), rows: x.rows - from, cols: x.cols }), from);
      }
      for (const { from, p } of await Promise.all(parts)) out.set(p, from);
      return out;
    },
    close() {
      for (const worker of workers) worker.terminate();
      for (const job of pending.values()) job.reject(new Error("score workers closed"));
      pending.clear();
    },
  };
}
