import { describe, expect, it } from "vitest";
import { decidePush } from "../../src/stages/gates.ts";

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

  it("pushes only when better than the current model; --force overrides that, never a gate", () => {
    expect(decidePush({ scoring: "f1", testScore: 0.97, trainScore: 0.98, currentScore: 0.96, gates }).push).toBe(true);
    const same = decidePush({ scoring: "f1", testScore: 0.97, trainScore: 0.98, currentScore: 0.97, gates });
    expect(same.push).toBe(false);
    expect(same.reasons[0]).toMatch(/not better than the current model: f1 0\.9700 ≤ 0\.9700 \(use --force/);
    const forced = decidePush({ scoring: "f1", testScore: 0.95, trainScore: 0.96, currentScore: 0.97, gates, force: true });
    expect(forced.push).toBe(true);
    expect(forced.reasons[0]).toMatch(/pushed anyway \(--force\)/);
    expect(decidePush({ scoring: "f1", testScore: 0.5, trainScore: 0.5, currentScore: 0.4, gates, force: true }).push).toBe(false);
  });
});
