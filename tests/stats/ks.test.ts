import { describe, expect, test } from "vitest";
import { ksTwoSample, ksTwoSampleCounts } from "../../src/stats/ks.ts";
import { kolmogorovTwoSidedSurvival, smirnovSurvival } from "../../src/stats/kolmogorov.ts";

/** |actual - expected| <= tol · |expected| (and exact equality for 0). */
function expectRel(actual: number, expected: number, tol = 1e-10): void {
  if (expected === 0) expect(actual).toBe(0);
  else expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(tol);
}

/** Deterministic pseudo-uniform sample, reproduced in Python as ((i*mul) % mod)/mod + off. */
function seq(n: number, mul: number, mod: number, off = 0): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i * mul) % mod) / mod + off;
  return out;
}

// Expected numbers: scipy 1.17.1, `scipy.stats.ks_2samp(a, b)` (defaults: two-sided, method="auto"),
// printed as repr(float(r.statistic)), repr(float(r.pvalue)).
describe("ksTwoSample = scipy.stats.ks_2samp", () => {
  const cases: Array<[string, number[], number[], number, number, "exact" | "asymp"]> = [
    ["small exact, unequal sizes", [0.61, 1.2, 2.4, 3.1, 3.3, 4.0, 5.5], [2.5, 6.0, 7.1, 8.0, 1.0, 9.9, 4.4, 6.6, 7.7, 3.2, 12.0], 0.6363636363636364, 0.03569632981397688, "exact"],
    ["equal sizes (square path)", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5], 0.4, 0.41752365281777043, "exact"],
    ["ties in -1/0/1 values", [-1, -1, 0, 1, 1, 1, 0, -1, 1, 1, 0, 1], [-1, 0, 0, 0, -1, 1, -1, -1, 0], 0.3888888888888889, 0.34458204334365333, "exact"],
    ["identical samples", [3, 1, 2, 2, 5], [3, 1, 2, 2, 5], 0, 1, "exact"],
    ["p close to 1", [0.1, 0.4, 0.7, 1.0, 1.3, 1.6], [0.2, 0.5, 0.8, 1.1, 1.4, 1.7], 0.16666666666666666, 0.9999999999999998, "exact"],
    ["tiny p (disjoint samples)", Array.from({ length: 40 }, (_, i) => i), Array.from({ length: 30 }, (_, i) => 100 + i), 1, 3.6135170070159586e-20, "exact"],
  ];
  for (const [name, a, b, statistic, pValue, method] of cases) {
    test(name, () => {
      const r = ksTwoSample(a, b);
      expectRel(r.statistic, statistic, 1e-15);
      expectRel(r.pValue, pValue);
      expect(r.method).toBe(method);
      // symmetric in its arguments
      expectRel(ksTwoSample(b, a).pValue, pValue);
    });
  }

  // a = seq(n1, 7919, 10007), b = seq(n2, 104729, 9973, off) built the same way in Python.
  const big: Array<[string, number, number, number, number, number, "exact" | "asymp"]> = [
    ["exact, 7244 x 1811 (train/test sizes)", 7244, 1811, 0.02, 0.020016565433462176, 0.6028698849962125, "exact"],
    ["asymptotic, 20000 x 15000, Pelz-Good branch", 20000, 15000, 0.004, 0.0041, 0.9986396416837126, "asymp"],
    ["asymptotic, 20000 x 15000, Durbin matrix branch", 20000, 15000, 0.001, 0.002650000000000041, 0.9999999829591547, "asymp"],
    ["asymptotic, 20000 x 60, Pomeranz branch", 20000, 60, 0.2, 0.2273, 0.0033127973551971834, "asymp"],
    ["asymptotic, 20000 x 60, small n smirnov branch", 20000, 60, 0.05, 0.37729999999999997, 3.4960772110920246e-08, "asymp"],
    ["asymptotic, 30000 x 12000, smirnov branch", 30000, 12000, 0.03, 0.0301, 3.5170466959924527e-07, "asymp"],
  ];
  for (const [name, n1, n2, off, statistic, pValue, method] of big) {
    test(name, () => {
      const r = ksTwoSample(seq(n1, 7919, 10007), seq(n2, 104729, 9973, off));
      expectRel(r.statistic, statistic, 1e-15);
      expectRel(r.pValue, pValue);
      expect(r.method).toBe(method);
    });
  }

  test("NaN values are ignored (scipy nan_policy='omit')", () => {
    // ks_2samp([1, nan, 2, 3], [2.5, 3.5, nan, 4.5], nan_policy='omit') -> 0.6666666666666666, 0.6
    const r = ksTwoSample([1, NaN, 2, 3], [2.5, 3.5, NaN, 4.5]);
    expectRel(r.statistic, 0.6666666666666666, 1e-15);
    expectRel(r.pValue, 0.6);
  });

  test("an empty sample is refused with a clear message", () => {
    expect(() => ksTwoSample([], [1, 2])).toThrow(/non-empty samples \(got 0 and 2/);
    expect(() => ksTwoSample([1, 2], [NaN])).toThrow(/after dropping missing ones/);
  });

  test("1M-row columns take the asymptotic path", () => {
    const a = seq(1_000_000, 7919, 10007);
    const b = seq(250_000, 104729, 9973);
    const r = ksTwoSample(a, b);
    expect(r.method).toBe("asymp");
    expect(r.statistic).toBeGreaterThan(0);
    expect(r.pValue).toBeGreaterThanOrEqual(0);
    expect(r.pValue).toBeLessThanOrEqual(1);
  });
});

