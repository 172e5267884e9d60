/**
 * Gaussian naive Bayes from the design card's `ml-naivebayes` (GaussianNB). The library fits the
 * per-class means and standard deviations; its `predict` gives labels only and divides by zero
 * when a feature is constant within a class (common with {-1, 1} features), so the adapter
 * computes the posterior itself from the fitted means/deviations, with scikit-learn's variance
 * smoothing (1e-9 × the largest feature variance).
 *
 * Memory: the library wants the rows as arrays (`number[][]`), then copies them into an ml-matrix
 * and once more per class: about four copies of the data in the JavaScript heap (1.5 GB for one
 * fold of 533k × 30 at 1M rows, in each search worker). Above LIBRARY_MAX_ROWS the adapter computes
 * the same statistics in one pass over the matrix instead (`gaussianClassStats`: the library's
 * arithmetic in the library's order, so the numbers are equal to the last bit; tested).
 */
// @ts-ignore: ml-naivebayes ships no type declarations; its shape is declared below.
import * as naiveBayes from "ml-naivebayes";
import type { Classifier, Matrix, ModelJson, Params } from "../classifier.ts";
import { assertFitted, checkWidth, classesOf, ParamReader } from "../params.ts";

export const NAIVE_BAYES = "naive_bayes";
const KNOWN = ["var_smoothing", "seed"] as const;

interface GaussianNbLib {
  train(x: number[][], y: number[]): void;
  means: number[][];
  /** Per class: [log prior, [1/(√(2π)·std), −2·std²] per feature]. */
  calculateProbabilities: [number, ...[number, number][]][];
}
const { GaussianNB } = naiveBayes as unknown as { GaussianNB: new () => GaussianNbLib };

interface NbState {
  cols: number;
  logPrior: [number, number];
  means: [number[], number[]];
  variances: [number[], number[]];
}

/** Up to this many rows the fit goes through ml-naivebayes itself; above, through `gaussianClassStats`. */
export const LIBRARY_MAX_ROWS = 65_536;

/**
 * What ml-naivebayes' GaussianNB fits: per class its log prior, column means and column variances
 * (n − 1), the variance as the adapter reads it from the library: −(−2·std·std)/2.
 */
export interface GaussianClassStats {
  logPrior: [number, number];
  means: [number[], number[]];
  variances: [number[], number[]];
}

/**
 * GaussianNB's fit (ml-naivebayes 4, ml-matrix's `mean('column')` and `standardDeviation('column')`)
 * without copying the rows: sums in row order per class, then the centred sums, as the library does.
 */
export function gaussianClassStats(x: Matrix, y: Uint8Array): GaussianClassStats {
  const { rows, cols, values } = x;
  const n = [0, 0];
  for (let r = 0; r < rows; r++) n[y[r]]++;
  if (n[0] === 0 || n[1] === 0) throw new RangeError("naive_bayes: the training rows hold one class only");
  const sums = [new Float64Array(cols), new Float64Array(cols)];
  for (let r = 0; r < rows; r++) {
    const sum = sums[y[r]];
    for (let j = 0, o = r * cols; j < cols; j++) sum[j] += values[o + j];
  }
  const means = sums.map((sum, c) => Array.from(sum, (v) => v / n[c]));
  const sum1 = [new Float64Array(cols), new Float64Array(cols)];
  const sum2 = [new Float64Array(cols), new Float64Array(cols)];
  for (let r = 0; r < rows; r++) {
    const c = y[r], mean = means[c], s1 = sum1[c], s2 = sum2[c];
    for (let j = 0, o = r * cols; j < cols; j++) {
      const d = values[o + j] - mean[j];
      s1[j] += d;
      s2[j] += d * d;
    }
  }
  const variances = [0, 1].map((c) =>
    Array.from({ length: cols }, (_, j) => {
      const std = Math.sqrt((sum2[c][j] - (sum1[c][j] * sum1[c][j]) / n[c]) / (n[c] - 1));
      return -(-2 * std * std) / 2;
    })
  );
  return {
    logPrior: [Math.log(n[0] / rows), Math.log(n[1] / rows)],
    means: [means[0], means[1]],
    variances: [variances[0], variances[1]],
  };
}

