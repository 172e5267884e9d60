/**
 * Train stage: model search over the experiment's candidates on the transformed training rows
 * (grouped folds unless `split.group_duplicates: false`; the winner also on the other protocol),
 * winner refitted on all of them, and the decision threshold chosen on the winner's out-of-fold
 * predictions (experiment `threshold`). Writes `model_trainer/trained_model/model.json` (the fitted
 * model's plain JSON: deterministic for the same data and seed), `leaderboard.csv`, `search.json`
 * (fold scores, timings, both protocols' CV scores, the winner's training score) and
 * `threshold.json` (the rule, the threshold, its out-of-fold precision/recall/F1 and curve).
 */
import type { Experiment } from "../experiment.ts";
import type { Reporter } from "../reporter.ts";
import type { Classifier, Matrix } from "../models/classifier.ts";
import { STAGE_FILES, ensureParent, writeStage } from "../artifacts.ts";
import type { StageContext } from "./context.ts";
import { writeNpy } from "../data/npy.ts";
import { fileSha256 } from "../data/digest.ts";
import { platform } from "../runtime/index.ts";
import { runSearch } from "../search/search.ts";
import { score } from "../search/scoring.ts";
import { leaderboardCsv } from "../search/leaderboard.ts";
import { onnxSupport } from "../models/onnx/export.ts";
import type { CandidateResult, Scoring, SearchResult } from "../search/types.ts";
import { matrixGroups } from "../stats/vector-groups.ts";
import { chooseThreshold, type ThresholdChoice, type ThresholdRule } from "../stats/threshold.ts";
import { prCurve, type PrCurve } from "../stats/metrics.ts";

export interface TrainInput {
  train: { x: Matrix; y: Uint8Array };
  /** The transformed training array file: its sha256 is the model's data fingerprint. */
  trainArray?: string;
  /**
   * The search of these settings on these rows, already done (a notebook session that changes
   * only the threshold rule): used as it is instead of searching again.
   */
  search?: SearchResult;
}

/** The model search's settings (experiment `seed`, `search`, `split.group_duplicates`): plain data, part of its result's key. */
export interface SearchSettings {
  seed: number;
  folds: number;
  scoring: Scoring;
  /** Worker threads (not part of the key: the same search on any number of workers gives the same result). */
  workers: "auto" | number;
  candidates: Experiment["search"]["candidates"];
  /** Grouped folds (identical feature vectors in one fold) or row by row. */
  groupDuplicates: boolean;
}

/** Train's own settings: the search's and the threshold rule (experiment `threshold`). */
export interface TrainSettings extends SearchSettings {
  threshold: ThresholdRule;
}

export type TrainOptions = StageContext & TrainSettings & {
  onCandidate?: (result: CandidateResult) => void | Promise<void>;
  /** Called as fold tasks finish (live progress in a notebook cell). */
  onProgress?: (done: number, total: number, label: string) => void;
};

export interface TrainArtifacts {
  dir: string;
  modelFile: string;
  leaderboardFile: string;
  searchFile: string;
  model: Classifier;
  search: SearchResult;
  /** The winner's score on its own training rows at the chosen threshold (for the over-fitting gate). */
  trainScore: number;
  dataFingerprint: string;
  /** The decision threshold on P(positive class), chosen on out-of-fold predictions. */
  threshold: ThresholdChoice;
  thresholdFile: string;
}

/** The model search of `settings` on the transformed training rows (no files written). */
export async function searchModels(train: { x: Matrix; y: Uint8Array }, positive: 0 | 1, settings: SearchSettings, hooks: { reporter?: Reporter; onCandidate?: TrainOptions["onCandidate"]; onProgress?: TrainOptions["onProgress"] } = {}): Promise<SearchResult> {
  const { x, y } = train;
  return await runSearch(x, y, positive, {
    seed: settings.seed,
    folds: settings.folds,
    groups: matrixGroups(x.values, x.rows, x.cols).group,
    protocol: settings.groupDuplicates ? "grouped" : "leaky",
    compareProtocols: true,
    scoring: settings.scoring,
    workers: settings.workers,
    candidates: settings.candidates,
    reporter: hooks.reporter,
    onCandidate: hooks.onCandidate,
    onProgress: hooks.onProgress,
  });
}

/** The winner's out-of-fold probability of the positive class (NaN for rows no fold predicted). */
export function oofPositive(search: SearchResult, positive: 0 | 1): Float64Array {
  return Float64Array.from(search.oof, (p) => (positive === 1 ? p : 1 - p));
}

/** Points of the out-of-fold precision/recall curve written to threshold.json (a figure's worth). */
export const PR_CURVE_POINTS = 2_000;

/**
 * At most `max` thresholds of a precision/recall curve, evenly spaced along it (the first and the
 * last kept), with the closing point (precision 1, recall 0): one point per distinct score made
 * threshold.json 44 MB at 800k training rows.
 */
