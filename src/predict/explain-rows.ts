/**
 * Explanations for `netsec predict --explain`: every DISTINCT row is explained once (the phishing
 * data repeats itself: 9,055 rows hold ~5,200 distinct feature vectors) and its contributions are
 * copied to all its copies, in this batch and (from a bounded cache) in later ones. The distinct
 * rows are explained in blocks on worker threads (explain-worker.ts; one per core by default),
 * and `onProgress` hears how many input rows are explained after each block, so a long run can
 * show where it is. Every row gets exactly the numbers `LoadedModel.explainFrame` gives it (same
 * preprocessor, same model JSON, same `explainPositive`); without workers (Node, `--workers 0`)
 * the blocks run in this thread through `explainFrame` itself.
 */
import { platform } from "../runtime/index.ts";
import type { WorkerHandle } from "../runtime/platform.ts";
import { createFrame, type Frame } from "../data/frame.ts";
import type { Explanation, Matrix } from "../models/classifier.ts";
import type { PositiveExplanation } from "../models/explain.ts";
import type { LoadedModel } from "../models/model-file.ts";
import { restorePreprocessor } from "../models/preprocessor.ts";
import { ternaryRowKey } from "../models/scoring/row-key.ts";
import type { ExplainReply, ExplainRequest } from "./explain-worker.ts";

export interface RowExplainerOptions {
  /** Worker threads (default: one per core; 0 or 1: this thread). */
  workers?: number;
  /** Distinct rows per block sent to a worker (default 256): progress is reported per block. */
  blockRows?: number;
  /** Called after each block with the number of rows of the current batch explained so far. */
  onProgress?: (explained: number, rows: number) => void;
  /** Distinct rows kept across batches (default 100,000); the cache starts over when full. */
  cacheRows?: number;
}

export interface RowExplainer {
  /** Workers in use (0: this thread). */
  readonly workers: number;
  explain(frame: Frame): Promise<PositiveExplanation>;
  close(): void;
}

/** Group the rows of `x` into distinct rows: each row's group, each group's first row and its count of copies. */
export function distinctRows(x: Matrix): { group: Uint32Array; first: number[]; copies: number[]; keys: number[] } {
  const group = new Uint32Array(x.rows);
  const first: number[] = [];
  const copies: number[] = [];
  const keys: number[] = [];
  const byKey = new Map<number, number>();
  for (let r = 0; r < x.rows; r++) {
    const key = ternaryRowKey(x.values, r * x.cols, x.cols);
    const seen = key >= 0 ? byKey.get(key) : undefined;
    if (seen !== undefined) {
      group[r] = seen;
      copies[seen]++;
      continue;
    }
    if (key >= 0) byKey.set(key, first.length);
    group[r] = first.length;
    first.push(r);
    copies.push(1);
    keys.push(key);
  }
  return { group, first, copies, keys };
}

