/**
 * Per-prediction explanations. TreeSHAP on our trees against the `shap` package's TreeExplainer
 * (run live in the venv: our trees exported in shap's custom-tree dict format, path-dependent
 * perturbation) to 1e-6; the linear contributions of logistic regression against shap's
 * LinearExplainer; contributions add up to the raw output; the sign follows the positive class.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { PYTHON, ROOT } from "../helpers/env.ts";
import { createModel, modelFromJSON } from "../../src/models/registry.ts";
import type { Classifier, Matrix } from "../../src/models/classifier.ts";
import type { FlatTrees } from "../../src/models/scoring/types.ts";
import { treesFromJSON, type FlatTreesJson } from "../../src/models/trees/tree-ensemble.ts";
import { gaussLegendre01, treeShap } from "../../src/models/trees/tree-shap.ts";
import { treeShapPaths } from "../../src/models/trees/tree-shap-paths.ts";
import { explainPositive, ExplainMemo } from "../../src/models/explain.ts";
import type { LogisticRegression } from "../../src/models/families/logistic-regression.ts";
import { syntheticData } from "./synthetic.ts";

interface ShapAnswer {
  values: number[][];
  expected: number;
  shap: string;
}

function shap(request: unknown): ShapAnswer {
  const run = spawnSync(PYTHON, [join(ROOT, "tests", "references", "shap_check.py")], { input: JSON.stringify(request), encoding: "utf8", maxBuffer: 256 << 20 });
  if (run.status !== 0) throw new Error(`shap_check.py failed (${PYTHON}): ${run.stderr}`);
  return JSON.parse(run.stdout) as ShapAnswer;
}

/** Our flat pre-order trees in shap's custom-tree format (one dict per tree, node ids local to it). */
function shapTrees(trees: FlatTrees, scale: number) {
  const { feature, threshold, right, value, roots, cover } = trees;
  return Array.from(roots, (root, t) => {
    const end = t + 1 < roots.length ? roots[t + 1] : value.length;
    const ids = Array.from({ length: end - root }, (_, i) => root + i);
    const local = (n: number) => n - root;
    return {
      children_left: ids.map((n) => (feature[n] < 0 ? -1 : local(n + 1))),
      children_right: ids.map((n) => (feature[n] < 0 ? -1 : local(right[n]))),
      children_default: ids.map((n) => (feature[n] < 0 ? -1 : local(n + 1))),
      features: ids.map((n) => (feature[n] < 0 ? -2 : feature[n])),
      thresholds: ids.map((n) => (feature[n] < 0 ? 0 : threshold[n])),
      values: ids.map((n) => value[n] * scale),
      node_sample_weight: ids.map((n) => cover![n]),
    };
  });
}

const flatTrees = (model: Classifier, cols: number) => treesFromJSON((model.toJSON().state as { trees: FlatTreesJson }).trees, cols);
const rowsOf = (x: Matrix) => Array.from({ length: x.rows }, (_, r) => Array.from(x.values.subarray(r * x.cols, (r + 1) * x.cols)));
const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

const train = syntheticData(500, 12, 21);
const test = syntheticData(60, 12, 22);

