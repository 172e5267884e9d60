import { describe, expect, test } from "vitest";
import { psi, PSI_EPSILON } from "../../src/stats/psi.ts";

// Expected numbers: numpy 2.4.6 with Evidently's PSI formula (shares, a zero share replaced by
// 0.0001 on either side, Σ (a − e) · ln(a / e)), printed as repr(float(...)): tests/references/monitor_stats.py.
describe("psi = Σ (actual − expected) · ln(actual / expected) over shares", () => {
  const cases: Array<[string, number[], number[], number]> = [
    ["small change", [30, 50, 20], [25, 55, 20], 0.013881586829913979],
    ["large change", [300, 500, 200], [100, 100, 800], 1.6952742393791964],
    ["a bin empty in the reference: epsilon 0.0001", [10, 0, 5], [3, 4, 8], 2.758688384613081],
    ["a bin empty on both sides adds nothing", [4, 0, 6], [2, 0, 8], 0.19616585060234526],
  ];
  for (const [name, e, a, expected] of cases) {
    test(name, () => expect(psi(e, a)).toBeCloseTo(expected, 14));
  }

  test("identical shares give 0, whatever the totals", () => {
    expect(psi([1, 2, 3], [10, 20, 30])).toBe(0);
  });

  test("the epsilon is Evidently's", () => expect(PSI_EPSILON).toBe(0.0001));

  test("bad input is refused with a message that says what was expected", () => {
    expect(() => psi([1, 2], [1, 2, 3])).toThrow("PSI needs the same bins on both sides (got 2 and 3)");
    expect(() => psi([0, 0], [1, 2])).toThrow("PSI reference: all 2 bins are empty");
    expect(() => psi([1, 2], [1, -1])).toThrow("PSI current sample: bin 1 has count -1, expected a finite number ≥ 0");
  });
});