export function createRowExplainer(model: LoadedModel, options: RowExplainerOptions = {}): RowExplainer {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  const threads = options.workers ?? cores;
  const blockRows = Math.max(1, options.blockRows ?? 256);
  const cacheRows = options.cacheRows ?? 100_000;
  const createWorker = platform.createWorker?.bind(platform);
  const preprocessor = restorePreprocessor(model.file.preprocessor, model.schemaHash);
  const positiveIndex: 0 | 1 = model.target.values.indexOf(model.target.positive) === 0 ? 0 : 1;
  const cache = new Map<number, Float64Array>();
  let base = NaN;
  let output: Explanation["output"] | undefined;
  const workers: WorkerHandle[] = [];
  type Explained = { contributions: Float64Array; base: number; output: Explanation["output"] };
  const pending = new Map<number, { resolve(reply: Explained): void; reject(error: Error): void; worker: WorkerHandle }>();
  let nextId = 0;
  const parallel = threads > 1 && createWorker !== undefined;

  const start = () => {
    for (let i = 0; i < threads; i++) {
      const worker = createWorker!(new URL("./explain-worker.ts", import.meta.url));
      worker.onmessage = (message) => {
        const reply = message as ExplainReply;
        const job = pending.get(reply.id);
        if (!job) return;
        pending.delete(reply.id);
        if ("error" in reply) job.reject(new Error(`explain worker: ${reply.error}`));
        else job.resolve(reply);
      };
      worker.onerror = (message) => {
        for (const [id, job] of pending) {
          if (job.worker !== worker) continue;
          pending.delete(id);
          job.reject(new Error(`explain worker failed: ${message}`));
        }
      };
      worker.postMessage({ type: "model", model: model.file.model, positiveIndex } satisfies ExplainRequest);
      workers.push(worker);
    }
  };
  const send = (worker: WorkerHandle, values: Float64Array, rows: number, cols: number) =>
    new Promise<Explained>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject, worker });
      worker.postMessage({ type: "explain", id, values, rows, cols } satisfies ExplainRequest, [values.buffer as ArrayBuffer]);
    });

  return {
    workers: parallel ? threads : 0,
    async explain(frame) {
      if (!parallel) return explainHere(model, frame, blockRows, options.onProgress);
      const x = preprocessor.transformFrame(frame).x;
      const cols = x.cols;
      const { group, first, copies, keys } = distinctRows(x);
      const distinct = new Float64Array(first.length * cols);
      const todo: number[] = [];
      let explained = 0;
      for (let g = 0; g < first.length; g++) {
        const hit = keys[g] >= 0 ? cache.get(keys[g]) : undefined;
        if (hit) {
          distinct.set(hit, g * cols);
          explained += copies[g];
        } else todo.push(g);
      }
      if (todo.length || Number.isNaN(base)) {
        if (!workers.length) start();
        // At least one block (an empty one when every row was cached) so base and output are known.
        const blocks: number[][] = [];
        for (let i = 0; i < Math.max(1, todo.length); i += blockRows) blocks.push(todo.slice(i, i + blockRows));
        let nextBlock = 0;
        if (cache.size + todo.length > cacheRows) cache.clear();
        const runWorker = async (worker: WorkerHandle) => {
          while (nextBlock < blocks.length) {
            const block = blocks[nextBlock++];
            const rows = Math.max(1, block.length);
            const values = new Float64Array(rows * cols);
            block.forEach((g, i) => values.set(x.values.subarray(first[g] * cols, (first[g] + 1) * cols), i * cols));
            if (!block.length) values.set(x.values.subarray(0, cols));
            const reply = await send(worker, values, rows, cols);
            base = reply.base;
            output = reply.output;
            block.forEach((g, i) => {
              const row = reply.contributions.slice(i * cols, (i + 1) * cols);
              distinct.set(row, g * cols);
              if (keys[g] >= 0) cache.set(keys[g], row);
              explained += copies[g];
            });
            options.onProgress?.(explained, x.rows);
          }
        };
        await Promise.all(workers.map(runWorker));
      } else options.onProgress?.(explained, x.rows);
      const contributions = new Float64Array(x.rows * cols);
      for (let r = 0; r < x.rows; r++) contributions.set(distinct.subarray(group[r] * cols, (group[r] + 1) * cols), r * cols);
      return { output: output!, rows: x.rows, features: cols, contributions, base };
    },
    close() {
      for (const worker of workers) worker.terminate();
      for (const job of pending.values()) job.reject(new Error("explain workers closed"));
      pending.clear();
    },
  };
}

/** This thread: `explainFrame` (which explains repeated rows once) block by block, for progress. */
function explainHere(model: LoadedModel, frame: Frame, blockRows: number, onProgress: RowExplainerOptions["onProgress"]): PositiveExplanation {
  const width = frame.columns.length;
  // Blocks of input rows (larger than a worker's: repeated rows cost nothing here).
  const step = blockRows * 8;
  if (frame.rows <= step) {
    const e = model.explainFrame(frame);
    onProgress?.(frame.rows, frame.rows);
    return e;
  }
  let first: PositiveExplanation | undefined;
  let contributions: Float64Array | undefined;
  for (let from = 0; from < frame.rows; from += step) {
    const to = Math.min(frame.rows, from + step);
    const e = model.explainFrame(createFrame(frame.columns, to - from, frame.values.subarray(from * width, to * width) as Float64Array<ArrayBuffer>));
    first ??= e;
    contributions ??= new Float64Array(frame.rows * e.features);
    contributions.set(e.contributions, from * e.features);
    onProgress?.(to, frame.rows);
  }
  return { ...first!, rows: frame.rows, contributions: contributions! };
}
