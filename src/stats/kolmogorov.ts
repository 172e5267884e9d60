/**
 * Distributions of the one-sample Kolmogorov–Smirnov statistics, as scipy computes them:
 * - `smirnovSurvival(n, x)` = scipy.special.smirnov (one-sided D+_n, Birnbaum–Tingey sum);
 * - `kolmogorovTwoSidedSurvival(n, x)` = scipy.stats.kstwo.sf (two-sided D_n; Simard & L'Ecuyer's
 *   choice between Ruben–Gambino, Durbin matrix (MTW), Pomeranz, Pelz–Good and 2·smirnov).
 * `ks_2samp` uses kstwo.sf(d, round(n1·n2/(n1+n2))) on its asymptotic path. Same branch points
 * and formulas as scipy; arithmetic in float64 (scipy uses double-double in parts of smirnov:
 * results agree to ~1e-11 relative for n up to 10^6).
 */
import { EPS, ddAdd, ddDivide, ddLogAbs, ldexp, twoProduct, twoSum } from "./special.ts";

const E128 = 128;
const EP128 = 2 ** 128;
const EM128 = 2 ** -128;
const MIN_LOG = -708.3964185322641; // log(DBL_MIN), cephes MINLOG
const SMIRNOV_MAX_COMPUTE_N = 1_000_000;
const SM_UPPER_MAX_TERMS = 3;
const SM_UPPERSUM_MIN_N = 10;

/** P(D+_n > x): one-sided Smirnov survival function. */
export function smirnovSurvival(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  // floor(n·x) and its remainder, exactly.
  const nxd = twoProduct(n, x);
  let nxfl = Math.floor(nxd.hi);
  let alpha = (nxd.hi - nxfl) + nxd.lo;
  if (alpha < 0) { nxfl -= 1; alpha += 1; }
  if (alpha >= 1) { nxfl += 1; alpha = 0; }
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  let n1mxceil = n - nxfl;
  if (alpha === 0) { n1mxfl -= 1; n1mxceil += 1; }

  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    const t = Math.exp((n - 1) * Math.log1p(x));
    return clip01(1 - x * t);
  }
  if (-2 * n * x * x < MIN_LOG) return 0;
  if (nxfl >= n - 1) return clip01(Math.exp(n * Math.log1p(-x)));
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logp = -((6 * n * x + 1) ** 2) / 18 / n;
    return clip01(logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp));
  }
  const nUpperTerms = n - n1mxceil + 1;
  const useUpper = (nUpperTerms <= 1 && x < 0.5) ||
    (n >= SM_UPPERSUM_MIN_N && nUpperTerms <= SM_UPPER_MAX_TERMS && x <= 0.5 / Math.sqrt(n));
  const start = useUpper ? n : 0;
  const step = useUpper ? -1 : 1;
  const nTerms = useUpper ? n - n1mxceil + 1 : n1mxfl + 1;
  const vmid = Math.floor(n / 2);
  // First term: v = n (upper: (1+x)^(n-1)) or v = 0 (lower: (1-x)^n / x).
  let sum = useUpper ? Math.exp((n - 1) * Math.log1p(x)) : Math.exp(n * Math.log1p(-x)) / x;
  let comp = 0; // Kahan compensation
  // log C(n, j), accumulated as a double-double: a plain running sum loses ~ulp(logC) per step.
  let logC = Math.log(n); // C(n, 1)
  let logCLo = 0;
  for (let j = 1; j < nTerms; j++) {
    const v = start + j * step;
    // A_v = C(n, v) (1 - x - v/n)^(n-v) (x + v/n)^(v-1)
    const t2x = ddAdd(ddDivide(n - v, n), -x);
    const t1x = ddAdd(ddDivide(v, n), x);
    const negative = t2x.hi < 0 && (n - v) % 2 === 1;
    const logA = logC + ((n - v) * ddLogAbs(t2x) + (v - 1) * ddLogAbs(t1x) + logCLo);
    const a = (negative ? -1 : 1) * Math.exp(logA);
    if (Number.isFinite(a) && a !== 0) {
      const y = a - comp;
      const t = sum + y;
      comp = (t - sum) - y;
      sum = t;
    }
    if (a !== 0) {
      if (4 * (nTerms - j) * Math.abs(a) < EPS * sum && j !== nTerms - 1) break;
    } else if (j > vmid) {
      break;
    }
    const r = ddDivide(n - j, j + 1);
    const acc = twoSum(logC, ddLogAbs(r));
    logC = acc.hi;
    logCLo += acc.lo;
  }
  const prob = x * sum;
  return clip01(step < 0 ? 1 - prob : prob);
}

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

const STIRLING = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3,
  8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
  -2.7777777777777777778e-3, 8.3333333333333333333e-2,
];

function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  let poly = 0;
  for (const c of STIRLING) poly = poly * (rn / n) + c;
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * poly;
}

