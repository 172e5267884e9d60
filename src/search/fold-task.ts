/**
 * One unit of search work: fit a grid point on all folds but one and score it on the one left
 * out. Pure (no IO), so it runs the same in the main thread and in a worker.
 */
import type { Classifier, Matrix, Params } from "../models/classifier.ts";
import { createModel } from "../models/registry.ts";
import { foldIndices } from "./folds.ts";
import { score } from "./scoring.ts";
import type { Scoring } from "./types.ts";

export interface FoldData {
  values: Float64Array;
  rows: number;
  cols: number;
  y: Uint8Array;
  /** Fold of every row under the search's protocol. */
  fold: Int32Array;
  /** Fold of every row under the other protocol (grouped ↔ row by row), for the winner's second CV. */
  altFold?: Int32Array;
  positive: 0 | 1;
  scoring: Scoring;
}

export interface FoldTask {
  id: number;
  family: string;
  params: Params;
  fold: number;
  /** Use `altFold` instead of `fold`. */
  alt?: boolean;
}

export interface FoldOutcome {
  id: number;
  score: number;
  fitSeconds: number;
  /** P(class 1) of the fold's validation rows, in row order (out-of-fold predictions). */
  p1?: Float64Array;
  error?: string;
}

/**
 * The copy of a fold's training rows, reused from task to task by this thread (a worker, or the
 * search's own thread without workers): each thread holds one such copy at any time, not one
 * per finished task waiting for the garbage collector (128 MB each at 1M rows × 30 features).
 * A model may not keep `x.values` past its `fit` and the validation predictions (none does: they
 * bin, copy or summarise the rows).
 */
let scratch: Float64Array | undefined;

/** Drop this thread's training-rows copy (the search calls it when it is done). */
export function releaseFoldScratch(): void {
  scratch = undefined;
}

function trainingRows(x: Matrix, rows: Int32Array): Matrix {
  const length = rows.length * x.cols;
  if (!scratch || scratch.length < length) {
    scratch = undefined; // the old copy can go before the bigger one is made
    scratch = new Float64Array(length);
  }
  return takeRows(x, rows, scratch.subarray(0, length));
}

export function takeRows(x: Matrix, rows: Int32Array, into?: Float64Array): Matrix {
  const values = into ?? new Float64Array(rows.length * x.cols);
  for (let i = 0; i < rows.length; i++) values.set(x.values.subarray(rows[i] * x.cols, (rows[i] + 1) * x.cols), i * x.cols);
  return { values, rows: rows.length, cols: x.cols };
}

/**
 * Rows whose copy is predicted at a time: the validation part of a fold is scored block by block,
 * so a fold task holds one Float64 copy (its training rows) and not a second one of its validation
 * rows (at 1M × 30 features, 64 MB per worker).
 */
export const PREDICT_BLOCK_ROWS = 16_384;

/** P(class 1) of the listed rows of `x`, scored in blocks of PREDICT_BLOCK_ROWS copied rows. */
export function predictRows(model: Classifier, x: Matrix, rows: Int32Array): Float64Array {
  const p1 = new Float64Array(rows.length);
  for (let from = 0; from < rows.length; from += PREDICT_BLOCK_ROWS) {
    const block = rows.subarray(from, Math.min(rows.length, from + PREDICT_BLOCK_ROWS));
    p1.set(model.predictProba(takeRows(x, block)), from);
  }
  return p1;
}

export async function runFoldTask(data: FoldData, task: FoldTask): Promise<FoldOutcome> {
  const x: Matrix = { values: data.values, rows: data.rows, cols: data.cols };
  const fold = task.alt && data.altFold ? data.altFold : data.fold;
  const { train, valid } = foldIndices(fold, task.fold);
  const model = createModel(task.family, task.params);
  const started = performance.now();
  await model.fit(trainingRows(x, train), Uint8Array.from(train, (i) => data.y[i]));
  const fitSeconds = (performance.now() - started) / 1000;
  const p1 = predictRows(model, x, valid);
  const yValid = Uint8Array.from(valid, (i) => data.y[i]);
  return { id: task.id, score: score(data.scoring, yValid, p1, data.positive), fitSeconds, p1 };
}