describe("one-sample distributions used by the asymptotic path", () => {
  // scipy.stats.kstwo.sf(x, n): one case per branch of scipy's _kolmogn.
  const kstwo: Array<[number, number, number]> = [
    [37, 0.1, 0.8176553142175396], // Durbin matrix, n <= 140
    [37, 0.2, 0.08979521784208933], // Pomeranz
    [500, 0.03, 0.7473166700457021], // Pelz-Good
    [3000, 0.005, 0.9999990772892733], // Durbin matrix, n > 140
    [3000, 0.05, 5.874684341454393e-07], // 2 * smirnov
    [200, 0.6, 2.2284451128877564e-69], // x >= 0.5
    [10, 0.07, 0.9999999619492741], // Ruben-Gambino, n*x <= 1
    [10, 0.95, 1.9531250000000172e-13], // n*x >= n - 1
    [2000000, 0.002, 2.247704493692889e-07], // smirnov's n > 1e6 approximation
  ];
  test.each(kstwo)("kstwo.sf(%d, %d)", (n, x, expected) => expectRel(kolmogorovTwoSidedSurvival(n, x), expected));

  // scipy.special.smirnov(n, x)
  const smirnov: Array<[number, number, number]> = [
    [1, 0.3, 0.7],
    [5, 0.1, 0.85359],
    [20, 0.03, 0.947394818407687],
    [100, 0.02, 0.9109784815556481],
    [1000, 0.05, 0.006506037390545166],
    [50000, 0.004, 0.20135912950638482],
    [2000000, 0.001, 0.018303432023617325],
  ];
  test.each(smirnov)("smirnov(%d, %d)", (n, x, expected) => expectRel(smirnovSurvival(n, x), expected));
});

// Expected numbers: scipy 1.17.1, ks_2samp(np.repeat(np.arange(k), a), np.repeat(np.arange(k), b),
// method="asymp"), printed as repr(float(...)).
describe("ksTwoSampleCounts = ks_2samp(expanded samples, method='asymp')", () => {
  const cases: Array<[number[], number[], number, number]> = [
    [[30, 50, 20], [25, 55, 20], 0.04999999999999999, 0.9990238098461883],
    [[3000, 1000, 3000], [800, 400, 800], 0.02857142857142858, 0.1546067454357476],
    [[700, 0, 300], [200, 100, 700], 0.49999999999999994, 4.113279958181916e-116],
    [[5, 6, 0, 9], [5, 5, 1, 9], 0.050000000000000044, 1.0],
  ];
  for (const [a, b, statistic, pValue] of cases) {
    test(`${a} vs ${b}`, () => {
      const r = ksTwoSampleCounts(a, b);
      expect(r.statistic).toBeCloseTo(statistic, 14);
      expect(Math.abs(r.pValue - pValue) / pValue).toBeLessThan(1e-9);
      expect(r.method).toBe("asymp");
    });
  }
  test("refuses buckets that do not match", () => {
    expect(() => ksTwoSampleCounts([1, 2], [1])).toThrow("ks_2samp on counts needs the same buckets on both sides (got 2 and 1)");
  });
});
