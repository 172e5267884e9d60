/**
 * A learning curve (as scikit-learn's `learning_curve`): for growing shares of the training part
 * of each stratified CV fold, fit one model and score it on that training subset and on the fold's
 * validation rows. Folds are grouped by default, as the model search's are (identical feature
 * vectors in one fold), so the curve's validation score is the number the search reports, not the
 * leaky row-by-row one. Seeded: the subsets are the first n rows of a seeded shuffle of each fold's
 * training rows, so a larger subset contains the smaller ones. Runs in-process (the notebooks call
 * it on small settings; the search itself uses workers).
 */
import type { Matrix, Params } from "../models/classifier.ts";
import { createModel } from "../models/registry.ts";
import { mulberry32, shuffle } from "../stats/rng.ts";
import { foldIndices, stratifiedFolds, stratifiedGroupFolds } from "../search/folds.ts";
import { matrixGroups } from "../stats/vector-groups.ts";
import { takeRows } from "../search/fold-task.ts";
import { score } from "../search/scoring.ts";
import type { Scoring } from "../search/types.ts";
import type { LearningPoint } from "../viz/learning-curve.ts";

export interface LearningCurveOptions {
  family: string;
  params?: Params;
  scoring?: Scoring;
  /** Shares of each fold's training rows (default 0.1, 0.25, 0.5, 0.75, 1). */
  sizes?: readonly number[];
  folds?: number;
  seed?: number;
  /** Keep identical feature vectors in one fold (default true, as the search does); false deals rows one by one. */
  grouped?: boolean;
}

export async function learningCurve(x: Matrix, y: Uint8Array, positive: 0 | 1, options: LearningCurveOptions): Promise<LearningPoint[]> {
  const sizes = options.sizes ?? [0.1, 0.25, 0.5, 0.75, 1];
  const folds = options.folds ?? 3;
  const seed = options.seed ?? 42;
  const scoring = options.scoring ?? "f1";
  const fold = options.grouped === false ? stratifiedFolds(y, folds, seed) : stratifiedGroupFolds(y, matrixGroups(x.values, x.rows, x.cols).group, folds, seed);
  const points: LearningPoint[] = sizes.map(() => ({ trainSize: 0, trainScores: [], validScores: [] }));
  for (let f = 0; f < folds; f++) {
    const { train, valid } = foldIndices(fold, f);
    const order = shuffle(Int32Array.from(train), mulberry32(seed + f));
    const xValid = takeRows(x, valid);
    const yValid = Uint8Array.from(valid, (i) => y[i]);
    for (const [s, share] of sizes.entries()) {
      const n = Math.max(2, Math.round(share * order.length));
      const rows = order.subarray(0, n);
      const xTrain = takeRows(x, rows);
      const yTrain = Uint8Array.from(rows, (i) => y[i]);
      const model = createModel(options.family, options.params ?? {});
      await model.fit(xTrain, yTrain);
      const point = points[s] as { trainSize: number; trainScores: number[]; validScores: number[] };
      point.trainSize = n;
      point.trainScores.push(score(scoring, yTrain, model.predictProba(xTrain), positive));
      point.validScores.push(score(scoring, yValid, model.predictProba(xValid), positive));
    }
  }
  return points;
}
