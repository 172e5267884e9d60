/**
 * Fold assignments for cross-validation, seeded. `stratifiedFolds`: each class's rows are shuffled
 * and dealt to the folds in turn, so every fold holds the class shares of the whole set (±1 row),
 * as scikit-learn's StratifiedKFold(shuffle=True) does. `stratifiedGroupFolds`: the same for
 * groups of identical feature vectors, which never straddle two folds (the default: copies of a
 * row in the training and the validation part would make the CV score optimistic).
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

/** numpy's `isclose` with its defaults (rtol 1e-5, atol 1e-8), as scikit-learn's tie test uses. */
const isClose = (a: number, b: number) => Math.abs(a - b) <= 1e-8 + 1e-5 * Math.abs(b);

/**
 * The fold of each group, scikit-learn's StratifiedGroupKFold rule on a given group order: groups
 * are taken by decreasing spread of their class counts (stable sort, so `order` breaks ties),
 * and each goes to the fold that keeps the per-class shares of the folds most even (mean over
 * classes of the standard deviation across folds of fold count / class total); among equally
 * even folds (numpy isclose), the one with the fewest rows so far, then the lowest index.
 * `counts[g * 2 + c]`: rows of class c in group g.
 */
export function assignGroupFolds(counts: Float64Array, order: ArrayLike<number>, k: number): Int32Array {
  const groups = counts.length / 2;
  const total = [0, 0];
  for (let g = 0; g < groups; g++) {
    total[0] += counts[2 * g];
    total[1] += counts[2 * g + 1];
  }
  const classes = [0, 1].filter((c) => total[c] > 0);
  // np.std over the classes present: |a − b| / 2 for two, 0 for one
  const spread = (g: number) => (classes.length === 2 ? Math.abs(counts[2 * g] - counts[2 * g + 1]) / 2 : 0);
  const sorted = Array.from(order).map((g, i) => ({ g, i })).sort((a, b) => spread(b.g) - spread(a.g) || a.i - b.i).map((e) => e.g);
  const perFold = new Float64Array(k * 2);
  const fold = new Int32Array(groups).fill(-1);
  for (const g of sorted) {
    let best = -1;
    let bestEval = Infinity;
    let bestRows = Infinity;
    for (let f = 0; f < k; f++) {
      let evalSum = 0;
      for (const c of classes) {
        let mean = 0;
        for (let j = 0; j < k; j++) mean += (perFold[2 * j + c] + (j === f ? counts[2 * g + c] : 0)) / total[c];
        mean /= k;
        let variance = 0;
        for (let j = 0; j < k; j++) variance += ((perFold[2 * j + c] + (j === f ? counts[2 * g + c] : 0)) / total[c] - mean) ** 2;
        evalSum += Math.sqrt(variance / k);
      }
      const foldEval = evalSum / classes.length;
      const rows = perFold[2 * f] + perFold[2 * f + 1];
      if (foldEval < bestEval || (isClose(foldEval, bestEval) && rows < bestRows)) {
        best = f;
        bestEval = foldEval;
        bestRows = rows;
      }
    }
    fold[g] = best;
    perFold[2 * best] += counts[2 * g];
    perFold[2 * best + 1] += counts[2 * g + 1];
  }
  return fold;
}

/**
 * Stratified group k-fold (seeded): rows with the same group id (`group[i]`, ids 0…G-1: identical
 * feature vectors) always share a fold, and the folds keep the class shares of the whole set as
 * well as the groups allow. The groups are shuffled with the seed, then assigned by
 * `assignGroupFolds` (scikit-learn's StratifiedGroupKFold(shuffle=True) algorithm; its draws
 * come from numpy, ours from mulberry32, so the folds themselves differ).
 */
export function stratifiedGroupFolds(y: Uint8Array, group: Int32Array, k: number, seed: number): Int32Array {
  let groups = 0;
  for (let i = 0; i < group.length; i++) groups = Math.max(groups, group[i] + 1);
  if (groups < k) throw new NetsecError("TRAIN_FAILED", `cannot make ${k} folds of distinct feature vectors: the training rows hold only ${groups}; lower search.folds or add data`);
  const classRows = [0, 0];
  for (let i = 0; i < y.length; i++) classRows[y[i]]++;
  for (const cls of [0, 1]) {
    if (classRows[cls] > 0 && classRows[cls] < k) {
      throw new NetsecError("TRAIN_FAILED", `cannot make ${k} stratified folds: class ${cls} has only ${classRows[cls]} training row(s); lower search.folds or add data`);
    }
  }
  const counts = new Float64Array(groups * 2);
  for (let i = 0; i < y.length; i++) counts[group[i] * 2 + y[i]]++;
  const order = shuffle(Int32Array.from({ length: groups }, (_, g) => g), mulberry32(seed));
  const groupFold = assignGroupFolds(counts, order, k);
  return Int32Array.from(group, (g) => groupFold[g]);
}
