/**
 * Special functions the tests of `stats/` need: log-gamma, the regularized incomplete gamma
 * functions (chi-square tail) and a few double-double helpers used where scipy computes in
 * extended precision. Pure functions on numbers, no IO.
 */

/** Machine epsilon of float64. */
export const EPS = 2 ** -52;

// Lanczos approximation (g = 607/128, 15 terms, Godfrey's coefficients): |rel. error| < 1e-15.
const LANCZOS_G = 607 / 128;
const LANCZOS = [
  0.99999999999999709182, 57.156235665862923517, -59.597960355475491248, 14.136097974741747174,
  -0.49191381609762019978, 0.33994649984811888699e-4, 0.46523628927048575665e-4,
  -0.98374475304879564677e-4, 0.15808870322491248884e-3, -0.21026444172410488319e-3,
  0.21743961811521264320e-3, -0.16431810653676389022e-3, 0.84418223983852743293e-4,
  -0.26190838401581408670e-4, 0.36899182659531622704e-5,
];
const LOG_SQRT_2PI = 0.91893853320467274178;

/** log|Γ(x)| for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return LOG_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** log(x^a e^-x / Γ(a)), the common prefactor of the incomplete gamma functions. */
function gammaPrefactorLog(a: number, x: number): number {
  return a * Math.log(x) - x - logGamma(a);
}

/** Series for P(a, x), converges for x < a + 1. */
function lowerGammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < 10_000; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(gammaPrefactorLog(a, x));
}

/** Continued fraction (modified Lentz) for Q(a, x), converges for x >= a + 1. */
function upperGammaFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(gammaPrefactorLog(a, x)) * h;
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a) (scipy.special.gammaincc). */
export function regularizedGammaQ(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return NaN;
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - lowerGammaSeries(a, x) : upperGammaFraction(a, x);
}

/** Survival function of the chi-square distribution (scipy.stats.chi2.sf). */
export function chiSquareSurvival(statistic: number, dof: number): number {
  if (Number.isNaN(statistic) || !(dof > 0)) return NaN;
  if (statistic <= 0) return 1;
  return regularizedGammaQ(dof / 2, statistic / 2);
}

/** Round half to even, as numpy's `np.round`. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** x · 2^e without overflow/underflow of the power itself (C's ldexp). */
export function ldexp(x: number, e: number): number {
  let v = x;
  let k = e;
  while (k > 1000) { v *= 2 ** 1000; k -= 1000; }
  while (k < -1000) { v *= 2 ** -1000; k += 1000; }
  return v * 2 ** k;
}

// ---- double-double helpers (error-free transformations) -------------------------------------

/** A value hi + lo with |lo| <= ulp(hi)/2. */
export interface DoubleDouble { hi: number; lo: number }

export function twoSum(a: number, b: number): DoubleDouble {
  const s = a + b;
  const bb = s - a;
  return { hi: s, lo: (a - (s - bb)) + (b - bb) };
}

const SPLITTER = 134217729; // 2^27 + 1
function split(a: number): [number, number] {
  const t = SPLITTER * a;
  const hi = t - (t - a);
  return [hi, a - hi];
}

/** Exact product a·b as hi + lo (Dekker). */
export function twoProduct(a: number, b: number): DoubleDouble {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return { hi: p, lo: ((ah * bh - p) + ah * bl + al * bh) + al * bl };
}

/** q/n as a double-double (q, n integers below 2^53). */
export function ddDivide(q: number, n: number): DoubleDouble {
  const hi = q / n;
  const p = twoProduct(hi, n);
  const lo = ((q - p.hi) - p.lo) / n;
  return twoSum(hi, lo);
}

/** (a.hi + a.lo) + b as double-double. */
export function ddAdd(a: DoubleDouble, b: number): DoubleDouble {
  const s = twoSum(a.hi, b);
  return twoSum(s.hi, s.lo + a.lo);
}

/** log|hi + lo| to about one ulp. */
export function ddLogAbs(a: DoubleDouble): number {
  const hi = Math.abs(a.hi);
  const lo = a.hi < 0 ? -a.lo : a.lo;
  return Math.log(hi) + Math.log1p(lo / hi);
}

/**
 * Sum with numpy's pairwise algorithm (`np.sum` / `np.add.reduce` on float64): blocks of 128
 * summed with 8 accumulators, larger ranges split in two. Gives the same bits as numpy.
 */
export function pairwiseSum(values: ArrayLike<number>, start = 0, end = values.length): number {
  const n = end - start;
  if (n < 8) {
    let res = 0;
    for (let i = start; i < end; i++) res += values[i]!;
    return res;
  }
  if (n <= 128) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = values[start + j]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j]! += values[start + i + j]!;
    let res = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < n; i++) res += values[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(values, start, start + n2) + pairwiseSum(values, start + n2, end);
}