describe("TreeSHAP = shap's TreeExplainer (tree_path_dependent), live", () => {
  const families: [string, Record<string, number | string>, "log_odds" | "probability"][] = [
    ["hist_gbt", { n_estimators: 40, max_leaf_nodes: 15, learning_rate: 0.3 }, "log_odds"],
    ["hist_forest", { n_estimators: 25, max_features: "sqrt", seed: 3 }, "probability"],
  ];
  for (const [family, params, output] of families) {
    it(`${family}: every contribution and the expected value within 1e-6; both our algorithms agree`, async () => {
      const model = createModel(family, params);
      await model.fit(train.x, train.y);
      const trees = flatTrees(model, train.x.cols);
      const scale = family === "hist_forest" ? 1 / trees.roots.length : 1;
      const base = family === "hist_gbt" ? (model.toJSON().state as { baseline: number }).baseline : 0;
      const answer = shap({ kind: "trees", trees: shapTrees(trees, scale), base_offset: base, rows: rowsOf(test.x) });
      const e = model.explain!(test.x);
      expect(e.output).toBe(output);
      expect(maxAbs(e.contributions, answer.values.flat())).toBeLessThan(1e-6);
      expect(Math.abs(e.base - answer.expected)).toBeLessThan(1e-6);
      // Algorithm 2 (shap's own recursion) and the quadrature form give the same numbers
      const a = treeShap(trees, test.x, scale), b = treeShapPaths(trees, test.x, scale);
      expect(maxAbs(a.phi, b.phi)).toBeLessThan(1e-12);
      expect(a.expected).toBeCloseTo(b.expected, 12);
    }, 120_000);
  }

  it("logistic_regression: exact linear contributions = shap's LinearExplainer with the training rows as background", async () => {
    const model = createModel("logistic_regression", { C: 0.5 }) as LogisticRegression;
    model.fit(train.x, train.y);
    const w = model.coefficients();
    const answer = shap({ kind: "linear", coef: Array.from(w.subarray(1)), intercept: w[0], background: rowsOf(train.x), rows: rowsOf(test.x) });
    const e = model.explain(test.x);
    expect(e.output).toBe("log_odds");
    expect(maxAbs(e.contributions, answer.values.flat())).toBeLessThan(1e-9);
    expect(Math.abs(e.base - answer.expected)).toBeLessThan(1e-9);
  }, 120_000);
});

