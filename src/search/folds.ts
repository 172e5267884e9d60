/**
 * Stratified k-fold assignment (seeded): each class's rows are shuffled and dealt to the folds in
 * turn, so every fold holds the class shares of the whole set (±1 row), as scikit-learn's
 * StratifiedKFold(shuffle=True) does.
 */
import { NetsecError } from "../errors.ts";
import { mulberry32, shuffle } from "../stats/rng.ts";

/** Fold number (0..k-1) of every row. */
export function stratifiedFolds(y: Uint8Array, k: number, seed: number): Int32Array {
  const fold = new Int32Array(y.length);
  const rng = mulberry32(seed);
  let offset = 0;
  for (const cls of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === cls) rows.push(i);
    if (rows.length > 0 && rows.length < k) {
      throw new NetsecError("TRAIN_FAILED", `cannot make ${k} stratified folds: class ${cls} has only ${rows.length} training row(s); lower search.folds or add data`);
    }
    const order = shuffle(Int32Array.from(rows), rng);
    // Continue dealing where the previous class stopped, so fold sizes differ by at most one.
    for (let i = 0; i < order.length; i++) fold[order[i]] = (offset + i) % k;
    offset = (offset + order.length) % k;
  }
  return fold;
}

/** Row indices of the training and validation part of fold `f`. */
export function foldIndices(fold: Int32Array, f: number): { train: Int32Array; valid: Int32Array } {
  let nValid = 0;
  for (let i = 0; i < fold.length; i++) if (fold[i] === f) nValid++;
  const train = new Int32Array(fold.length - nValid);
  const valid = new Int32Array(nValid);
  let a = 0;
  let b = 0;
  for (let i = 0; i < fold.length; i++) {
    if (fold[i] === f) valid[b++] = i;
    else train[a++] = i;
  }
  return { train, valid };
}
