/**
 * L2-regularised logistic regression (scikit-learn's LogisticRegression defaults: C = 1, intercept
 * not penalised), fitted by Newton's method on the 31 weights — exact to 1e-10 in a few steps,
 * deterministic, no learning rate to tune. Ours rather than `ml-logistic-regression`: that package
 * runs fixed-step gradient descent without regularisation (results depend on step size and
 * iteration count, not on the data alone) and its model has no probability output.
 */
import type { Classifier, Explanation, Matrix, ModelJson, Params } from "../classifier.ts";
import { assertFitted, checkWidth, classesOf, ParamReader } from "../params.ts";
import { NetsecError } from "../../errors.ts";

export const LOGISTIC_REGRESSION = "logistic_regression";
const KNOWN = ["C", "max_iter", "seed"] as const;

/** Solve A x = b for a symmetric positive definite A (Cholesky), in place of nothing. */
function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / l[j * n + j];
    }
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * z[k];
    z[i] = s / l[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
  return x;
}

export class LogisticRegression implements Classifier {
  readonly family = LOGISTIC_REGRESSION;
  private weights?: Float64Array; // [intercept, w_1..w_d]
  /** Mean of each feature over the training rows (the reference point of the explanations). */
  private means?: Float64Array;

  constructor(readonly params: Params = {}) {
    new ParamReader(LOGISTIC_REGRESSION, params, KNOWN);
  }

  fit(x: Matrix, y: Uint8Array): void {
    const p = new ParamReader(LOGISTIC_REGRESSION, this.params, KNOWN);
    const C = p.number("C", 1, 1e-12);
    const maxIter = p.int("max_iter", 100, 1);
    const d = x.cols + 1;
    const w = new Float64Array(d);
    const grad = new Float64Array(d);
    const hess = new Float64Array(d * d);
    const row = new Float64Array(d);
    for (let iter = 0; iter < maxIter; iter++) {
      grad.fill(0);
      hess.fill(0);
      for (let j = 1; j < d; j++) {
        grad[j] = w[j] / C;
        hess[j * d + j] = 1 / C;
      }
      for (let r = 0; r < x.rows; r++) {
        row[0] = 1;
        let z = w[0];
        for (let j = 1; j < d; j++) {
          row[j] = x.values[r * x.cols + j - 1];
          z += w[j] * row[j];
        }
        const pr = 1 / (1 + Math.exp(-z));
        const g = pr - y[r];
        const h = Math.max(pr * (1 - pr), 1e-12);
        for (let i = 0; i < d; i++) {
          grad[i] += g * row[i];
          const hi = h * row[i];
          for (let j = 0; j <= i; j++) hess[i * d + j] += hi * row[j];
        }
      }
      for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) hess[j * d + i] = hess[i * d + j];
      const step = solveSpd(hess, grad, d);
      let size = 0;
      for (let i = 0; i < d; i++) {
        w[i] -= step[i];
        size = Math.max(size, Math.abs(step[i]));
      }
      if (size < 1e-10) break;
    }
    this.weights = w;
    const means = new Float64Array(x.cols);
    for (let r = 0; r < x.rows; r++) for (let j = 0; j < x.cols; j++) means[j] += x.values[r * x.cols + j];
    for (let j = 0; j < x.cols; j++) means[j] /= x.rows;
    this.means = means;
  }

  /**
   * Exact contributions to the log-odds of class 1: w_j · (x_j − mean_j), with base
   * b + Σ w_j · mean_j (the SHAP values of a linear model with independent features, as shap's
   * LinearExplainer gives with the training rows as background).
   */
  explain(x: Matrix): Explanation {
    const w = assertFitted(this.weights, this.family);
    checkWidth(this.family, w.length - 1, x.cols);
    const means = this.means;
    if (!means) throw new NetsecError("EXPLAIN_UNAVAILABLE", `${this.family}: this model file has no training feature means (it was trained before netsec stored them), so its predictions cannot be explained: train it again`);
    let base = w[0];
    for (let j = 0; j < x.cols; j++) base += w[j + 1] * means[j];
    const contributions = new Float64Array(x.rows * x.cols);
    for (let r = 0; r < x.rows; r++) {
      for (let j = 0; j < x.cols; j++) contributions[r * x.cols + j] = w[j + 1] * (x.values[r * x.cols + j] - means[j]);
    }
    return { output: "log_odds", contributions, base };
  }

  /** Intercept followed by one coefficient per feature. */
  coefficients(): Float64Array {
    return Float64Array.from(assertFitted(this.weights, this.family));
  }

  predictProba(x: Matrix): Float64Array {
    const w = assertFitted(this.weights, this.family);
    checkWidth(this.family, w.length - 1, x.cols);
    const out = new Float64Array(x.rows);
    for (let r = 0; r < x.rows; r++) {
      let z = w[0];
      for (let j = 0; j < x.cols; j++) z += w[j + 1] * x.values[r * x.cols + j];
      out[r] = 1 / (1 + Math.exp(-z));
    }
    return out;
  }

  predict(x: Matrix): Uint8Array {
    return classesOf(this.predictProba(x));
  }

  /** |coefficient| shares (features are on the same {-1, 0, 1} scale, so they compare). */
  featureImportances(): Float64Array {
    const w = assertFitted(this.weights, this.family);
    const abs = Float64Array.from(w.subarray(1), Math.abs);
    const sum = abs.reduce((a, b) => a + b, 0);
    return abs.map((v) => (sum > 0 ? v / sum : 0));
  }

  toJSON(): ModelJson {
    const state: { weights: number[]; means?: number[] } = { weights: Array.from(assertFitted(this.weights, this.family)) };
    if (this.means) state.means = Array.from(this.means);
    return { family: this.family, formatVersion: 1, params: this.params, state };
  }

  static fromJSON(json: ModelJson): LogisticRegression {
    const state = json.state as { weights: number[]; means?: number[] };
    if (!Array.isArray(state?.weights) || !state.weights.every(Number.isFinite)) throw new RangeError("logistic_regression: weights must be finite numbers");
    // means: optional (files written before explanations existed have none)
    if (state.means !== undefined && (!Array.isArray(state.means) || state.means.length !== state.weights.length - 1 || !state.means.every(Number.isFinite))) {
      throw new RangeError("logistic_regression: means must be one finite number per feature");
    }
    const model = new LogisticRegression(json.params);
    model.weights = Float64Array.from(state.weights);
    if (state.means) model.means = Float64Array.from(state.means);
    return model;
  }
}
