/**
 * Scoring a batch with each distinct row predicted once. The contract's features are small
 * integers ({-1, 0, 1}), so real batches repeat rows a lot (the UCI data is ~47% exact
 * duplicates); a row of such values packs exactly into one number (3^30 < 2^53), the model sees
 * each distinct row once and the answers are copied back. Rows holding anything else (a missing
 * value, a wider schema) are scored as they are. The result is identical to scoring every row.
 */
import { createFrame, type Frame } from "../data/frame.ts";
import type { ServingModel } from "./model-store.ts";
import { ternaryRowKey } from "../models/scoring/row-key.ts";

export interface Scores {
  prediction: Int8Array | Float64Array;
  probability: Float64Array;
  /** Row → index of its distinct row (the rows the model actually scored). */
  group: Uint32Array;
  distinct: number;
}

export function scoreRows(model: ServingModel, features: Frame): Scores {
  const { rows } = features;
  const width = features.columns.length;
  const values = features.values;
  const group = new Uint32Array(rows);
  const seen = new Map<number, number>();
  const firstRow: number[] = [];
  for (let r = 0; r < rows; r++) {
    const key = ternaryRowKey(values, r * width, width);
    const known = key >= 0 ? seen.get(key) : undefined;
    if (known !== undefined) group[r] = known;
    else {
      group[r] = firstRow.length;
      if (key >= 0) seen.set(key, firstRow.length);
      firstRow.push(r);
    }
  }
  const distinct = firstRow.length;
  let input = features;
  if (distinct < rows) {
    const packed = new Float64Array(distinct * width);
    for (let i = 0; i < distinct; i++) packed.set(values.subarray(firstRow[i] * width, firstRow[i] * width + width), i * width);
    input = createFrame(features.columns, distinct, packed);
  }
  const scored = model.predictFrame(input);
  const prediction = new Float64Array(distinct);
  const probability = new Float64Array(distinct);
  for (let i = 0; i < distinct; i++) {
    prediction[i] = scored.prediction[i];
    probability[i] = scored.probability[i];
  }
  return { prediction, probability, group, distinct };
}

/** Per-row arrays (for formats that need one value per row). */
export function expand(scores: Scores): { prediction: Float64Array; probability: Float64Array } {
  const n = scores.group.length;
  const prediction = new Float64Array(n);
  const probability = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    prediction[r] = scores.prediction[scores.group[r]];
    probability[r] = scores.probability[scores.group[r]];
  }
  return { prediction, probability };
}
