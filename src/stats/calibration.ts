/**
 * Calibration of predicted probabilities (pure), as scikit-learn 1.9 computes it:
 *   - `brierScore` = sklearn.metrics.brier_score_loss(y_true, y_prob): mean (p − y)², y ∈ {0, 1}
 *     (1 for the positive class);
 *   - `reliabilityCurve` = sklearn.calibration.calibration_curve(y_true, y_prob, n_bins,
 *     strategy="uniform"): bins of equal width on [0, 1] (edges i/n_bins, a value on an inner
 *     edge goes to the lower bin as numpy's searchsorted does), and for each non-empty bin the
 *     observed share of positives and the mean predicted probability; we also return the rows
 *     per bin;
 *   - `expectedCalibrationError`: Σ_b (n_b / N) · |observed_b − predicted_b| over those bins
 *     (the usual ECE; NannyML uses the same with 10 uniform bins to decide whether to calibrate);
 *   - `fitIsotonic` / `applyIsotonic` = sklearn.isotonic.IsotonicRegression(increasing=True,
 *     out_of_bounds="clip"): pool-adjacent-violators on the distinct x values (duplicates
 *     averaged), prediction by linear interpolation between the fitted points, clipped outside.
 *     This is how NannyML's CBPE calibrates a model's probabilities on its reference data.
 */
import { NetsecError } from "../errors.ts";
import { pairwiseSum } from "./special.ts";

export interface ReliabilityCurve {
  /** Bins of equal width on [0, 1]. */
  bins: number;
  /** Per non-empty bin, in increasing order: observed share of positives (sklearn `prob_true`). */
  observed: number[];
  /** Mean predicted probability (sklearn `prob_pred`). */
  predicted: number[];
  /** Rows in the bin. */
  count: number[];
  /** Index of the bin (0 … bins − 1) of each point. */
  bin: number[];
}

/** An increasing step-linear map fitted by isotonic regression: x and y of its points. */
export interface IsotonicMap {
  x: number[];
  y: number[];
}

function check(yTrue: ArrayLike<number>, prob: ArrayLike<number>, what: string): void {
  if (yTrue.length === 0) throw new NetsecError("DATA_INVALID", `${what} needs at least one row`);
  if (yTrue.length !== prob.length) throw new NetsecError("DATA_INVALID", `${what}: ${prob.length} probabilities for ${yTrue.length} labels`);
  for (let i = 0; i < prob.length; i++) {
    const p = prob[i]!;
    if (!(p >= 0 && p <= 1)) throw new NetsecError("DATA_INVALID", `${what}: probability ${i} is ${p}, expected a value in [0, 1]`);
    const y = yTrue[i];
    if (y !== 0 && y !== 1) throw new NetsecError("DATA_INVALID", `${what}: label ${i} is ${y}, expected 1 (positive) or 0`);
  }
}

/** Mean squared difference between the probability of the positive class and the outcome (1 = positive). */
export function brierScore(isPositive: ArrayLike<number>, prob: ArrayLike<number>): number {
  check(isPositive, prob, "Brier score");
  const sq = new Float64Array(prob.length);
  for (let i = 0; i < sq.length; i++) sq[i] = (isPositive[i]! - prob[i]!) ** 2;
  return pairwiseSum(sq) / sq.length;
}

/** Bin of `p` among `bins` uniform bins (inner edges i/bins; a value on an edge goes to the lower bin). */
export function uniformBin(p: number, bins: number): number {
  const step = 1 / bins;
  // edges as numpy.linspace(0, 1, bins + 1) computes them: i * step; b = #inner edges < p
  let b = Math.min(bins - 1, Math.max(0, Math.ceil(p * bins) - 1));
  while (b > 0 && b * step >= p) b--;
  while (b < bins - 1 && (b + 1) * step < p) b++;
  return b;
}

