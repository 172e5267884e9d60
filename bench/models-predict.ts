/**
 * Model-side figures for bench/models.sh, on one `netsec train` run (Deno):
 * - batch prediction rows/s of the pushed model (and of a 256-tree hist_forest, for a like-for-like
 *   comparison with scikit-learn's 256-tree forest), test rows tiled to --rows;
 * - the same on DISTINCT rows (random rows from {-1,0,1}^30, and the tiled test rows with the row
 *   cache off), in one thread and on 2 workers (src/models/scoring/parallel-scorer.ts);
 * - test F1 of hist_forest (100 trees, sqrt) over 5 seeds on the run's transformed arrays.
 * usage: deno run -A bench/models-predict.ts <run dir> <model dir> [--rows 100000]
 */
import { readNpy, splitFeaturesAndLabels } from "../src/data/npy.ts";
import { loadModelFile } from "../src/models/model-file.ts";
import { createModel } from "../src/models/registry.ts";
import type { Matrix } from "../src/models/classifier.ts";
import { score } from "../src/search/scoring.ts";
import { createParallelScorer } from "../src/models/scoring/parallel-scorer.ts";

declare const Deno: { args: string[] };

const [runDir, modelDir] = Deno.args;
const rowsArg = Deno.args.indexOf("--rows");
const predictRows = rowsArg >= 0 ? Number(Deno.args[rowsArg + 1]) : 100_000;

function split(path: string): Promise<{ x: Matrix; y: Uint8Array }> {
  return readNpy(path).then(splitFeaturesAndLabels);
}

const train = await split(`${runDir}/data_transformation/transformed/train.npy`);
const test = await split(`${runDir}/data_transformation/transformed/test.npy`);
const big = new Float64Array(predictRows * test.x.cols);
for (let r = 0; r < predictRows; r++) big.set(test.x.values.subarray((r % test.x.rows) * test.x.cols, ((r % test.x.rows) + 1) * test.x.cols), r * test.x.cols);
const bigX: Matrix = { values: big, rows: predictRows, cols: test.x.cols };

/** Best of 5 timed passes (the machine is shared: the minimum is the least disturbed pass). */
function rate(predict: (x: Matrix) => unknown): number {
  predict({ values: big.subarray(0, 1000 * bigX.cols), rows: 1000, cols: bigX.cols }); // warm up
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    predict(bigX);
    best = Math.min(best, performance.now() - started);
  }
  return predictRows / (best / 1000);
}

// Distinct rows (no repeats: every row walks the trees): random values from {-1, 0, 1}.
const distinct = new Float64Array(predictRows * test.x.cols);
let s = 12345;
for (let i = 0; i < distinct.length; i++) {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0;
  distinct[i] = (s >>> 16) % 3 - 1;
}
const distinctX: Matrix = { values: distinct, rows: predictRows, cols: test.x.cols };
function rateOn(x: Matrix, predict: (x: Matrix) => unknown): number {
  predict({ values: x.values.subarray(0, 1000 * x.cols), rows: 1000, cols: x.cols });
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    predict(x);
    best = Math.min(best, performance.now() - started);
  }
  return x.rows / (best / 1000);
}

const pushed = await loadModelFile(modelDir);
const pushedRate = rate((x) => pushed.predictMatrix(x, { cache: false }));
const pushedDistinctRate = rateOn(distinctX, (x) => pushed.predictMatrix(x, { cache: false }));
const pushedCachedRate = rate((x) => pushed.predictMatrix(x));
const forest256 = createModel("hist_forest", { n_estimators: 256, seed: 42 });
forest256.fit(train.x, train.y);
const forestRate = rate((x) => forest256.predictProba(x));

/** Best of 5 passes of an async scorer, after two full-size warm-up passes (the workers' JIT). */
async function rateAsync(x: Matrix, predict: (x: Matrix) => Promise<unknown>): Promise<number> {
  await predict(x);
  await predict(x);
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    await predict(x);
    best = Math.min(best, performance.now() - started);
  }
  return x.rows / (best / 1000);
}
// Two workers, each with its own copy of the model from the same JSON; every batch split in halves.
const scorer = createParallelScorer(pushed.file.model, { workers: 2, minRows: 0 });
const check = await scorer.predictProba(distinctX);
const single = pushed.predictMatrix(distinctX, { cache: false }).probability;
const positiveIsOne = pushed.target.values.indexOf(pushed.target.positive) === 1;
const identical = check.every((p, i) => Object.is(positiveIsOne ? p : 1 - p, single[i]));
const twoWorkersDistinct = await rateAsync(distinctX, (x) => scorer.predictProba(x));
const twoWorkersTiled = await rateAsync(bigX, (x) => scorer.predictProba(x));
scorer.close();
// Two threads the other way: this thread scores one half on a view of the rows while one worker
// scores the other half (one copy fewer, no idle thread).
const callerScorer = createParallelScorer(pushed.file.model, { workers: 2, minRows: 0, callerScores: true });
const callerCheck = await callerScorer.predictProba(distinctX);
const callerIdentical = callerCheck.every((p, i) => Object.is(positiveIsOne ? p : 1 - p, single[i]));
const callerDistinct = await rateAsync(distinctX, (x) => callerScorer.predictProba(x));
const callerTiled = await rateAsync(bigX, (x) => callerScorer.predictProba(x));
callerScorer.close();
const forestScorer = createParallelScorer(forest256.toJSON(), { workers: 2, minRows: 0 });
const forestTwoWorkers = await rateAsync(bigX, (x) => forestScorer.predictProba(x));
forestScorer.close();
const f1s: number[] = [];
for (let seed = 0; seed < 5; seed++) {
  const m = createModel("hist_forest", { n_estimators: 100, seed });
  m.fit(train.x, train.y);
  f1s.push(score("f1", test.y, m.predictProba(test.x), 0));
}
console.log(JSON.stringify({
  pushed: {
    family: pushed.family,
    params: pushed.params,
    predict_rows_per_s: pushedRate,
    distinct_rows_per_s: pushedDistinctRate,
    repeated_rows_with_cache_per_s: pushedCachedRate,
    two_workers_distinct_rows_per_s: twoWorkersDistinct,
    two_workers_tiled_rows_per_s: twoWorkersTiled,
    two_workers_identical_to_one_thread: identical,
    this_thread_plus_worker_distinct_rows_per_s: callerDistinct,
    this_thread_plus_worker_tiled_rows_per_s: callerTiled,
    this_thread_plus_worker_identical_to_one_thread: callerIdentical,
  },
  hist_forest256_predict_rows_per_s: forestRate,
  hist_forest256_two_workers_rows_per_s: forestTwoWorkers,
  hist_forest100_test_f1_mean_5_seeds: f1s.reduce((a, b) => a + b) / f1s.length,
  hist_forest100_test_f1_seeds: f1s,
}));
