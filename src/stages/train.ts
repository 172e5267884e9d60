/**
 * Train stage: model search over the experiment's candidates on the transformed training rows,
 * winner refitted on all of them. Writes `model_trainer/trained_model/model.json` (the fitted
 * model's plain JSON: deterministic for the same data and seed), `leaderboard.csv` and
 * `search.json` (fold scores, timings, the winner's training score).
 */
import type { Experiment } from "../experiment.ts";
import type { Schema } from "../schema.ts";
import type { Reporter } from "../reporter.ts";
import type { Classifier, Matrix } from "../models/classifier.ts";
import { STAGE_FILES, ensureParent, writeStage, type RunFolder } from "../artifacts.ts";
import { platform } from "../runtime/index.ts";
import { runSearch } from "../search/search.ts";
import { score } from "../search/scoring.ts";
import { leaderboardCsv } from "../search/leaderboard.ts";
import { onnxSupport } from "../models/onnx/export.ts";
import type { CandidateResult, SearchResult } from "../search/types.ts";

export interface TrainInput {
  train: { x: Matrix; y: Uint8Array };
  /** The transformed training array file: its sha256 is the model's data fingerprint. */
  trainArray?: string;
}

export interface TrainOptions {
  run: RunFolder;
  experiment: Experiment;
  schema: Schema;
  reporter?: Reporter;
  onCandidate?: (result: CandidateResult) => void | Promise<void>;
}

export interface TrainArtifacts {
  dir: string;
  modelFile: string;
  leaderboardFile: string;
  searchFile: string;
  model: Classifier;
  search: SearchResult;
  /** The winner's score on its own training rows (for the over-fitting gate). */
  trainScore: number;
  dataFingerprint: string;
}

export async function runTrain(input: TrainInput, options: TrainOptions): Promise<TrainArtifacts> {
  const { run, experiment, schema, reporter } = options;
  const files = STAGE_FILES.trainer;
  const finalDir = run.stage("trainer");
  const { x, y } = input.train;
  const dataFingerprint = input.trainArray
    ? await platform.sha256(await platform.readFile(input.trainArray))
    : await platform.sha256(new Uint8Array([...new Uint8Array(x.values.buffer, x.values.byteOffset, x.values.byteLength), ...y]));
  const search = await runSearch(x, y, schema.positiveIndex, {
    seed: experiment.seed,
    folds: experiment.search.folds,
    scoring: experiment.search.scoring,
    workers: experiment.search.workers,
    candidates: experiment.search.candidates,
    reporter,
    onCandidate: options.onCandidate,
  });
  const trainScore = score(experiment.search.scoring, y, search.model.predictProba(x), schema.positiveIndex);
  return writeStage(finalDir, async (dir) => {
    await ensureParent(`${dir}/${files.model}`);
    await platform.writeFile(`${dir}/${files.model}`, JSON.stringify(search.model.toJSON()) + "\n");
    await platform.writeFile(`${dir}/${files.leaderboard}`, leaderboardCsv(search.leaderboard));
    const summary = {
      scoring: experiment.search.scoring,
      folds: experiment.search.folds,
      seed: experiment.seed,
      candidates: search.leaderboard.length,
      best: search.best,
      /** Whether the winner can be exported to ONNX (final_model/model.onnx), and why not. */
      onnx: onnxSupport(search.best.family),
      trainScore,
      dataFingerprint,
      seconds: search.seconds,
      refitSeconds: search.refitSeconds,
      leaderboard: search.leaderboard,
    };
    await platform.writeFile(`${dir}/search.json`, JSON.stringify(summary, null, 2) + "\n");
    const b = search.best;
    reporter?.info(`train: best ${b.family} ${JSON.stringify(b.params)} CV ${b.scoring} ${b.meanScore.toFixed(4)} ± ${b.stdScore.toFixed(4)} (${search.leaderboard.length} candidates, ${search.seconds.toFixed(1)} s)`);
    if (!summary.onnx.exportable) reporter?.warn(`train: the best model (${b.family}) has no ONNX export: ${summary.onnx.reason}`);
    return {
      dir: finalDir,
      modelFile: `${finalDir}/${files.model}`,
      leaderboardFile: `${finalDir}/${files.leaderboard}`,
      searchFile: `${finalDir}/search.json`,
      model: search.model,
      search,
      trainScore,
      dataFingerprint,
    };
  });
}
