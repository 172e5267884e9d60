/**
 * The one interface every model family implements. Data is a dense row-major Float64Array
 * (`rows × features`, already imputed: no NaN) and labels are class indices 0/1 (see
 * `Schema.classIndex`: the seed's -1→0, 1→1 mapping). Probabilities are of class index 1;
 * callers turn them into the positive class's probability with `Schema.positiveIndex`.
 */
export type Params = Record<string, number | string | boolean | null>;

export interface Matrix {
  values: Float64Array;
  rows: number;
  cols: number;
}

/** The JSON form of a fitted model: plain data only, loading it never runs code. */
export interface ModelJson {
  family: string;
  /** Version of this family's state layout. */
  formatVersion: number;
  params: Params;
  state: unknown;
}

/** How to run one fit (not part of the model: the same data and params give the same model whatever these say). */
export interface FitOptions {
  /** Threads this one fit may use (hist_gbt, where the runtime has workers; others ignore it). Default 1. */
  threads?: number;
}

/**
 * Per-row feature contributions to a model's raw output for class index 1 (log-odds for boosted
 * trees and logistic regression, probability for forests): for every row,
 * base + Σ contributions = the raw output.
 */
export interface Explanation {
  output: "log_odds" | "probability";
  /** rows × features, row-major. */
  contributions: Float64Array;
  /** The expected raw output over the training data (the same for every row). */
  base: number;
}

export interface Classifier {
  readonly family: string;
  readonly params: Params;
  fit(x: Matrix, y: Uint8Array, options?: FitOptions): void | Promise<void>;
  /** Probability of class index 1 for every row. */
  predictProba(x: Matrix): Float64Array;
  /** Class index (0/1) for every row. */
  predict(x: Matrix): Uint8Array;
  /** Importance per feature (sums to 1) where the family has one. */
  featureImportances?(): Float64Array;
  /** Exact per-row contributions (TreeSHAP for trees, linear for logistic regression) where the family has them. */
  explain?(x: Matrix): Explanation;
  toJSON(): ModelJson;
}