/** The same statistics from ml-naivebayes (copies the rows; small data). */
function libraryClassStats(x: Matrix, y: Uint8Array): GaussianClassStats {
  const rows: number[][] = [];
  for (let r = 0; r < x.rows; r++) rows.push(Array.from(x.values.subarray(r * x.cols, (r + 1) * x.cols)));
  const lib = new GaussianNB();
  lib.train(rows, Array.from(y));
  // calculateProbabilities[c][1 + j] = [1/(√(2π)·std), −2·std²]
  const variances = lib.calculateProbabilities.map((c) => c.slice(1).map((pair) => -(pair as [number, number])[1] / 2));
  return {
    logPrior: [lib.calculateProbabilities[0][0] as number, lib.calculateProbabilities[1][0] as number],
    means: [lib.means[0], lib.means[1]],
    variances: [variances[0], variances[1]],
  };
}

export class NaiveBayes implements Classifier {
  readonly family = NAIVE_BAYES;
  private state?: NbState;

  constructor(readonly params: Params = {}) {
    new ParamReader(NAIVE_BAYES, params, KNOWN);
  }

  fit(x: Matrix, y: Uint8Array): void {
    const smoothing = new ParamReader(NAIVE_BAYES, this.params, KNOWN).number("var_smoothing", 1e-9, 0);
    const stats = x.rows <= LIBRARY_MAX_ROWS ? libraryClassStats(x, y) : gaussianClassStats(x, y);
    // Largest per-feature variance over all rows, for the smoothing term.
    let maxVar = 0;
    for (let j = 0; j < x.cols; j++) {
      let m = 0;
      for (let r = 0; r < x.rows; r++) m += x.values[r * x.cols + j];
      m /= x.rows;
      let v = 0;
      for (let r = 0; r < x.rows; r++) v += (x.values[r * x.cols + j] - m) ** 2;
      maxVar = Math.max(maxVar, v / x.rows);
    }
    const eps = smoothing * maxVar + 1e-300;
    this.state = {
      cols: x.cols,
      logPrior: stats.logPrior,
      means: stats.means,
      variances: [stats.variances[0].map((v) => v + eps), stats.variances[1].map((v) => v + eps)],
    };
  }

  predictProba(x: Matrix): Float64Array {
    const s = assertFitted(this.state, this.family);
    checkWidth(this.family, s.cols, x.cols);
    const out = new Float64Array(x.rows);
    for (let r = 0; r < x.rows; r++) {
      const ll = [s.logPrior[0], s.logPrior[1]];
      for (let c = 0; c < 2; c++) {
        for (let j = 0; j < x.cols; j++) {
          const v = s.variances[c][j];
          const d = x.values[r * x.cols + j] - s.means[c][j];
          ll[c] += -0.5 * Math.log(2 * Math.PI * v) - (d * d) / (2 * v);
        }
      }
      out[r] = 1 / (1 + Math.exp(ll[0] - ll[1]));
    }
    return out;
  }

  predict(x: Matrix): Uint8Array {
    return classesOf(this.predictProba(x));
  }

  toJSON(): ModelJson {
    return { family: this.family, formatVersion: 1, params: this.params, state: assertFitted(this.state, this.family) };
  }

  static fromJSON(json: ModelJson): NaiveBayes {
    const s = json.state as NbState;
    const ok = s && [s.means[0], s.means[1], s.variances[0], s.variances[1]].every((a) => Array.isArray(a) && a.length === s.cols && a.every(Number.isFinite));
    if (!ok) throw new RangeError("naive_bayes: inconsistent state");
    const model = new NaiveBayes(json.params);
    model.state = s;
    return model;
  }
}
