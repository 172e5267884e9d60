/**
 * Our learners pinned to the libraries they follow, on the small fixed data sets of
 * tests/fixtures/learners/ (600 train rows, 200 test rows; ternary/binary features and a 16-level
 * one; repeated rows and conflicting labels, like the phishing data). The reference numbers were
 * computed once by tests/references/learners.py (scikit-learn 1.9.1, LightGBM 4.7.0) into
 * tests/references/learners.json. Each parameter is checked against the reference run with that
 * parameter changed, so a family that ignored it would fail.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/env.ts";
import { createModel } from "../../src/models/registry.ts";
import type { Matrix, Params } from "../../src/models/classifier.ts";
import type { LogisticRegression } from "../../src/models/families/logistic-regression.ts";

function load(name: string): { x: Matrix; y: Uint8Array } {
  const lines = readFileSync(join(ROOT, "tests", "fixtures", "learners", name), "utf8").trim().split("\n").slice(1);
  const rows = lines.map((l) => l.split(",").map(Number));
  const cols = rows[0].length - 1;
  const values = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => values.set(r.slice(0, cols), i * cols));
  return { x: { values, rows: rows.length, cols }, y: Uint8Array.from(rows, (r) => r[cols]) };
}

const ref = JSON.parse(readFileSync(join(ROOT, "tests", "references", "learners.json"), "utf8"));
const train = load("train.csv");
const test = load("test.csv");
/** The test rows with the 16-level feature moved half a level up: values no training row has. */
const probe: Matrix = { ...test.x, values: test.x.values.slice() };
for (let r = 0; r < probe.rows; r++) probe.values[r * probe.cols + 8] += 0.5;

const maxDiff = (a: ArrayLike<number>, b: readonly number[]) => {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
const meanDiff = (a: ArrayLike<number>, b: readonly number[]) => {
  let s = 0;
  for (let i = 0; i < b.length; i++) s += Math.abs(a[i] - b[i]);
  return s / b.length;
};

async function fitted(family: string, params: Params) {
  const model = createModel(family, params);
  await model.fit(train.x, train.y);
  return model;
}

describe("hist_gbt = scikit-learn HistGradientBoostingClassifier (early_stopping=False)", () => {
  // scikit-learn keeps gradients and hessians in float32: probabilities agree to ~1e-6, not 1e-15.
  const TOL = 2e-6;
  for (const [name, r] of Object.entries<{ params: Params; train: number[]; test: number[]; probe: number[] }>(ref.hist_gbt)) {
    it(`${name} ${JSON.stringify(r.params)}: the same probabilities on train, test and unseen values`, async () => {
      const model = await fitted("hist_gbt", r.params);
      expect(maxDiff(model.predictProba(train.x), r.train)).toBeLessThan(TOL);
      expect(maxDiff(model.predictProba(test.x), r.test)).toBeLessThan(TOL);
      // values between two training levels go where scikit-learn's bin thresholds send them
      expect(maxDiff(model.predictProba(probe), r.probe)).toBeLessThan(TOL);
      if (name !== "defaults") {
        // the parameter matters on this data: with it ignored (the defaults) the answer is far off
        expect(maxDiff(r.test, ref.hist_gbt.defaults.test)).toBeGreaterThan(100 * TOL);
      }
    });
  }

  it("seed is accepted and changes nothing (boosting here draws no random numbers)", async () => {
    const a = await fitted("hist_gbt", { n_estimators: 20, seed: 1 });
    const b = await fitted("hist_gbt", { n_estimators: 20, seed: 2 });
    expect(Array.from(a.predictProba(test.x))).toEqual(Array.from(b.predictProba(test.x)));
  });
});

describe("hist_gbt = LightGBM where their rules line up (4 leaves, 1 row a leaf)", () => {
  for (const [name, r] of Object.entries<{ params: Params; train: number[] }>(ref.lightgbm)) {
    it(`${name} ${JSON.stringify(r.params)}`, async () => {
      const model = await fitted("hist_gbt", r.params);
      expect(maxDiff(model.predictProba(train.x), r.train)).toBeLessThan(1e-6);
    });
  }
});

describe("hist_forest ≈ scikit-learn RandomForestClassifier (2000 trees each: Monte-Carlo noise only)", () => {
  const sklearnDefaults = ref.random_forest.defaults.test as number[];
  for (const [name, r] of Object.entries<{ params: Params; test: number[]; probe: number[] }>(ref.random_forest)) {
    it(`${name} ${JSON.stringify(r.params)}`, async () => {
      const model = await fitted("hist_forest", { ...r.params, n_estimators: 2000, seed: 7 });
      const p = model.predictProba(test.x);
      const mean = meanDiff(p, r.test);
      expect(mean).toBeLessThan(0.025);
      expect(maxDiff(p, r.test)).toBeLessThan(0.1);
      // values between two training levels: a split sits halfway between the node's two values
      expect(meanDiff(model.predictProba(probe), r.probe)).toBeLessThan(0.025);
      // no bias: the mean probability agrees closely
      const avg = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
      expect(Math.abs(avg(p) - avg(r.test))).toBeLessThan(0.01);
      if (name !== "defaults") {
        // ignoring the parameter would land near scikit-learn's defaults, at least twice as far
        expect(meanDiff(r.test, sklearnDefaults)).toBeGreaterThan(2 * 0.025);
      }
    });
  }

  it("n_estimators is the number of trees; the seed changes the forest", async () => {
    const a = await fitted("hist_forest", { n_estimators: 7, seed: 1 });
    expect((a.toJSON().state as { trees: { roots: number[] } }).trees.roots).toHaveLength(7);
    const b = await fitted("hist_forest", { n_estimators: 7, seed: 2 });
    expect(Array.from(a.predictProba(test.x))).not.toEqual(Array.from(b.predictProba(test.x)));
  });
});

describe("logistic_regression = scikit-learn LogisticRegression (L2, lbfgs to tol 1e-12)", () => {
  for (const [name, r] of Object.entries<{ params: Params; intercept: number; coef: number[]; test: number[] }>(ref.logistic_regression)) {
    it(`${name}: same coefficients and probabilities`, async () => {
      const model = (await fitted("logistic_regression", r.params)) as LogisticRegression;
      const w = model.coefficients();
      expect(Math.abs(w[0] - r.intercept)).toBeLessThan(1e-6);
      expect(maxDiff(w.subarray(1), r.coef)).toBeLessThan(1e-6);
      expect(maxDiff(model.predictProba(test.x), r.test)).toBeLessThan(1e-6); // lbfgs stops at ~1e-7
    });
  }

  it("C matters on this data, and max_iter stops Newton early", async () => {
    expect(maxDiff(ref.logistic_regression["C=0.01"].coef, ref.logistic_regression["C=1"].coef)).toBeGreaterThan(0.05);
    const one = (await fitted("logistic_regression", { max_iter: 1 })) as LogisticRegression;
    const full = (await fitted("logistic_regression", {})) as LogisticRegression;
    expect(maxDiff(one.coefficients(), Array.from(full.coefficients()))).toBeGreaterThan(1e-3);
  });
});
