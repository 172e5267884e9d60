/**
 * Two-sample Kolmogorov–Smirnov test, two-sided: the same statistic and p-value as
 * `scipy.stats.ks_2samp(a, b)` (alternative="two-sided", method="auto").
 *
 * - Statistic: max |F_a(x) - F_b(x)| over the pooled values (ties handled like scipy's
 *   searchsorted(side="right")). Sorting typed arrays: O((n1 + n2) log(n1 + n2)).
 * - p-value, as scipy's "auto": exact when max(n1, n2) <= 10000 (Hodges' lattice-path count:
 *   `_compute_prob_outside_square` for n1 == n2, the "inside" recursion of Viehmann otherwise;
 *   the statistic is then snapped to h / lcm(n1, n2) as scipy does), falling back to the
 *   asymptotic path when the exact count is out of [0, 1]; otherwise the asymptotic
 *   kstwo.sf(d, round(n1·n2 / (n1 + n2))).
 * NaN values are ignored (they are missing values, not observations).
 */
import { NetsecError } from "../errors.ts";
import { kolmogorovTwoSidedSurvival } from "./kolmogorov.ts";
import { roundHalfEven } from "./special.ts";

export interface KsResult {
  statistic: number;
  pValue: number;
  method: "exact" | "asymp";
}

/** scipy's MAX_AUTO_N: exact p-values are attempted up to this sample size. */
export const KS_MAX_EXACT_N = 10_000;

export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const x = sortedFinite(a);
  const y = sortedFinite(b);
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) {
    throw new NetsecError("DATA_INVALID", `ks_2samp needs two non-empty samples (got ${n1} and ${n2} values after dropping missing ones)`);
  }
  let d = ksStatistic(x, y);
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    if (h === 0) return { statistic: d, pValue: 1, method: "exact" };
    const prob = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideInside(n1, n2, g, h);
    if (prob >= 0 && prob <= 1) return { statistic: d, pValue: prob, method: "exact" };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  const p = kolmogorovTwoSidedSurvival(roundHalfEven(en), d);
  return { statistic: d, pValue: Math.min(1, Math.max(0, p)), method: "asymp" };
}

function sortedFinite(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) out[k++] = v;
  }
  return out.subarray(0, k).sort();
}

/** sup |F_x - F_y| of two sorted samples, evaluated at every pooled value. */
export function ksStatistic(x: Float64Array, y: Float64Array): number {
  const n1 = x.length;
  const n2 = y.length;
  let i = 0;
  let j = 0;
  let max = -Infinity;
  let min = Infinity;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && x[i]! <= y[j]!) ? x[i]! : y[j]!;
    while (i < n1 && x[i]! <= v) i++;
    while (j < n2 && y[j]! <= v) j++;
    const diff = i / n1 - j / n2;
    if (diff > max) max = diff;
    if (diff < min) min = diff;
  }
  const minS = Math.min(1, Math.max(0, -min));
  return minS > max ? minS : max;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** P(D_{n,n} >= h/n): Horner-like alternating sum (scipy `_compute_prob_outside_square`). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * 1 − (share of lattice paths from (0,0) to (m,n) staying strictly inside |x/m − y/n| < h/lcm),
 * computed directly as in scipy `_compute_outer_prob_inside_method` (Hodges; Viehmann 2021).
 * O(m · window) time, O(n) memory.
 */
function probOutsideInside(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 >= n0 ? [m0, n0] : [n0, m0];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  for (let j = minj; j < maxj; j++) A[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1]!;
}

/**
 * The same test on two samples given as counts over the same ordered buckets (a window of served
 * rows keeps only counts): statistic max |F_a − F_b| over the buckets, p-value the asymptotic one,
 * kstwo.sf(d, round(n1·n2 / (n1 + n2))) = `scipy.stats.ks_2samp(a, b, method="asymp")` on the
 * expanded samples. Cost O(buckets), whatever the counts: cheap enough for a request handler
 * (the exact p-value of `ksTwoSample` takes seconds for samples of 10 000).
 */
export function ksTwoSampleCounts(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  if (a.length !== b.length) throw new NetsecError("DATA_INVALID", `ks_2samp on counts needs the same buckets on both sides (got ${a.length} and ${b.length})`);
  let n1 = 0, n2 = 0;
  for (let k = 0; k < a.length; k++) [n1, n2] = [n1 + a[k]!, n2 + b[k]!];
  if (n1 === 0 || n2 === 0) throw new NetsecError("DATA_INVALID", `ks_2samp needs two non-empty samples (got ${n1} and ${n2} values)`);
  let ca = 0, cb = 0, d = 0;
  for (let k = 0; k < a.length; k++) {
    ca += a[k]!;
    cb += b[k]!;
    d = Math.max(d, Math.abs(ca / n1 - cb / n2));
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const p = kolmogorovTwoSidedSurvival(roundHalfEven((m * n) / (m + n)), d);
  return { statistic: d, pValue: Math.min(1, Math.max(0, p)), method: "asymp" };
}
