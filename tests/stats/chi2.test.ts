import { describe, expect, test } from "vitest";
import { chiSquarePValue, chiSquareTwoSample, contingencyTable } from "../../src/stats/chi2.ts";

function expectRel(actual: number, expected: number, tol = 1e-10): void {
  if (expected === 0) expect(actual).toBe(0);
  else expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(tol);
}

// Expected numbers: scipy 1.17.1, `scipy.stats.chi2_contingency(table, correction=False)` on the
// 2×k table of value counts of a and b (np.unique categories), printed as repr(float(...)).
describe("chiSquareTwoSample = chi2_contingency(table, correction=False)", () => {
  const nan = NaN;
  const cases: Array<[string, number[], number[], number[][], number, number, number]> = [
    ["three categories", [-1, -1, 0, 1, 1, 1, 0, -1, 1, 1, 0, 1], [-1, 0, 0, 0, -1, 1, -1, -1, 0], [[3, 3, 6], [4, 4, 1]], 3.5, 0.1737739434504451, 2],
    ["two categories (dof 1, no Yates correction)", [1, 1, 1, 1, -1, -1, 1, 1], [-1, -1, -1, 1, -1, -1], [[2, 6], [5, 1]], 4.666666666666666, 0.03075356125927456, 1],
    ["category present in one sample only", [0, 0, 1, 1, 2], [0, 1, 1, 1, 1, 1, 3, 3], [[2, 2, 1, 0], [1, 5, 0, 2]], 4.147619047619048, 0.24595881600425243, 3],
    ["same proportions", [1, 2, 2, 3, 3, 3], [1, 2, 2, 3, 3, 3, 1, 2, 2, 3, 3, 3], [[1, 2, 3], [2, 4, 6]], 0, 1, 2],
    ["NaN ignored", [1, 2, nan, 2, 1, 1], [2, 2, 2, nan, 1], [[3, 2], [1, 3]], 1.1024999999999996, 0.29371811275178894, 1],
  ];
  for (const [name, a, b, table, statistic, pValue, dof] of cases) {
    test(name, () => {
      expect(contingencyTable(a, b).counts).toEqual(table);
      const r = chiSquareTwoSample(a, b);
      expectRel(r.statistic, statistic, 1e-14);
      expectRel(r.pValue, pValue);
      expect(r.dof).toBe(dof);
    });
  }

  test("large samples, tiny p", () => {
    const a = Array.from({ length: 7000 }, (_, i) => (i % 7 < 3 ? -1 : i % 7 < 4 ? 0 : 1));
    const b = Array.from({ length: 2000 }, (_, i) => (i % 5 < 2 ? -1 : i % 5 < 3 ? 0 : 1));
    // table [[3000, 1000, 3000], [800, 400, 800]]
    const r = chiSquareTwoSample(a, b);
    expectRel(r.statistic, 38.668098818474775, 1e-14);
    expectRel(r.pValue, 4.011705359948311e-09);
    expect(r.dof).toBe(2);
  });

  test("one category only is scipy's degenerate case: statistic 0, p 1, dof 0", () => {
    expect(chiSquareTwoSample([1, 1, 1], [1, 1])).toEqual({ statistic: 0, pValue: 1, dof: 0 });
  });

  test("an empty sample is refused with a clear message", () => {
    expect(() => chiSquareTwoSample([NaN, NaN], [1])).toThrow(/non-empty samples \(got 0 and 1/);
  });
});

// scipy.stats.chi2.sf(statistic, dof)
describe("chiSquarePValue = scipy.stats.chi2.sf", () => {
  const rows: Array<[number, number, number]> = [
    [0.5, 1, 0.47950012218695337],
    [3.841458820694124, 1, 0.04999999999999989],
    [5.991464547107979, 2, 0.05000000000000007],
    [100.0, 2, 1.9287498479639183e-22],
    [1000.0, 5, 6.0100776879208495e-214],
    [1e-8, 3, 0.999999999999734],
    [30.5, 30, 0.4402732174478974],
    [2500.0, 2, 0],
  ];
  test.each(rows)("chi2.sf(%d, %d)", (statistic, dof, expected) => expectRel(chiSquarePValue(statistic, dof), expected));
  test("statistic 0 gives p = 1", () => expect(chiSquarePValue(0, 4)).toBe(1));
});

describe("categories that are not small integers", () => {
  test("mixed codes count the same as with a map", () => {
    // small integers first, then codes outside the dense fast path
    const a = [2, -1, 0.5, 300, 2, 2, NaN];
    const b = [-1, 300, 2, -1, 0.5];
    expect(contingencyTable(a, b)).toEqual({ categories: [-1, 0.5, 2, 300], counts: [[1, 1, 3, 1], [2, 1, 1, 1]] });
  });
});
