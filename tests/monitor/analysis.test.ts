// Drift of served rows against a real model's reference, and CBPE's estimate against the real F1:
// the model never saw the test rows; a window of them as they are shows no drift, the same rows
// with features shifted on purpose are flagged (those features and no others).
import { describe, expect, test } from "vitest";
import { analyzeWindow, MIN_ROWS } from "../../src/monitor/analysis.ts";
import { countRows, RollingWindow } from "../../src/monitor/window.ts";
import { buildReference, parseReference } from "../../src/monitor/reference.ts";
import { confusionScores } from "../../src/stats/cbpe.ts";
import { createFrame } from "../../src/data/frame.ts";
import { fittedModel, rowsOf, schema, shifted } from "./helpers.ts";

const m = await fittedModel();

describe("monitoring a window against the reference", () => {
  test("the reference is small and reads back", () => {
    const text = JSON.stringify(m.reference);
    expect(text.length).toBeLessThan(64 * 1024);
    expect(parseReference(JSON.parse(text), "reference.json", schema.featureNames)).toEqual(JSON.parse(text));
    expect(m.reference.train.rows + m.reference.test.rows).toBe(9055);
  });

  test("the unshifted test rows: no drift", () => {
    const report = analyzeWindow(m.reference, countRows(m.reference, m.test, m.probability));
    expect(report.rows).toBe(m.test.rows);
    expect(report.drifted).toEqual([]);
    expect(report.probability.drifted).toBe(false);
    expect(Math.max(...report.features.map((f) => f.psi))).toBeLessThan(0.02);
    expect(report.summary).toMatch(/^no drift in 30 features; estimated F1 0\.\d{3} \[0\.\d{3}, 0\.\d{3}\] against 0\.\d{3} on the test split$/);
  });

  test("shifted features are flagged, and only those", () => {
    let frame = shifted(m.test, "SSLfinal_State", -1, (r) => r % 2 === 0);
    frame = shifted(frame, "URL_Length", 1, (r) => r % 3 !== 0);
    const report = analyzeWindow(m.reference, countRows(m.reference, frame, m.score(frame)));
    expect(report.drifted).toEqual(["URL_Length", "SSLfinal_State"]);
    expect(report.summary.startsWith("drift in 2 of 30 features (URL_Length, SSLfinal_State) and in the predicted probabilities;")).toBe(true);
    const ssl = report.features.find((f) => f.name === "SSLfinal_State")!;
    expect(ssl.psi).toBeGreaterThan(0.25);
    expect(ssl.chi2!.pValue).toBeLessThan(1e-10);
    expect(ssl.ks!.pValue).toBeLessThan(1e-10);
  });

  test("CBPE's estimate on the test split lies within its interval of the real F1", () => {
    const report = analyzeWindow(m.reference, countRows(m.reference, m.test, m.probability));
    const real = m.reference.test.metrics;
    expect(report.estimate.trusted).toBe(true);
    for (const e of report.estimate.metrics) {
      expect(real[e.metric]).toBeGreaterThanOrEqual(e.lower);
      expect(real[e.metric]).toBeLessThanOrEqual(e.upper);
      expect(e.upper - e.lower).toBeGreaterThan(0);
    }
  });

  test("out of sample: calibrator and interval from the even test rows, the odd rows' real metrics inside the intervals", () => {
    const even = (r: number) => r % 2 === 0;
    const idx = (keep: (r: number) => boolean) => Array.from({ length: m.test.rows }, (_, r) => r).filter(keep);
    const ref = buildReference({
      schema,
      train: { values: new Float64Array(0), rows: 0, stride: schema.featureNames.length },
      testIsPositive: idx(even).map((r) => m.isPositive[r]!),
      testProbability: idx(even).map((r) => m.probability[r]!),
      threshold: m.threshold,
    });
    const odd = rowsOf(m.test, (r) => !even(r));
    const oddRows = idx((r) => !even(r));
    const report = analyzeWindow(ref, countRows(ref, odd, oddRows.map((r) => m.probability[r]!)));
    const real = { tp: 0, fp: 0, fn: 0, tn: 0 };
    for (const r of oddRows) m.probability[r]! >= m.threshold ? (m.isPositive[r] ? real.tp++ : real.fp++) : m.isPositive[r] ? real.fn++ : real.tn++;
    const scores = confusionScores(real);
    for (const e of report.estimate.metrics) {
      expect(scores[e.metric]).toBeGreaterThanOrEqual(e.lower);
      expect(scores[e.metric]).toBeLessThanOrEqual(e.upper);
    }
  });

  test("under covariate shift (only rows with SSLfinal_State = 1) the estimate still brackets the real F1", () => {
    const c = m.test.columns.indexOf("SSLfinal_State");
    const width = m.test.columns.length;
    const keep = (r: number) => m.test.values[r * width + c] === 1;
    const sub = rowsOf(m.test, keep);
    const p = m.score(sub);
    const y = Array.from({ length: m.test.rows }, (_, r) => r).filter(keep).map((r) => m.isPositive[r]!);
    const real = { tp: 0, fp: 0, fn: 0, tn: 0 };
    p.forEach((v, i) => (v >= m.threshold ? (y[i] ? real.tp++ : real.fp++) : y[i] ? real.fn++ : real.tn++));
    const report = analyzeWindow(m.reference, countRows(m.reference, sub, p));
    expect(report.drifted).toContain("SSLfinal_State");
    const f1 = report.estimate.metrics.find((e) => e.metric === "f1")!;
    const realF1 = confusionScores(real).f1;
    expect(realF1).toBeGreaterThanOrEqual(f1.lower);
    expect(realF1).toBeLessThanOrEqual(f1.upper);
  });

  test("a small window gets no verdict and an untrusted estimate, with the reason", () => {
    const few = rowsOf(m.test, (r) => r < 40);
    const report = analyzeWindow(m.reference, countRows(m.reference, few, m.score(few)));
    expect(report.enough).toBe(false);
    expect(report.drifted).toEqual([]);
    expect(report.estimate.trusted).toBe(false);
    expect(report.estimate.reasons).toEqual([`the window holds 40 rows, fewer than the ${MIN_ROWS} an estimate needs`]);
    expect(report.summary.startsWith("40 rows: too few for a verdict (at least 100);")).toBe(true);
  });

  test("a poorly calibrated reference makes the estimate untrusted", () => {
    const poor = structuredClone(m.reference);
    poor.cbpe.calibratedEce = 0.12;
    const report = analyzeWindow(poor, countRows(poor, m.test, m.probability));
    expect(report.estimate.trusted).toBe(false);
    expect(report.estimate.reasons).toEqual(["the model's probabilities are poorly calibrated on its test split even after isotonic calibration (out-of-sample ECE 0.120 > 0.05)"]);
  });
});