export function thinPrCurve(curve: PrCurve, max: number): PrCurve {
  const n = curve.thresholds.length;
  if (n <= max) return curve;
  const keep = Array.from({ length: max }, (_, k) => Math.round((k * (n - 1)) / (max - 1)));
  return {
    precision: [...keep.map((i) => curve.precision[i]), curve.precision[n]],
    recall: [...keep.map((i) => curve.recall[i]), curve.recall[n]],
    thresholds: keep.map((i) => curve.thresholds[i]),
  };
}

/** The bytes of x's values followed by y (what the fingerprint hashes when there is no array file). */
function featuresAndLabels(x: Matrix, y: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(x.values.byteLength + y.byteLength);
  bytes.set(new Uint8Array(x.values.buffer, x.values.byteOffset, x.values.byteLength));
  bytes.set(y, x.values.byteLength);
  return bytes;
}

export async function runTrain(input: TrainInput, options: TrainOptions): Promise<TrainArtifacts> {
  const { run, schema, reporter } = options;
  const files = STAGE_FILES.trainer;
  const finalDir = run.stage("trainer");
  const { x, y } = input.train;
  const dataFingerprint = input.trainArray
    ? await fileSha256(input.trainArray) // read in 8 MiB blocks: not a second copy of the matrix in memory
    : await platform.sha256(featuresAndLabels(x, y));
  const positive = schema.positiveIndex;
  const search = input.search ?? await searchModels(input.train, positive, options, options);
  const oof = oofPositive(search, positive);
  const threshold = chooseThreshold(y, oof, positive, options.threshold);
  if (!threshold.met) reporter?.warn(`train: no threshold meets "${threshold.rule}" on the out-of-fold predictions; using the closest, ${threshold.threshold.toFixed(4)} (precision ${threshold.precision.toFixed(4)}, recall ${threshold.recall.toFixed(4)})`);
  const trainScore = score(options.scoring, y, search.model.predictProba(x), positive, threshold.threshold);
  const oofPositiveValues = oof;
  return writeStage(finalDir, async (dir) => {
    await ensureParent(`${dir}/${files.model}`);
    await platform.writeFile(`${dir}/${files.model}`, JSON.stringify(search.model.toJSON()) + "\n");
    await platform.writeFile(`${dir}/${files.leaderboard}`, leaderboardCsv(search.leaderboard));
    const summary = {
      scoring: options.scoring,
      folds: options.folds,
      seed: options.seed,
      candidates: search.leaderboard.length,
      best: search.best,
      /** Whether the winner can be exported to ONNX (final_model/model.onnx), and why not. */
      onnx: onnxSupport(search.best.family),
      trainScore,
      dataFingerprint,
      protocol: search.protocol,
      protocols: search.protocols,
      threshold: { value: threshold.threshold, rule: threshold.rule, met: threshold.met },
      seconds: search.seconds,
      refitSeconds: search.refitSeconds,
      leaderboard: search.leaderboard,
    };
    await platform.writeFile(`${dir}/${files.search}`, JSON.stringify(summary, null, 2) + "\n");
    const known = oofPositiveValues.filter((p) => !Number.isNaN(p));
    const yKnown = y.filter((_, i) => !Number.isNaN(oofPositiveValues[i]));
    await writeNpy(`${dir}/${files.oof}`, oofPositiveValues.length, 1, (from, to, out) => out.set(oofPositiveValues.subarray(from, to)));
    await platform.writeFile(`${dir}/${files.threshold}`, JSON.stringify({
      on: `out-of-fold predictions of the training split (${search.protocol} ${options.folds}-fold CV of the winner)`,
      probabilityOf: { classIndex: positive, value: schema.target.positive, label: schema.labelOf(schema.target.positive) },
      ...threshold,
      oofPr: thinPrCurve(prCurve(yKnown, known, positive), PR_CURVE_POINTS),
    }) + "\n");
    const b = search.best;
    const other = search.protocols[search.protocol === "grouped" ? "leaky" : "grouped"];
    reporter?.info(`train: best ${b.family} ${JSON.stringify(b.params)} CV ${b.scoring} ${b.meanScore.toFixed(4)} ± ${b.stdScore.toFixed(4)} on ${search.protocol} folds${other ? ` (${other.protocol} folds: ${other.meanScore.toFixed(4)} ± ${other.stdScore.toFixed(4)})` : ""} (${search.leaderboard.length} candidates, ${search.seconds.toFixed(1)} s); threshold ${threshold.threshold.toFixed(4)} on P(${schema.labelOf(schema.target.positive)}) (${threshold.rule}: out-of-fold precision ${threshold.precision.toFixed(4)}, recall ${threshold.recall.toFixed(4)})`);
    if (!summary.onnx.exportable) reporter?.warn(`train: the best model (${b.family}) has no ONNX export: ${summary.onnx.reason}`);
    return {
      dir: finalDir,
      modelFile: `${finalDir}/${files.model}`,
      leaderboardFile: `${finalDir}/${files.leaderboard}`,
      searchFile: `${finalDir}/${files.search}`,
      thresholdFile: `${finalDir}/${files.threshold}`,
      threshold,
      model: search.model,
      search,
      trainScore,
      dataFingerprint,
    };
  });
}
