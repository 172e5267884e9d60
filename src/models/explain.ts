/**
 * Per-prediction explanations in the terms of the positive class (schema.yaml `target.positive`,
 * phishing): a family's `explain` speaks of class index 1, so when the positive class is index 0
 * the contributions change sign and the base becomes −base (log-odds) or 1 − base (probability).
 * For every row, base + Σ contributions = the model's raw output for the positive class: the
 * log-odds of phishing for boosted trees and logistic regression, the probability of phishing for
 * forests. Rows repeated in a batch are explained once; a bounded cache keeps rows seen before.
 */
import type { Classifier, Explanation, Matrix } from "./classifier.ts";
import { NetsecError } from "../errors.ts";
import { ternaryRowKey } from "./scoring/row-key.ts";

export interface PositiveExplanation {
  /** What base + Σ contributions is: "log_odds" or "probability" of the positive class. */
  output: Explanation["output"];
  rows: number;
  features: number;
  /** rows × features, row-major. */
  contributions: Float64Array;
  base: number;
}

/** "log-odds of phishing" / "probability of phishing". */
export function describeOutput(output: Explanation["output"], positiveLabel: string): string {
  return `${output === "log_odds" ? "log-odds" : "probability"} of ${positiveLabel}`;
}

export function canExplain(model: Classifier): boolean {
  return typeof model.explain === "function";
}

/** The explanation of `x` for the positive class (`positiveIndex`: its class index). */
export function explainPositive(model: Classifier, x: Matrix, positiveIndex: 0 | 1): PositiveExplanation {
  if (!model.explain) {
    throw new NetsecError("EXPLAIN_UNAVAILABLE", `${model.family} predictions cannot be explained: explanations exist for hist_gbt, hist_forest (TreeSHAP) and logistic_regression (exact linear contributions)`);
  }
  const e = model.explain(x);
  if (positiveIndex === 0) {
    for (let i = 0; i < e.contributions.length; i++) e.contributions[i] = -e.contributions[i];
    e.base = e.output === "log_odds" ? -e.base : 1 - e.base;
  }
  return { output: e.output, rows: x.rows, features: x.cols, contributions: e.contributions, base: e.base };
}

/** Explanations with repeated rows explained once (within a batch, and from a bounded cache across batches). */
export class ExplainMemo {
  private readonly cache = new Map<number, Float64Array>();
  private base = NaN;
  private output: Explanation["output"] | undefined;

  constructor(private readonly model: Classifier, private readonly positiveIndex: 0 | 1, private readonly limit = 50_000) {}

  explain(x: Matrix): PositiveExplanation {
    const cols = x.cols;
    const out = new Float64Array(x.rows * cols);
    const missRows: number[] = [];
    const missKeys: number[] = [];
    const firstOf = new Map<number, number>();
    const copies: [number, number][] = []; // (row, earlier row of this batch with the same key)
    for (let r = 0; r < x.rows; r++) {
      const key = ternaryRowKey(x.values, r * cols, cols);
      if (key >= 0) {
        const hit = this.cache.get(key);
        if (hit) {
          out.set(hit, r * cols);
          continue;
        }
        const first = firstOf.get(key);
        if (first !== undefined) {
          copies.push([r, first]);
          continue;
        }
        firstOf.set(key, r);
      }
      missRows.push(r);
      missKeys.push(key);
    }
    if (missRows.length > 0 || Number.isNaN(this.base)) {
      const sub = new Float64Array(Math.max(1, missRows.length) * cols);
      missRows.forEach((r, i) => sub.set(x.values.subarray(r * cols, (r + 1) * cols), i * cols));
      const e = explainPositive(this.model, { values: sub, rows: Math.max(1, missRows.length), cols }, this.positiveIndex);
      this.base = e.base;
      this.output = e.output;
      if (this.cache.size + missRows.length > this.limit) this.cache.clear();
      for (let i = 0; i < missRows.length; i++) {
        const row = e.contributions.slice(i * cols, (i + 1) * cols);
        out.set(row, missRows[i] * cols);
        if (missKeys[i] >= 0) this.cache.set(missKeys[i], row);
      }
    }
    for (const [r, first] of copies) out.copyWithin(r * cols, first * cols, (first + 1) * cols);
    return { output: this.output!, rows: x.rows, features: cols, contributions: out, base: this.base };
  }
}
