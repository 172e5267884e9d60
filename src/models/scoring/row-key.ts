/**
 * A row of small-integer features as one exact number, for finding repeated rows: the contract's
 * features take the values -1, 0 and 1, so a row of up to 33 of them packs into
 * Σ (v + 1)·3^i < 3^33 < 2^53 without loss. Used by the model's row cache and by the service's
 * per-request grouping of identical rows.
 */
export const MAX_KEY_WIDTH = 33;

/** The key of the row at `values[base .. base + width)`, or -1 when a value is not -1, 0 or 1 (or the row is too wide). */
export function ternaryRowKey(values: ArrayLike<number>, base: number, width: number): number {
  if (width > MAX_KEY_WIDTH) return -1;
  let key = 0;
  for (let c = 0; c < width; c++) {
    const v = values[base + c];
    if (v !== -1 && v !== 0 && v !== 1) return -1;
    key = key * 3 + v + 1;
  }
  return key;
}
