/** threshold.json's out-of-fold curve: at most PR_CURVE_POINTS thresholds, evenly spaced along the full curve. */
import { describe, expect, it } from "vitest";
import { PR_CURVE_POINTS, thinPrCurve } from "../../src/stages/train.ts";
import { prCurve } from "../../src/stats/metrics.ts";
import { mulberry32 } from "../../src/stats/rng.ts";

describe("thinPrCurve", () => {
  it("keeps a small curve as it is", () => {
    const curve = prCurve(Uint8Array.from([0, 1, 1, 0]), Float64Array.from([0.1, 0.8, 0.6, 0.3]), 1);
    expect(thinPrCurve(curve, PR_CURVE_POINTS)).toBe(curve);
  });

  it("thins a curve of 50,000 distinct scores to evenly spaced points of it, the ends and the closing point kept", () => {
    const rng = mulberry32(2);
    const y = Uint8Array.from({ length: 50_000 }, () => rng.int(2));
    const p = Float64Array.from(y, (c) => Math.min(1, Math.max(0, 0.3 * c + rng.next() * 0.7)));
    const full = prCurve(y, p, 1);
    const thin = thinPrCurve(full, 1_000);
    const n = full.thresholds.length;
    expect(n).toBeGreaterThan(40_000);
    expect(thin.thresholds.length).toBe(1_000);
    expect([thin.precision.length, thin.recall.length]).toEqual([1_001, 1_001]);
    expect(thin.thresholds[0]).toBe(full.thresholds[0]);
    expect(thin.thresholds[999]).toBe(full.thresholds[n - 1]);
    expect([thin.precision[1_000], thin.recall[1_000]]).toEqual([1, 0]);
    // point k is the full curve's point round(k (n-1) / 999)
    const i = Math.round((500 * (n - 1)) / 999);
    expect([thin.thresholds[500], thin.precision[500], thin.recall[500]]).toEqual([full.thresholds[i], full.precision[i], full.recall[i]]);
  });
});
