/**
 * The model search: every grid point of the experiment is scored by stratified k-fold
 * cross-validation (the experiment's metric of the positive class), fold tasks run on a worker
 * pool, and the winner is refitted on the whole training set. Deterministic: folds, grid order and
 * every model are functions of the seed and the data only, so the worker count changes the wall
 * time and nothing else.
 */
import type { Matrix } from "../models/classifier.ts";
import { createModel } from "../models/registry.ts";
import { NetsecError } from "../errors.ts";
import { expandGrid } from "./grid.ts";
import { stratifiedFolds } from "./folds.ts";
import { createPool, defaultWorkerCount } from "./pool.ts";
import type { FoldData } from "./fold-task.ts";
import type { CandidateResult, SearchOptions, SearchResult } from "./types.ts";

function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

/** Best first; equal mean scores keep grid order. */
export function rankCandidates(results: CandidateResult[]): CandidateResult[] {
  return [...results].sort((a, b) => {
    const sa = Number.isNaN(a.meanScore) ? -Infinity : a.meanScore;
    const sb = Number.isNaN(b.meanScore) ? -Infinity : b.meanScore;
    return sb - sa || a.index - b.index;
  });
}

/** `positive`: class index of the positive class (schema.positiveIndex). */
export async function runSearch(x: Matrix, y: Uint8Array, positive: 0 | 1, options: SearchOptions): Promise<SearchResult> {
  const started = performance.now();
  const points = expandGrid(options.candidates, options.seed);
  const fold = stratifiedFolds(y, options.folds, options.seed);
  const data: FoldData = { values: x.values, rows: x.rows, cols: x.cols, y, fold, positive, scoring: options.scoring };
  const tasks = points.flatMap((p) => Array.from({ length: options.folds }, (_, f) => ({ id: p.index * options.folds + f, family: p.family, params: p.params, fold: f })));
  const workers = Math.min(defaultWorkerCount(options.workers), tasks.length);
  const pool = createPool(data, workers);
  const progress = options.reporter?.progress(`search (${points.length} candidates × ${options.folds} folds, ${pool.size} worker${pool.size > 1 ? "s" : ""})`, tasks.length);
  const scores = new Float64Array(tasks.length).fill(NaN);
  const fitSeconds = new Float64Array(tasks.length);
  const remaining = new Int32Array(points.length).fill(options.folds);
  const results: CandidateResult[] = new Array(points.length);
  let reported = 0;
  let done = 0;
  // Report candidates in grid order, each as soon as it and all before it are complete.
  const flush = async () => {
    while (reported < points.length && remaining[reported] === 0) {
      const p = points[reported];
      const foldScores = Array.from(scores.subarray(p.index * options.folds, (p.index + 1) * options.folds));
      const { mean, std } = meanStd(foldScores);
      const seconds = fitSeconds.subarray(p.index * options.folds, (p.index + 1) * options.folds).reduce((a, b) => a + b, 0);
      const result: CandidateResult = { index: p.index, family: p.family, params: p.params, foldScores, meanScore: mean, stdScore: std, fitSeconds: seconds, scoring: options.scoring, note: p.note };
      results[reported++] = result;
      await options.onCandidate?.(result);
    }
  };
  try {
    await Promise.all(tasks.map(async (task) => {
      const outcome = await pool.run(task);
      if (outcome.error) throw new NetsecError("TRAIN_FAILED", `${task.family} ${JSON.stringify(task.params)} failed on fold ${task.fold + 1}: ${outcome.error}`);
      scores[task.id] = outcome.score;
      fitSeconds[task.id] = outcome.fitSeconds;
      remaining[Math.floor(task.id / options.folds)]--;
      progress?.tick(++done, task.family);
      await flush();
    }));
  } finally {
    pool.close();
  }
  progress?.done();
  const leaderboard = rankCandidates(results);
  const best = leaderboard[0];
  if (Number.isNaN(best.meanScore)) throw new NetsecError("TRAIN_FAILED", `no candidate got a ${options.scoring} score (the metric is undefined on these folds)`);
  const model = createModel(best.family, best.params);
  const refitStarted = performance.now();
  // The search's workers are gone: the refit may use that many threads (same model either way).
  await model.fit(x, y, { threads: defaultWorkerCount(options.workers) });
  const refitSeconds = (performance.now() - refitStarted) / 1000;
  return { leaderboard, best, model, refitSeconds, seconds: (performance.now() - started) / 1000 };
}
