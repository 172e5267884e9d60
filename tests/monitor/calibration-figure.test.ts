// Training's evaluation reports calibration: the reliability curve figure draws the test rows'
// curve (as calibration_curve computes it) against the diagonal, Brier and ECE in the legend.
import { describe, expect, test } from "vitest";
import { calibrationFigure } from "../../src/viz/calibration.ts";
import { calibrationSummary } from "../../src/monitor/reference.ts";

describe("calibration figure", () => {
  // the 40 rows of tests/stats/calibration.test.ts (scikit-learn's numbers there)
  const p = [0.1, 0.3, 0.5, 0.7, 0.0, 1.0, 0.813, 0.693, 0.211, 0.466, 0.83, 0.239, 0.178, 0.503, 0.452, 0.28, 0.812, 0.11, 0.688, 0.776, 0.716, 0.303, 0.439, 0.541, 0.191, 0.87, 0.628, 0.608, 0.45, 0.655, 0.08, 0.514, 0.888, 0.763, 0.397, 0.626, 0.467, 0.433, 0.613, 0.305];
  const y = [0, 0, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1, 0, 1];

  test("the curve, the diagonal and the scores", () => {
    const summary = calibrationSummary(y, p);
    expect(summary.brier).toBeCloseTo(0.2477816, 15);
    expect(summary.ece).toBeCloseTo(0.24319999999999997, 14);
    const fig = calibrationFigure(summary);
    expect(fig.data[0]!.name).toBe("model (Brier 0.2478, ECE 0.2432)");
    expect(fig.data[0]!.y).toEqual([0.333333, 0, 0.25, 0.666667, 0.571429, 1, 0.25, 1, 0.6, 1]);
    expect(fig.data[0]!.text).toEqual(["3 rows", "3 rows", "4 rows", "3 rows", "7 rows", "3 rows", "8 rows", "3 rows", "5 rows", "1 rows"]);
    expect(fig.data[1]).toMatchObject({ name: "perfectly calibrated", x: [0, 1], y: [0, 1] });
    expect(fig.layout.title).toEqual({ text: "Reliability curve (test rows)" });
  });
});