describe("the rolling window", () => {
  test("keeps at most its capacity, a bucket at a time, in fixed memory", () => {
    const w = new RollingWindow(m.reference, { capacity: 1000, slots: 10 });
    const footprint = w.footprint;
    for (let i = 0; i < 5; i++) w.record(m.test, m.probability);
    expect(w.seen).toBe(5 * m.test.rows);
    const c = w.counts();
    expect(c.rows).toBeGreaterThan(900);
    expect(c.rows).toBeLessThanOrEqual(1000);
    expect(w.footprint).toBe(footprint);
    for (const f of c.features) expect(f.reduce((s, v) => s + v, 0)).toBe(c.rows);
  });

  test("grouped scores: each row counts with its distinct row's probability", () => {
    const w = new RollingWindow(m.reference, { capacity: 100_000 });
    const group = Uint32Array.from({ length: m.test.rows }, (_, r) => r);
    w.record(m.test, m.probability, group);
    const direct = countRows(m.reference, m.test, m.probability);
    expect(w.counts().probability).toEqual(direct.probability);
    expect(w.counts().expected.tp).toBeCloseTo(direct.expected.tp, 9);
  });

  test("repeated rows counted once with their multiplicity give the counts of every row, and never overfill the ring", () => {
    const doubled = createFrame(m.test.columns, 2 * m.test.rows, Float64Array.from({ length: 2 * m.test.values.length }, (_, i) => m.test.values[i % m.test.values.length]!));
    const group = Uint32Array.from({ length: doubled.rows }, (_, r) => r % m.test.rows);
    const w = new RollingWindow(m.reference, { capacity: 100_000 });
    w.record(doubled, m.probability, group);
    const direct = countRows(m.reference, doubled, Float64Array.from({ length: doubled.rows }, (_, r) => m.probability[r % m.test.rows]!));
    expect(w.counts().features).toEqual(direct.features);
    expect(w.counts().probability).toEqual(direct.probability);
    const small = new RollingWindow(m.reference, { capacity: 1000, slots: 10 });
    small.record(doubled, m.probability, new Uint32Array(doubled.rows)); // one distinct row, 3622 times
    expect(small.seen).toBe(doubled.rows);
    expect(doubled.rows).toBe(3622);
    // a request over the capacity: only its last 1000 rows are counted (the others would leave anyway)
    expect(small.counts().rows).toBe(1000);
    const tail = new RollingWindow(m.reference, { capacity: 1000, slots: 10 });
    tail.record(m.test, m.probability);
    const last = countRows(m.reference, rowsOf(m.test, (r) => r >= m.test.rows - 1000), m.probability.slice(m.test.rows - 1000));
    expect(tail.counts().features).toEqual(last.features);
    expect(tail.seen).toBe(m.test.rows);
  });
});

describe("buckets", () => {
  test("allowed values, other, missing; an imputed fraction counts at the nearest allowed value", async () => {
    const { bucketOf } = await import("../../src/monitor/reference.ts");
    const f = { name: "URL_Length", kind: "values" as const, values: [-1, 0, 1] };
    expect([-1, 0, 1, NaN, 2, 7, -0.6, 0.4, 0.8].map((v) => bucketOf(f, v))).toEqual([0, 1, 2, 4, 3, 3, 0, 1, 2]);
    const binary = { name: "Favicon", kind: "values" as const, values: [-1, 1] };
    expect([0, 0.2, -0.2].map((v) => bucketOf(binary, v))).toEqual([2, 1, 0]);
    const bins = { name: "x", kind: "bins" as const, edges: [0, 1, 2, 3] };
    expect([0, 0.5, 1, 2.5, 3, 9, -1, NaN, Infinity].map((v) => bucketOf(bins, v))).toEqual([0, 0, 1, 2, 2, 2, 0, 4, 3]);
  });
});
