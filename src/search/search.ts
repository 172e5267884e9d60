/**
 * The model search: every grid point of the experiment is scored by stratified k-fold
 * cross-validation (the experiment's metric of the positive class), fold tasks run on a worker
 * pool, and the winner is refitted on the whole training set. Folds keep identical feature vectors
 * together by default (grouped); with `compareProtocols` the winner is cross-validated once more
 * under the other protocol, so the report can show how optimistic row-by-row folds are. The
 * winner's out-of-fold predictions come back for choosing the decision threshold. Deterministic:
 * folds, grid order and every model are functions of the seed and the data only, so the worker
 * count changes the wall time and nothing else.
 */
import type { Matrix } from "../models/classifier.ts";
import { createModel } from "../models/registry.ts";
import { NetsecError } from "../errors.ts";
import { expandGrid } from "./grid.ts";
import { foldIndices, stratifiedFolds, stratifiedGroupFolds } from "./folds.ts";
import { createPool, defaultWorkerCount } from "./pool.ts";
import { type FoldData, releaseFoldScratch } from "./fold-task.ts";
import type { CandidateResult, CvProtocol, ProtocolScore, SearchOptions, SearchResult } from "./types.ts";

function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

function meanStdOf(values: number[]): { meanScore: number; stdScore: number } {
  const { mean, std } = meanStd(values);
  return { meanScore: mean, stdScore: std };
}

/** Best first; equal mean scores keep grid order. */
export function rankCandidates(results: CandidateResult[]): CandidateResult[] {
  return [...results].sort((a, b) => {
    const sa = Number.isNaN(a.meanScore) ? -Infinity : a.meanScore;
    const sb = Number.isNaN(b.meanScore) ? -Infinity : b.meanScore;
    return sb - sa || a.index - b.index;
  });
}

/** `values` in a SharedArrayBuffer (itself when it already is one). */
function sharedCopy(values: Float64Array): Float64Array {
  if (typeof SharedArrayBuffer === "undefined" || values.buffer instanceof SharedArrayBuffer) return values;
  const shared = new Float64Array(new SharedArrayBuffer(values.byteLength));
  shared.set(values);
  return shared;
}

function foldsFor(protocol: CvProtocol, y: Uint8Array, options: SearchOptions): Int32Array {
  if (protocol === "leaky") return stratifiedFolds(y, options.folds, options.seed);
  if (!options.groups) throw new NetsecError("TRAIN_FAILED", "grouped cross-validation needs the group of every training row");
  return stratifiedGroupFolds(y, options.groups, options.folds, options.seed);
}

/** `positive`: class index of the positive class (schema.positiveIndex). */
export async function runSearch(x: Matrix, y: Uint8Array, positive: 0 | 1, options: SearchOptions): Promise<SearchResult> {
  const started = performance.now();
  const points = expandGrid(options.candidates, options.seed);
  const protocol: CvProtocol = options.protocol ?? (options.groups ? "grouped" : "leaky");
  const other: CvProtocol = protocol === "grouped" ? "leaky" : "grouped";
  const compare = Boolean(options.compareProtocols) && (other === "leaky" || options.groups !== undefined);
  const fold = foldsFor(protocol, y, options);
  const altFold = compare ? foldsFor(other, y, options) : undefined;
  const tasks = points.flatMap((p) => Array.from({ length: options.folds }, (_, f) => ({ id: p.index * options.folds + f, family: p.family, params: p.params, fold: f })));
  const workers = Math.min(defaultWorkerCount(options.workers), tasks.length);
  // With workers, the features go to them in shared memory: one copy for all of them instead of
  // one structured clone per worker (at 1M rows × 30 features, 240 MB each).
  const values = workers > 1 ? sharedCopy(x.values) : x.values;
  const data: FoldData = { values, rows: x.rows, cols: x.cols, y, fold, altFold, positive, scoring: options.scoring };
  const pool = createPool(data, workers);
  const extra = compare ? options.folds : 0;
  const progress = options.reporter?.progress(`search (${points.length} candidates × ${options.folds} ${protocol} folds${compare ? `, + the winner on ${other} folds` : ""}, ${pool.size} worker${pool.size > 1 ? "s" : ""})`, tasks.length + extra);
  const scores = new Float64Array(tasks.length).fill(NaN);
  const validP1: (Float64Array | undefined)[] = new Array(tasks.length);
  const fitSeconds = new Float64Array(tasks.length);
  const remaining = new Int32Array(points.length).fill(options.folds);
  const results: CandidateResult[] = new Array(points.length);
  let reported = 0;
  let done = 0;
  let otherScore: ProtocolScore | undefined;
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
      validP1[task.id] = outcome.p1;
      remaining[Math.floor(task.id / options.folds)]--;
      progress?.tick(++done, task.family);
      options.onProgress?.(done, tasks.length + extra, task.family);
      await flush();
    }));
    const best = rankCandidates(results)[0];
    if (compare && !Number.isNaN(best.meanScore)) {
      const altTasks = Array.from({ length: options.folds }, (_, f) => ({ id: tasks.length + f, family: best.family, params: best.params, fold: f, alt: true }));
      const altScores = await Promise.all(altTasks.map(async (task) => {
        const outcome = await pool.run(task);
        if (outcome.error) throw new NetsecError("TRAIN_FAILED", `${task.family} ${JSON.stringify(task.params)} failed on ${other} fold ${task.fold + 1}: ${outcome.error}`);
        progress?.tick(++done, `${task.family} (${other} folds)`);
        options.onProgress?.(done, tasks.length + extra, `${task.family} (${other} folds)`);
        return outcome.score;
      }));
      otherScore = { protocol: other, foldScores: altScores, ...meanStdOf(altScores) };
    }
  } finally {
    pool.close();
    releaseFoldScratch();
  }
  progress?.done();
  const leaderboard = rankCandidates(results);
  const best = leaderboard[0];
  if (Number.isNaN(best.meanScore)) throw new NetsecError("TRAIN_FAILED", `no candidate got a ${options.scoring} score (the metric is undefined on these folds)`);
  const oof = new Float64Array(x.rows).fill(NaN);
  for (let f = 0; f < options.folds; f++) {
    const p1 = validP1[best.index * options.folds + f];
    const { valid } = foldIndices(fold, f);
    if (p1) for (let i = 0; i < valid.length; i++) oof[valid[i]] = p1[i];
  }
  const protocols: SearchResult["protocols"] = { [protocol]: { protocol, foldScores: best.foldScores, meanScore: best.meanScore, stdScore: best.stdScore } };
  if (otherScore) protocols[other] = otherScore;
  const model = createModel(best.family, best.params);
  const refitStarted = performance.now();
  // The search's workers are gone: the refit may use that many threads (same model either way).
  await model.fit(x, y, { threads: defaultWorkerCount(options.workers) });
  const refitSeconds = (performance.now() - refitStarted) / 1000;
  return { leaderboard, best, model, protocol, protocols, oof, refitSeconds, seconds: (performance.now() - started) / 1000 };
}