/** Durbin matrix algorithm (Marsaglia–Tsang–Wang): P(D_n <= d). */
function durbinMatrixCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  let H: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1]!;
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;

  let P: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) P[i * m + i] = 1;
  let nn = n;
  let expnt = 0;
  let hExpnt = 0;
  while (nn > 0) {
    if (nn % 2) {
      P = matMul(P, H, m);
      expnt += hExpnt;
    }
    H = matMul(H, H, m);
    hExpnt *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)]!) > EP128) {
      for (let i = 0; i < H.length; i++) H[i]! /= EP128;
      hExpnt += E128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = P[(k - 1) * m + (k - 1)]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= EP128;
      expnt -= E128;
    }
  }
  return clip01(expnt !== 0 ? ldexp(p, expnt) : p);
}

function matMul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const oi = i * m;
    for (let k = 0; k < m; k++) {
      const aik = a[oi + k]!;
      if (aik === 0) continue;
      const bk = k * m;
      for (let j = 0; j < m; j++) out[oi + j]! += aik * b[bk + j]!;
    }
  }
  return out;
}

function pomeranzBounds(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const half = Math.floor((i + 1) / 2);
    if ((i + 1) % 2 === 0) {
      if (half === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = half - 1 - ll - roundf - 1;
        j2 = half + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** Pomeranz recursion: P(D_n <= x). */
function pomeranzCdf(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = twogpower[0] = onem2gpower[0] = 1;
  let expnt = 0;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = (gpower[m - 1]! * (g / n)) / m;
    twogpower[m] = (twogpower[m - 1]! * ((2 * g) / n)) / m;
    onem2gpower[m] = (onem2gpower[m - 1]! * ((1 - 2 * g) / n)) / m;
  }
  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let [j1, j2] = pomeranzBounds(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0);
    [j1, j2] = pomeranzBounds(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      const s = k1 - V0s;
      const aLen = Math.max(0, Math.min(s + ln2, npwrs) - s);
      const bLen = Math.min(ln2, npwrs);
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      for (let o = 0; o < convLen; o++) {
        const kk = convStart + o; // conv[kk] = sum_i a[i] * pwrs[kk - i]
        let acc = 0;
        const lo = Math.max(0, kk - bLen + 1);
        const hi = Math.min(aLen - 1, kk);
        for (let q = lo; q <= hi; q++) acc += V0[s + q]! * pwrs[kk - q]!;
        V1[o] = acc;
      }
      let max = -Infinity;
      for (let q = 0; q < npwrs; q++) if (V1[q]! > max) max = V1[q]!;
      if (max > 0 && max < EM128) {
        for (let q = 0; q < npwrs; q++) V1[q]! *= EP128;
        expnt -= E128;
      }
      V1s = V0s + j1 - k1;
    }
  }
  let ans = V1[n - V1s]!;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > EP128) {
      ans *= EM128;
      expnt += E128;
    }
    ans *= m;
  }
  return clip01(expnt !== 0 ? ldexp(ans, expnt) : ans);
}

/** Pelz–Good asymptotic approximation: P(D_n <= x). */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const PI2 = Math.PI ** 2;
  const PI4 = Math.PI ** 4;
  const PI6 = Math.PI ** 6;
  const SQRT2PI = Math.sqrt(2 * Math.PI);
  const z = Math.sqrt(n) * x;
  const z2 = z ** 2, z3 = z ** 3, z4 = z ** 4, z6 = z ** 6;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2, k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4, k2b = ((2 * z4 - 5 * z2) * PI2) / 4, k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m ** 2, m4 = m ** 4, m6 = m ** 6;
    const qp = q ** (8 * k);
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = K[i]! * qp + coeffs[i]!;
  }
  const div = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (((K[i]! * q) * SQRT2PI) / div[i]!);
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qp = q ** k2;
    k2extra += k2 * qp;
    const kpi = Math.PI * k;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qp;
  }
  K[2] = K[2]! + k2extra * ((PI2 * SQRT2PI) / (-36 * z3));
  K[3] = K[3]! + k3extra * ((PI2 * SQRT2PI) / (216 * z6));
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i]! / n ** (i / 2);
  return sum;
}

/** P(D_n > x) for the two-sided one-sample statistic (scipy.stats.kstwo.sf(x, n)). */
export function kolmogorovTwoSidedSurvival(n: number, x: number): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(x)) return NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - prob);
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n);
  if (x >= 0.5) return clip01(2 * smirnovSurvival(n, x));
  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 0.754693) return clip01(1 - durbinMatrixCdf(n, x));
    if (nx2 <= 4) return clip01(1 - pomeranzCdf(n, x));
    return clip01(2 * smirnovSurvival(n, x));
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return clip01(2 * smirnovSurvival(n, x));
  const cdf = n <= 100_000 && n * x ** 1.5 <= 1.4 ? durbinMatrixCdf(n, x) : pelzGoodCdf(n, x);
  return clip01(1 - cdf);
}
