/**
 * Gaussian naive Bayes from the design card's `ml-naivebayes` (GaussianNB). The library fits the
 * per-class means and standard deviations; its `predict` gives labels only and divides by zero
 * when a feature is constant within a class (common with {-1, 1} features), so the adapter
 * computes the posterior itself from the fitted means/deviations, with scikit-learn's variance
 * smoothing (1e-9 × the largest feature variance).
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

export class NaiveBayes implements Classifier {
  readonly family = NAIVE_BAYES;
  private state?: NbState;

  constructor(readonly params: Params = {}) {
    new ParamReader(NAIVE_BAYES, params, KNOWN);
  }

  fit(x: Matrix, y: Uint8Array): void {
    const smoothing = new ParamReader(NAIVE_BAYES, this.params, KNOWN).number("var_smoothing", 1e-9, 0);
    const rows: number[][] = [];
    for (let r = 0; r < x.rows; r++) rows.push(Array.from(x.values.subarray(r * x.cols, (r + 1) * x.cols)));
    const lib = new GaussianNB();
    lib.train(rows, Array.from(y));
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
    const variances = lib.calculateProbabilities.map((c) => c.slice(1).map((pair) => (-(pair as [number, number])[1] / 2) + eps));
    this.state = {
      cols: x.cols,
      logPrior: [lib.calculateProbabilities[0][0] as number, lib.calculateProbabilities[1][0] as number],
      means: [lib.means[0], lib.means[1]],
      variances: [variances[0], variances[1]],
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
