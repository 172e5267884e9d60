import { describe, expect, test } from "vitest";
import { applyIsotonic, brierScore, expectedCalibrationError, fitIsotonic, reliabilityCurve } from "../../src/stats/calibration.ts";

// Expected numbers: scikit-learn 1.9.1 / numpy 2.4.6, printed as repr(float(...)):
//   brier_score_loss(y, p); calibration_curve(y, p, n_bins=10|5, strategy="uniform") and the
//   per-bin counts np.bincount(np.searchsorted(np.linspace(0, 1, n+1)[1:-1], p));
//   ECE = Σ count/N · |prob_true − prob_pred|;
//   IsotonicRegression(out_of_bounds="clip").fit(p, y).predict(q).
//   Script: tests/references/monitor_stats.py.
// p: numpy default_rng(7).beta(2, 2, 40) rounded to 3 digits, its first six set to bin edges and
// the ends (0.1, 0.3, 0.5, 0.7, 0, 1); y: rng.random(40) < p ** 1.3.
const p = [0.1, 0.3, 0.5, 0.7, 0.0, 1.0, 0.813, 0.693, 0.211, 0.466, 0.83, 0.239, 0.178, 0.503, 0.452, 0.28, 0.812, 0.11, 0.688, 0.776, 0.716, 0.303, 0.439, 0.541, 0.191, 0.87, 0.628, 0.608, 0.45, 0.655, 0.08, 0.514, 0.888, 0.763, 0.397, 0.626, 0.467, 0.433, 0.613, 0.305];
const y = [0, 0, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1, 0, 1];

const close = (actual: number[], expected: number[], digits = 14) => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, digits));
};

describe("calibration as scikit-learn computes it", () => {
  test("Brier score = brier_score_loss", () => expect(brierScore(y, p)).toBeCloseTo(0.2477816, 15));

  test("reliability curve = calibration_curve(n_bins=10), values on inner edges in the lower bin", () => {
    const c = reliabilityCurve(y, p, 10);
    close(c.observed, [0.3333333333333333, 0.0, 0.25, 0.6666666666666666, 0.5714285714285714, 1.0, 0.25, 1.0, 0.6, 1.0]);
    close(c.predicted, [0.06, 0.15966666666666665, 0.2575, 0.33499999999999996, 0.45814285714285713, 0.5193333333333333, 0.651375, 0.7516666666666666, 0.8426, 1.0]);
    expect(c.count).toEqual([3, 3, 4, 3, 7, 3, 8, 3, 5, 1]);
    expect(expectedCalibrationError(c)).toBeCloseTo(0.24319999999999997, 14);
  });

  test("reliability curve = calibration_curve(n_bins=5)", () => {
    const c = reliabilityCurve(y, p, 5);
    close(c.observed, [0.16666666666666666, 0.42857142857142855, 0.7, 0.45454545454545453, 0.6666666666666666]);
    close(c.predicted, [0.10983333333333332, 0.29071428571428576, 0.4765, 0.6787272727272726, 0.8688333333333333]);
    expect(c.count).toEqual([6, 7, 10, 11, 6]);
    expect(expectedCalibrationError(c)).toBeCloseTo(0.18049999999999994, 14);
  });

  test("isotonic map = IsotonicRegression(out_of_bounds='clip')", () => {
    const map = fitIsotonic(y, p);
    const q = [-0.5, 0.0, 0.05, 0.2, 0.33, 0.5, 0.61, 0.77, 0.9, 1.0, 1.5];
    close(q.map((v) => applyIsotonic(map, v)), [0.0, 0.0, 0.125, 0.22250000000000003, 0.5238095238095238, 0.5238095238095238, 0.5238095238095238, 0.75, 0.7767857142857143, 1.0, 1.0]);
    close(p.map((v) => applyIsotonic(map, v)), [0.2, 0.25, 0.5238095238095238, 0.5238095238095238, 0.0, 1.0, 0.75, 0.5238095238095238, 0.25, 0.5238095238095238, 0.75, 0.25, 0.2, 0.5238095238095238, 0.5238095238095238, 0.25, 0.75, 0.2, 0.5238095238095238, 0.75, 0.75, 0.5238095238095238, 0.5238095238095238, 0.5238095238095238, 0.2, 0.75, 0.5238095238095238, 0.5238095238095238, 0.5238095238095238, 0.5238095238095238, 0.2, 0.5238095238095238, 0.75, 0.75, 0.5238095238095238, 0.5238095238095238, 0.5238095238095238, 0.5238095238095238, 0.5238095238095238, 0.5238095238095238]);
  });

  test("bad input is refused with the row and what was expected", () => {
    expect(() => brierScore([1, 0], [0.5, 1.2])).toThrow("Brier score: probability 1 is 1.2, expected a value in [0, 1]");
    expect(() => reliabilityCurve([1, 2], [0.5, 0.5])).toThrow("reliability curve: label 1 is 2, expected 1 (positive) or 0");
    expect(() => reliabilityCurve([1], [0.5], 0)).toThrow("reliability curve: bins is 0, expected an integer ≥ 1");
    expect(() => fitIsotonic([], [])).toThrow("isotonic calibration needs at least one row");
  });
});
