/**
 * The design card's `ml-random-forest` (2.1) as a candidate. Measured: ~60 s per tree on ~8.8k
 * rows, so it belongs in experiments/thorough.yaml only. Its out-of-bag step crashes with
 * "input must not be empty" when some row is never out of bag (likely with few trees): the adapter
 * works around it by turning the OOB step off (netsec never uses OOB estimates), and refuses
 * `oob: true` with fewer than MIN_OOB_TREES trees with a message saying why. Probabilities are the
 * share of trees voting class 1 (the library's `predictProbability` mis-sums its votes).
 */
// @ts-ignore: ml-random-forest ships no type declarations; its shape is declared below.
import * as rf from "ml-random-forest";
import { NetsecError } from "../../errors.ts";
import type { Classifier, Matrix, ModelJson, Params } from "../classifier.ts";
import { assertFitted, checkWidth, classesOf, ParamReader } from "../params.ts";
import { checkCartTree } from "../trees/cart-json.ts";
import { TREE_LIMITS } from "../trees/tree-ensemble.ts";

export const ML_RANDOM_FOREST = "ml_random_forest";
const KNOWN = ["n_estimators", "max_features", "max_depth", "min_samples_leaf", "oob", "seed"] as const;
/** Below this many trees, some row is likely never out of bag and the library's OOB step throws. */
export const MIN_OOB_TREES = 20;

interface LibMatrix {
  rows: number;
  columns: number;
  get(row: number, column: number): number;
}
interface LibForest {
  train(x: number[][], y: number[]): void;
  predictionValues(x: number[][]): LibMatrix;
  toJSON(): unknown;
}
const lib = rf as unknown as {
  RandomForestClassifier: { new (options: Record<string, unknown>): LibForest; load(model: unknown): LibForest };
};

export class MlRandomForest implements Classifier {
  readonly family = ML_RANDOM_FOREST;
  private forest?: LibForest;
  private cols = 0;
  /** The library's JSON as loaded (its toJSON after load drops fields, so reuse the original). */
  private loaded?: unknown;

  constructor(readonly params: Params = {}) {
    this.options();
  }

  /** `cols`: feature count (ml-random-forest reads an integer max_features as a count, so 1.0 would mean one feature). */
  private options(cols = 30): Record<string, unknown> {
    const p = new ParamReader(ML_RANDOM_FOREST, this.params, KNOWN);
    const trees = p.int("n_estimators", 10, 1);
    const oob = p.bool("oob", false);
    if (oob && trees < MIN_OOB_TREES) {
      throw new NetsecError(
        "MODEL_REFUSED",
        `${ML_RANDOM_FOREST}: oob: true with ${trees} trees is refused: ml-random-forest 2.1 crashes in its out-of-bag step ("input must not be empty") when a row is never left out of a bootstrap sample, which is likely with fewer than ${MIN_OOB_TREES} trees. Use oob: false (the default) or at least ${MIN_OOB_TREES} trees.`,
      );
    }
    const fraction = p.number("max_features", 1, 1e-9, 1);
    return {
      nEstimators: trees,
      maxFeatures: fraction >= 1 ? cols : fraction,
      replacement: true,
      useSampleBagging: true,
      noOOB: !oob,
      seed: p.int("seed", 42),
      treeOptions: { maxDepth: p.limit("max_depth"), minNumSamples: p.int("min_samples_leaf", 3, 1) },
    };
  }

  fit(x: Matrix, y: Uint8Array): void {
    const rows: number[][] = [];
    for (let r = 0; r < x.rows; r++) rows.push(Array.from(x.values.subarray(r * x.cols, (r + 1) * x.cols)));
    const forest = new lib.RandomForestClassifier(this.options(x.cols));
    try {
      forest.train(rows, Array.from(y));
    } catch (error) {
      if (/input must not be empty/.test(String((error as Error)?.message))) {
        throw new NetsecError("MODEL_REFUSED", `${ML_RANDOM_FOREST}: the library crashed in its out-of-bag step ("input must not be empty"); train with oob: false`, { cause: error });
      }
      throw error;
    }
    this.forest = forest;
    this.cols = x.cols;
  }

  predictProba(x: Matrix): Float64Array {
    const forest = assertFitted(this.forest, this.family);
    checkWidth(this.family, this.cols, x.cols);
    const rows: number[][] = [];
    for (let r = 0; r < x.rows; r++) rows.push(Array.from(x.values.subarray(r * x.cols, (r + 1) * x.cols)));
    const votes = forest.predictionValues(rows);
    const out = new Float64Array(x.rows);
    for (let r = 0; r < votes.rows; r++) {
      let ones = 0;
      for (let t = 0; t < votes.columns; t++) if (votes.get(r, t) === 1) ones++;
      out[r] = ones / votes.columns;
    }
    return out;
  }

  predict(x: Matrix): Uint8Array {
    return classesOf(this.predictProba(x));
  }

  toJSON(): ModelJson {
    return { family: this.family, formatVersion: 1, params: this.params, state: { cols: this.cols, forest: this.loaded ?? assertFitted(this.forest, this.family).toJSON() } };
  }

  static fromJSON(json: ModelJson): MlRandomForest {
    const state = json.state as { cols: number; forest: { baseModel?: { estimators?: unknown; indexes?: unknown } } };
    if (!Number.isInteger(state?.cols) || state.cols < 1) throw new RangeError(`ml_random_forest: cols ${String(state?.cols)} is not a positive integer`);
    const base = state.forest?.baseModel;
    const estimators = base?.estimators, indexes = base?.indexes;
    if (!Array.isArray(estimators) || !Array.isArray(indexes) || estimators.length !== indexes.length || estimators.length > TREE_LIMITS.maxTrees) {
      throw new RangeError("ml_random_forest: the forest needs as many estimators as feature subsets (indexes)");
    }
    estimators.forEach((estimator, i) => {
      const subset = indexes[i];
      if (!Array.isArray(subset) || !subset.every((c) => Number.isInteger(c) && c >= 0 && c < state.cols)) throw new RangeError(`tree ${i}: its feature subset is not a list of feature indices below ${state.cols}`);
      checkCartTree((estimator as { root?: unknown })?.root, subset.length, `tree ${i}`);
    });
    const model = new MlRandomForest(json.params);
    model.forest = lib.RandomForestClassifier.load(JSON.parse(JSON.stringify(state.forest)));
    model.cols = state.cols;
    model.loaded = state.forest;
    return model;
  }
}
