/**
 * One model search on a transformed split (the netsec side of bench/search.sh): the experiment's
 * grid by stratified k-fold CV on <train.npy>, the winner refitted on all of it and scored on
 * <test.npy>. Prints one JSON line: search seconds (folds + refit), the winner, its CV and test F1
 * (phishing = class 0), and each grid point's mean CV F1.
 *   deno run -A bench/search-one.ts <train.npy> <test.npy> [--experiment bench/equal-work.yaml] [--workers 0]
 */
import { readNpy, splitFeaturesAndLabels } from "../src/data/npy.ts";
import { loadExperiment } from "../src/experiment.ts";
import { runSearch } from "../src/search/search.ts";
import { score } from "../src/search/scoring.ts";

declare const Deno: { args: string[] };
const [trainPath, testPath] = Deno.args;
const opt = (name: string, fallback: string) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : fallback;
};
const experiment = await loadExperiment(opt("experiment", "bench/equal-work.yaml"));
const workers = Number(opt("workers", String(experiment.search.workers)));
const train = splitFeaturesAndLabels(await readNpy(trainPath));
const test = splitFeaturesAndLabels(await readNpy(testPath));
const started = performance.now();
const result = await runSearch(train.x, train.y, 0, { ...experiment.search, seed: experiment.seed, workers });
const seconds = (performance.now() - started) / 1000;
const testF1 = score("f1", test.y, result.model.predictProba(test.x), 0);
console.log(JSON.stringify({
  system: "netsec", points: result.leaderboard.length, folds: experiment.search.folds, workers, seconds, refitSeconds: result.refitSeconds,
  best: { family: result.best.family, params: result.best.params, cvF1: result.best.meanScore }, testF1,
  points_cv: result.leaderboard.map((c) => ({ family: c.family, params: c.params, cvF1: c.meanScore, fitSeconds: c.fitSeconds })),
}));
