import { describe, expect, test } from "vitest";
import { cbpeEstimate, confusionScores, expectedConfusion, samplingComponents } from "../../src/stats/cbpe.ts";

// Expected numbers: numpy 2.4.6 with NannyML's formulas (nannyml/performance_estimation/
// confidence_based/metrics.py estimate_precision/recall/f1 and nannyml/sampling_error/
// binary_classification.py *_sampling_error_components), printed as repr(float(...)) by
// tests/references/monitor_stats.py.
describe("CBPE (NannyML's formulas)", () => {
  const calibrated = [0.9, 0.2, 0.65, 0.1, 0.8, 0.55, 0.3, 0.05, 0.95, 0.4];
  const raw = [0.91, 0.3, 0.6, 0.2, 0.7, 0.5, 0.45, 0.1, 0.99, 0.52];
  const decided = raw.map((v) => (v >= 0.5 ? 1 : 0));

  test("expected confusion → precision, recall, F1", () => {
    const c = expectedConfusion(calibrated, decided);
    const s = confusionScores(c);
    expect(s.precision).toBeCloseTo(0.7083333333333334, 14);
    expect(s.recall).toBeCloseTo(0.8673469387755102, 14);
    expect(s.f1).toBeCloseTo(0.7798165137614679, 14);
    expect(c.tp + c.fp + c.fn + c.tn).toBeCloseTo(10, 12);
  });

  const yt = [1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1];
  const yp = [1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0];

  test("sampling-error components from the reference", () => {
    const comp = samplingComponents(yt, yp);
    expect(comp.precision.std).toBeCloseTo(0.4453617714151233, 14);
    expect(comp.precision.fraction).toBe(0.55);
    expect(comp.recall.std).toBeCloseTo(0.4453617714151233, 14);
    expect(comp.recall.fraction).toBe(0.55);
    expect(comp.f1.std).toBeCloseTo(0.6298366572977735, 14);
    expect(comp.f1.fraction).toBe(0.7);
  });

  test("interval = estimate ± 3 σ / √(n · f), clipped to [0, 1]", () => {
    const est = cbpeEstimate(expectedConfusion(calibrated, decided), 10, samplingComponents(yt, yp));
    const f1 = est.find((e) => e.metric === "f1")!;
    expect(f1.standardError).toBeCloseTo(0.2380558802574462, 14);
    expect(f1.lower).toBeCloseTo(0.7798165137614679 - 3 * 0.2380558802574462, 12);
    expect(f1.upper).toBe(1);
  });

  test("bad input is refused", () => {
    expect(() => expectedConfusion([0.5], [1, 0])).toThrow("CBPE: 1 probabilities for 2 decisions");
    expect(() => expectedConfusion([1.5], [1])).toThrow("CBPE: calibrated probability 0 is 1.5, expected a value in [0, 1]");
  });
});
