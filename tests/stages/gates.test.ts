import { describe, expect, it } from "vitest";
import { decidePush, decisionText, forceDecision } from "../../src/stages/gates.ts";

const gates = { min_score: 0.6, max_overfit: 0.05 };

describe("push decision", () => {
  it("pushes the first model when it passes the gates", () => {
    const d = decidePush({ scoring: "f1", testScore: 0.97, trainScore: 0.99, gates });
    expect(d.push).toBe(true);
    expect(d.reasons).toEqual(["no current model to compare with"]);
  });

  it("refuses a model below the minimum score, naming the gate", () => {
    const d = decidePush({ scoring: "f1", testScore: 0.55, trainScore: 0.56, gates });
    expect(d.push).toBe(false);
    expect(d.reasons[0]).toMatch(/gate min_score failed: test f1 0\.5500 is below the minimum 0\.6/);
  });

  it("refuses an over-fitted model (train − test gap above max_overfit)", () => {
    const d = decidePush({ scoring: "f1", testScore: 0.9, trainScore: 0.99, gates });
    expect(d.push).toBe(false);
    expect(d.reasons[0]).toMatch(/gate max_overfit failed: train − test f1 gap 0\.0900 exceeds the allowed 0\.05/);
  });

  it("pushes only when better than the current model; forcing overrides that, never a gate; each surface names its own way to force", () => {
    expect(decidePush({ scoring: "f1", testScore: 0.97, trainScore: 0.98, currentScore: 0.96, gates }).push).toBe(true);
    const same = decidePush({ scoring: "f1", testScore: 0.97, trainScore: 0.98, currentScore: 0.97, gates });
    expect(same).toMatchObject({ push: false, overridable: true, forced: false, reasons: ["not better than the current model: f1 0.9700 ≤ 0.9700"] });
    expect(decisionText(same, "--force")).toBe("not better than the current model: f1 0.9700 ≤ 0.9700 (--force pushes it anyway)");
    expect(decisionText(same, "lab.push({ force: true })")).toBe("not better than the current model: f1 0.9700 ≤ 0.9700 (lab.push({ force: true }) pushes it anyway)");
    const forced = decidePush({ scoring: "f1", testScore: 0.95, trainScore: 0.96, currentScore: 0.97, gates, force: true });
    expect(forced).toMatchObject({ push: true, forced: true });
    expect(decisionText(forced, "--force")).toMatch(/; pushed anyway \(--force\)$/);
    expect(forceDecision(same)).toMatchObject({ push: true, forced: true, reasons: ["not better than the current model: f1 0.9700 ≤ 0.9700; pushed anyway (forced)"] });
    const failedGate = decidePush({ scoring: "f1", testScore: 0.5, trainScore: 0.5, currentScore: 0.4, gates, force: true });
    expect(failedGate).toMatchObject({ push: false, overridable: false });
    expect(forceDecision(failedGate).push).toBe(false);
  });

  it("a score exactly at min_score passes; a gap exactly at max_overfit passes (the limits are inclusive)", () => {
    // 0.5, 0.75 and 0.25 are exact in binary: no rounding at the boundary
    const atMin = decidePush({ scoring: "f1", testScore: 0.5, trainScore: 0.5, gates: { min_score: 0.5, max_overfit: 0.25 } });
    expect(atMin.push).toBe(true);
    expect(atMin.gates[0]).toMatchObject({ name: "min_score", passed: true, message: "test f1 0.5000 ≥ the minimum 0.5" });
    const below = decidePush({ scoring: "f1", testScore: 0.5 - 2 ** -40, trainScore: 0.5, gates: { min_score: 0.5, max_overfit: 0.25 } });
    expect(below.push).toBe(false);
    const atGap = decidePush({ scoring: "f1", testScore: 0.5, trainScore: 0.75, gates: { min_score: 0.5, max_overfit: 0.25 } });
    expect(atGap.gates[1]).toMatchObject({ name: "max_overfit", passed: true, value: 0.25 });
    expect(decidePush({ scoring: "f1", testScore: 0.5, trainScore: 0.75 + 2 ** -40, gates: { min_score: 0.5, max_overfit: 0.25 } }).push).toBe(false);
  });

  it("compares with the current model on the rows neither was trained on, and says so", () => {
    // all test rows: new 0.95 vs current 0.97 (the current model had seen many of them);
    // on the unseen rows: new 0.94 vs current 0.93
    const d = decidePush({ scoring: "f1", testScore: 0.95, trainScore: 0.98, currentScore: 0.93, newCompareScore: 0.94, comparedOn: { rows: 400, enough: true, minimum: 30 }, gates });
    expect(d.push).toBe(true);
    expect(d.reasons[0]).toBe("better than the current model on the 400 test rows neither model was trained on: f1 0.9400 > 0.9300");
    expect(d.improvement).toBeCloseTo(0.01, 12);
  });

  it("too few rows unseen by both models: no fair comparison, no push unless forced", () => {
    const d = decidePush({ scoring: "f1", testScore: 0.95, trainScore: 0.98, currentScore: 0.5, newCompareScore: 0.9, comparedOn: { rows: 12, enough: false, minimum: 30 }, gates });
    expect(d.push).toBe(false);
    expect(d.reasons[0]).toBe("cannot compare fairly with the current model: only 12 test rows were seen by neither model (need ≥ 30)");
    expect(d.overridable).toBe(true);
    expect(decidePush({ scoring: "f1", testScore: 0.95, trainScore: 0.98, comparedOn: { rows: 12, enough: false, minimum: 30 }, gates, force: true }).push).toBe(true);
  });
});