describe("contributions add up to the raw output, in the positive class's terms", () => {
  const logit = (p: number) => Math.log(p / (1 - p));
  for (const [family, params] of [["hist_gbt", { n_estimators: 30 }], ["hist_forest", { n_estimators: 20 }], ["logistic_regression", {}]] as const) {
    it(`${family}: base + Σ contributions = ${family === "hist_forest" ? "P" : "log-odds"}(positive) for every row, both positive classes`, async () => {
      const model = createModel(family, params);
      await model.fit(train.x, train.y);
      const p1 = model.predictProba(test.x);
      for (const positive of [0, 1] as const) {
        const e = explainPositive(model, test.x, positive);
        for (let r = 0; r < test.x.rows; r++) {
          let sum = e.base;
          for (let c = 0; c < test.x.cols; c++) sum += e.contributions[r * test.x.cols + c];
          const pPositive = positive === 1 ? p1[r] : 1 - p1[r];
          expect(sum).toBeCloseTo(e.output === "log_odds" ? logit(pPositive) : pPositive, 9);
        }
      }
    });
  }

  it("the sign: a feature that pushes towards class 1 (legitimate) pushes away from phishing (class 0)", async () => {
    // class 1 exactly when column 0 is 1: its contribution for class 0 (phishing, the positive
    // class of schema.yaml) is negative on rows with column 0 = 1, positive on rows with -1
    const x: Matrix = { values: new Float64Array(200 * 3), rows: 200, cols: 3 };
    const y = new Uint8Array(200);
    for (let r = 0; r < 200; r++) {
      x.values[r * 3] = r % 2 ? 1 : -1;
      x.values[r * 3 + 1] = r % 3 - 1;
      x.values[r * 3 + 2] = (r >> 2) % 2 ? 1 : -1;
      y[r] = r % 2;
    }
    for (const family of ["hist_gbt", "hist_forest", "logistic_regression"]) {
      const model = createModel(family, family === "hist_gbt" ? { n_estimators: 10, min_samples_leaf: 5 } : {});
      await model.fit(x, y);
      const e = explainPositive(model, x, 0);
      expect(e.contributions[0]).toBeGreaterThan(0); // row 0: column 0 = -1 → phishing
      expect(e.contributions[3]).toBeLessThan(0); // row 1: column 0 = 1 → legitimate
    }
  });

  it("repeated rows are explained once with the same numbers; other families refuse clearly", async () => {
    const model = createModel("hist_gbt", { n_estimators: 20 });
    await model.fit(train.x, train.y);
    const twice: Matrix = { values: Float64Array.from([...test.x.values, ...test.x.values]), rows: 2 * test.x.rows, cols: test.x.cols };
    const memo = new ExplainMemo(model, 0);
    const a = memo.explain(twice);
    const direct = explainPositive(model, twice, 0);
    expect(maxAbs(a.contributions, direct.contributions)).toBe(0);
    expect(Array.from(memo.explain(test.x).contributions)).toEqual(Array.from(direct.contributions.subarray(0, test.x.rows * test.x.cols)));
    const nb = createModel("naive_bayes");
    await nb.fit(train.x, train.y);
    expect(() => explainPositive(nb, test.x, 0)).toThrow(/naive_bayes predictions cannot be explained/);
  });

  it("model files written before covers (trees) or feature means (regression) load, predict, and refuse to explain", async () => {
    for (const family of ["hist_gbt", "hist_forest", "logistic_regression"]) {
      const model = createModel(family, family === "logistic_regression" ? {} : { n_estimators: 5 });
      await model.fit(train.x, train.y);
      const json = JSON.parse(JSON.stringify(model.toJSON()));
      if (json.state.trees) delete json.state.trees.cover;
      else delete json.state.means;
      const old = modelFromJSON(json);
      expect(Array.from(old.predictProba(test.x))).toEqual(Array.from(model.predictProba(test.x)));
      expect(() => old.explain!(test.x)).toThrow(/cannot be explained: train it again/);
    }
  });

  it("rows on the same side of every split share a tree's contributions: in-between values and NaN, batch = one row at a time = Algorithm 2", async () => {
    const model = createModel("hist_forest", { n_estimators: 15, max_features: "sqrt", seed: 5 });
    await model.fit(train.x, train.y);
    const trees = flatTrees(model, train.x.cols);
    // the test rows, then copies moved within their bucket (−1 → −1.7, 0 → 0.2, 1 → 4) or to NaN:
    // same side at every split as the originals for the first kind, right at every split for NaN
    const moved = (v: number, r: number, c: number) => ((r + c) % 7 === 0 ? NaN : v < 0 ? -1.7 : v > 0 ? 4 : 0.2);
    const rows = 2 * test.x.rows;
    const x: Matrix = { values: new Float64Array(rows * test.x.cols), rows, cols: test.x.cols };
    x.values.set(test.x.values);
    for (let r = 0; r < test.x.rows; r++) for (let c = 0; c < x.cols; c++) x.values[(test.x.rows + r) * x.cols + c] = moved(test.x.values[r * x.cols + c], r, c);
    const batch = treeShap(trees, x, 1 / 15);
    const paths = treeShapPaths(trees, x, 1 / 15);
    expect(maxAbs(batch.phi, paths.phi)).toBeLessThan(1e-12);
    for (let r = 0; r < rows; r++) {
      const one = treeShap(trees, { values: x.values.subarray(r * x.cols, (r + 1) * x.cols), rows: 1, cols: x.cols }, 1 / 15);
      expect(maxAbs(batch.phi.subarray(r * x.cols, (r + 1) * x.cols), one.phi)).toBeLessThan(1e-15);
    }
    // and they add up to the forest's probability (NaN rows included)
    const p = model.predictProba(x);
    for (let r = 0; r < rows; r++) expect(batch.phi.subarray(r * x.cols, (r + 1) * x.cols).reduce((a, b) => a + b, batch.expected)).toBeCloseTo(p[r], 9);
  });

  it("Gauss–Legendre nodes integrate polynomials of degree < 2n exactly on [0, 1]", () => {
    const { t, w } = gaussLegendre01(5);
    for (let k = 0; k <= 9; k++) expect(t.reduce((s, tq, q) => s + w[q] * tq ** k, 0)).toBeCloseTo(1 / (k + 1), 14);
  });
});