export function reliabilityCurve(isPositive: ArrayLike<number>, prob: ArrayLike<number>, bins = 10): ReliabilityCurve {
  check(isPositive, prob, "reliability curve");
  if (!(Number.isInteger(bins) && bins >= 1)) throw new NetsecError("DATA_INVALID", `reliability curve: bins is ${bins}, expected an integer ≥ 1`);
  const sums = new Float64Array(bins);
  const trues = new Float64Array(bins);
  const totals = new Float64Array(bins);
  for (let i = 0; i < prob.length; i++) {
    const b = uniformBin(prob[i]!, bins);
    sums[b] += prob[i]!;
    trues[b] += isPositive[i]!;
    totals[b]++;
  }
  const curve: ReliabilityCurve = { bins, observed: [], predicted: [], count: [], bin: [] };
  for (let b = 0; b < bins; b++) {
    if (totals[b] === 0) continue;
    curve.observed.push(trues[b]! / totals[b]!);
    curve.predicted.push(sums[b]! / totals[b]!);
    curve.count.push(totals[b]!);
    curve.bin.push(b);
  }
  return curve;
}

/** Σ (rows in bin / rows) · |observed − predicted| over the curve's bins. */
export function expectedCalibrationError(curve: ReliabilityCurve): number {
  const n = curve.count.reduce((s, c) => s + c, 0);
  let ece = 0;
  for (let i = 0; i < curve.count.length; i++) ece += (curve.count[i]! / n) * Math.abs(curve.observed[i]! - curve.predicted[i]!);
  return ece;
}

/** Isotonic (increasing) regression of the outcomes on the probabilities. */
export function fitIsotonic(isPositive: ArrayLike<number>, prob: ArrayLike<number>): IsotonicMap {
  check(isPositive, prob, "isotonic calibration");
  const order = Array.from({ length: prob.length }, (_, i) => i).sort((a, b) => prob[a]! - prob[b]! || isPositive[a]! - isPositive[b]!);
  // distinct x values, mean y and weight of each
  const xs: number[] = [];
  const ys: number[] = [];
  const ws: number[] = [];
  for (const i of order) {
    const x = prob[i]!;
    if (xs.length && xs[xs.length - 1] === x) {
      ys[ys.length - 1] += isPositive[i]!;
      ws[ws.length - 1]++;
    } else {
      xs.push(x);
      ys.push(isPositive[i]!);
      ws.push(1);
    }
  }
  for (let k = 0; k < ys.length; k++) ys[k] /= ws[k]!;
  // pool adjacent violators: blocks of (mean, weight, first index)
  const mean: number[] = [];
  const weight: number[] = [];
  const start: number[] = [];
  for (let k = 0; k < ys.length; k++) {
    mean.push(ys[k]!);
    weight.push(ws[k]!);
    start.push(k);
    while (mean.length > 1 && mean[mean.length - 2]! >= mean[mean.length - 1]!) {
      const w = weight[weight.length - 2]! + weight[weight.length - 1]!;
      const m = (mean[mean.length - 2]! * weight[weight.length - 2]! + mean[mean.length - 1]! * weight[weight.length - 1]!) / w;
      mean.pop();
      weight.pop();
      start.pop();
      mean[mean.length - 1] = m;
      weight[weight.length - 1] = w;
    }
  }
  const fitted = new Array<number>(xs.length);
  for (let b = 0; b < mean.length; b++) {
    const end = b + 1 < start.length ? start[b + 1]! : xs.length;
    for (let k = start[b]!; k < end; k++) fitted[k] = mean[b]!;
  }
  // keep the points where the fitted value changes (the ends of each flat block): same interpolation
  const keepX: number[] = [];
  const keepY: number[] = [];
  for (let k = 0; k < xs.length; k++) {
    const flatBefore = k > 0 && fitted[k - 1] === fitted[k];
    const flatAfter = k + 1 < xs.length && fitted[k + 1] === fitted[k];
    if (flatBefore && flatAfter) continue;
    keepX.push(xs[k]!);
    keepY.push(fitted[k]!);
  }
  return { x: keepX, y: keepY };
}

/** The calibrated probability of `p`: linear interpolation between the map's points, clipped at its ends. */
export function applyIsotonic(map: IsotonicMap, p: number): number {
  const { x, y } = map;
  if (x.length === 0) return p;
  if (p <= x[0]!) return y[0]!;
  const last = x.length - 1;
  if (p >= x[last]!) return y[last]!;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= p) lo = mid;
    else hi = mid;
  }
  const span = x[hi]! - x[lo]!;
  return span === 0 ? y[hi]! : y[lo]! + ((p - x[lo]!) / span) * (y[hi]! - y[lo]!);
}
