/**
 * The one place where repeated rows are scored once: a bounded cache of P(class 1) by row, and
 * the grouping of a batch into its distinct rows. The phishing features are 30 values in
 * {-1, 0, 1} (the UCI data repeats rows a lot: docs/pipeline.md), so a row packs exactly into one
 * number (`ternaryRowKey`); rows holding anything else are scored as they are, each on its own.
 * `predictGrouped` answers per distinct row plus each row's group, so callers that format answers
 * (the HTTP service) can also do that once per distinct row. The answer is the model's own, so
 * results are identical with and without the cache. When the cache holds `limit` rows it is
 * cleared, so memory stays bounded whatever the input size.
 */
import type { Matrix } from "../classifier.ts";
import { ternaryRowKey } from "./row-key.ts";

/** A batch scored once per distinct row. */
export interface GroupedProba {
  /** P(class 1) of each distinct row, in order of first appearance. */
  p1: Float64Array;
  /** Row → index of its distinct row in `p1`. */
  group: Uint32Array;
  distinct: number;
}

export class RowMemo {
  private readonly cache = new Map<number, number>();

  constructor(private readonly score: (x: Matrix) => Float64Array, private readonly limit = 1 << 20) {}

  get size(): number {
    return this.cache.size;
  }

  /** P(class 1) for every row. */
  predict(x: Matrix): Float64Array {
    const { p1, group } = this.predictGrouped(x);
    const out = new Float64Array(x.rows);
    for (let r = 0; r < x.rows; r++) out[r] = p1[group[r]];
    return out;
  }

  /** P(class 1) once per distinct row; rows the cache cannot answer go to the model once each. */
  predictGrouped(x: Matrix): GroupedProba {
    const group = new Uint32Array(x.rows);
    const known: number[] = []; // p1 of each distinct row (NaN until scored)
    const byKey = new Map<number, number>(); // key → distinct index, this batch
    const missRows: number[] = []; // first row of each distinct row the cache lacks
    const missIndex: number[] = [];
    const missKeys: number[] = [];
    for (let r = 0; r < x.rows; r++) {
      const key = ternaryRowKey(x.values, r * x.cols, x.cols);
      if (key >= 0) {
        const seen = byKey.get(key);
        if (seen !== undefined) {
          group[r] = seen;
          continue;
        }
        byKey.set(key, known.length);
        const hit = this.cache.get(key);
        if (hit !== undefined) {
          group[r] = known.length;
          known.push(hit);
          continue;
        }
      }
      group[r] = known.length;
      missRows.push(r);
      missIndex.push(known.length);
      missKeys.push(key);
      known.push(NaN);
    }
    const p1 = Float64Array.from(known);
    if (missRows.length > 0) {
      const sub = new Float64Array(missRows.length * x.cols);
      missRows.forEach((r, i) => sub.set(x.values.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols));
      const scored = this.score({ values: sub, rows: missRows.length, cols: x.cols });
      if (this.cache.size + missRows.length > this.limit) this.cache.clear();
      for (let i = 0; i < missRows.length; i++) {
        p1[missIndex[i]] = scored[i];
        if (missKeys[i] >= 0) this.cache.set(missKeys[i], scored[i]);
      }
    }
    return { p1, group, distinct: p1.length };
  }
}
