/**
 * One unit of search work: fit a grid point on all folds but one and score it on the one left
 * out. Pure (no IO), so it runs the same in the main thread and in a worker.
 */
import type { Matrix, Params } from "../models/classifier.ts";
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

export function takeRows(x: Matrix, rows: Int32Array): Matrix {
  const values = new Float64Array(rows.length * x.cols);
  for (let i = 0; i < rows.length; i++) values.set(x.values.subarray(rows[i] * x.cols, (rows[i] + 1) * x.cols), i * x.cols);
  return { values, rows: rows.length, cols: x.cols };
}

export async function runFoldTask(data: FoldData, task: FoldTask): Promise<FoldOutcome> {
  const x: Matrix = { values: data.values, rows: data.rows, cols: data.cols };
  const fold = task.alt && data.altFold ? data.altFold : data.fold;
  const { train, valid } = foldIndices(fold, task.fold);
  const model = createModel(task.family, task.params);
  const started = performance.now();
  await model.fit(takeRows(x, train), data.y.filter((_, i) => fold[i] !== task.fold));
  const fitSeconds = (performance.now() - started) / 1000;
  const p1 = model.predictProba(takeRows(x, valid));
  const yValid = Uint8Array.from(valid, (i) => data.y[i]);
  return { id: task.id, score: score(data.scoring, yValid, p1, data.positive), fitSeconds, p1 };
}
