/**
 * The global picture of the per-prediction explanations, for the run report and notebook 04: on a
 * seeded sample of test rows, each feature's mean |contribution| (how much it moves predictions,
 * in the model's raw output) and every sampled row's contributions with the feature values (the
 * beeswarm plot). Pure: the evaluate stage writes it to `model_evaluation/explanations.json`.
 */
import type { Classifier, Matrix } from "../models/classifier.ts";
import { canExplain, describeOutput, explainPositive } from "../models/explain.ts";
import { mulberry32, shuffle } from "../stats/rng.ts";

/** Test rows explained for the summary: TreeSHAP on the default 100-tree forest (deep trees) costs ~7 ms a row, so 60 rows keep the evaluate stage under half a second. */
export const SUMMARY_ROWS = 60;

export interface ExplanationSummary {
  /** What base + Σ contributions is for each row, e.g. "log-odds of phishing". */
  output: string;
  family: string;
  features: string[];
  /** Rows explained, out of `of` test rows. */
  rows: number;
  of: number;
  base: number;
  /** Mean |contribution| per feature over the rows, in `features` order. */
  meanAbs: number[];
  /** Per row: the feature values and the contributions (rounded to 6 significant digits). */
  values: number[][];
  contributions: number[][];
}

const round6 = (v: number) => Number(v.toPrecision(6));

export function explanationSummary(model: Classifier, x: Matrix, positiveIndex: 0 | 1, positiveLabel: string, features: string[], seed: number, rows = SUMMARY_ROWS): ExplanationSummary | undefined {
  if (!canExplain(model) || x.rows === 0) return undefined;
  const order = shuffle(Int32Array.from({ length: x.rows }, (_, i) => i), mulberry32(seed)).slice(0, Math.min(rows, x.rows)).sort();
  const sample = new Float64Array(order.length * x.cols);
  order.forEach((r, i) => sample.set(x.values.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols));
  const e = explainPositive(model, { values: sample, rows: order.length, cols: x.cols }, positiveIndex);
  const meanAbs = new Array<number>(x.cols).fill(0);
  const values: number[][] = [];
  const contributions: number[][] = [];
  for (let i = 0; i < order.length; i++) {
    values.push(Array.from(sample.subarray(i * x.cols, (i + 1) * x.cols)));
    const row = Array.from(e.contributions.subarray(i * x.cols, (i + 1) * x.cols));
    row.forEach((c, j) => (meanAbs[j] += Math.abs(c) / order.length));
    contributions.push(row.map(round6));
  }
  return {
    output: describeOutput(e.output, positiveLabel),
    family: model.family,
    features,
    rows: order.length,
    of: x.rows,
    base: e.base,
    meanAbs,
    values,
    contributions,
  };
}
