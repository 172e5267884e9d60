import { describe, expect, it } from "vitest";
import { createModel, modelFromJSON, modelFamilies } from "../../src/models/registry.ts";
import { syntheticData } from "./synthetic.ts";

const small = { hist_forest: { n_estimators: 20 }, hist_gbt: { n_estimators: 30 }, ml_random_forest: { n_estimators: 3, max_depth: 6 }, decision_tree: { max_depth: 6 } } as Record<string, Record<string, number>>;

describe("every model family round-trips through JSON", () => {
  const train = syntheticData(400, 30, 1);
  const test = syntheticData(200, 30, 2);
  for (const family of modelFamilies()) {
    it(`${family.name}: same probabilities after JSON.stringify → parse → fromJSON`, async () => {
      const model = createModel(family.name, small[family.name] ?? {});
      await model.fit(train.x, train.y);
      const before = model.predictProba(test.x);
      const text = JSON.stringify(model.toJSON());
      const restored = modelFromJSON(JSON.parse(text));
      expect(Array.from(restored.predictProba(test.x))).toEqual(Array.from(before));
      expect(Array.from(restored.predict(test.x))).toEqual(Array.from(model.predict(test.x)));
      expect(JSON.stringify(restored.toJSON())).toBe(text);
      // It learnt something: better than the majority class on held-out rows.
      const accuracy = model.predict(test.x).reduce((n, p, i) => n + (p === test.y[i] ? 1 : 0), 0) / test.x.rows;
      expect(accuracy).toBeGreaterThan(0.7);
      if (model.featureImportances) {
        const imp = model.featureImportances();
        expect(imp.length).toBe(30);
        expect(imp.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
      }
    });
  }

  it("a damaged state is refused with the family named", () => {
    const model = createModel("hist_forest", { n_estimators: 2 });
    model.fit(train.x, train.y);
    const json = JSON.parse(JSON.stringify(model.toJSON()));
    json.state.trees.right[0] = 10_000_000;
    expect(() => modelFromJSON(json)).toThrow(/hist_forest model state is damaged: node 0 has invalid children/);
    expect(() => modelFromJSON({ ...json, family: "pickle" })).toThrow(/model family "pickle" is not known/);
  });

  it("unknown or invalid parameters are refused before fitting", () => {
    expect(() => createModel("hist_gbt", { learning_rat: 0.1 })).toThrow(/hist_gbt: unknown parameter "learning_rat"/);
    expect(() => createModel("hist_forest", { n_estimators: 0 })).toThrow(/hist_forest: parameter n_estimators = 0 is invalid/);
    expect(() => createModel("xgboost")).toThrow(/unknown model family "xgboost"/);
  });
});

describe("determinism", () => {
  it("the same seed gives the same forest bytes; another seed another forest", () => {
    const { x, y } = syntheticData(300, 30, 3);
    const a = createModel("hist_forest", { n_estimators: 10, seed: 5 });
    const b = createModel("hist_forest", { n_estimators: 10, seed: 5 });
    const c = createModel("hist_forest", { n_estimators: 10, seed: 6 });
    a.fit(x, y);
    b.fit(x, y);
    c.fit(x, y);
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
    expect(JSON.stringify(a.toJSON())).not.toBe(JSON.stringify(c.toJSON()));
  });
});

describe("every declared parameter changes the fit (or is a documented no-op)", () => {
  const train = syntheticData(400, 12, 11);
  const test = syntheticData(200, 12, 12);
  // Per family: base parameters (small, fast) and, per declared parameter, a value that must change
  // the predictions; `null` marks a parameter accepted for a uniform grid that does nothing, with why.
  const table: Record<string, { base: Record<string, number | string | boolean>; change: Record<string, number | string | boolean | null>; why?: Record<string, string> }> = {
    hist_forest: { base: { n_estimators: 10, seed: 1 }, change: { n_estimators: 3, max_features: 1, max_depth: 3, min_samples_split: 60, min_samples_leaf: 25, bootstrap: false, seed: 2 } },
    hist_gbt: { base: { n_estimators: 20 }, change: { n_estimators: 5, learning_rate: 0.5, max_leaf_nodes: 4, max_depth: 2, min_samples_leaf: 60, l2_regularization: 50, seed: null }, why: { seed: "boosting here draws no random numbers" } },
    logistic_regression: { base: {}, change: { C: 0.001, max_iter: 1, seed: null }, why: { seed: "Newton's method is deterministic" } },
    knn: { base: {}, change: { n_neighbors: 1, seed: null }, why: { seed: "neighbours are exact" } },
    naive_bayes: { base: {}, change: { var_smoothing: 0.5, seed: null }, why: { seed: "closed-form fit" } },
    decision_tree: { base: { max_depth: 6 }, change: { max_depth: 2, min_samples_leaf: 60, seed: null }, why: { seed: "ml-cart draws no random numbers for a single tree" } },
    ml_random_forest: { base: { n_estimators: 3, max_depth: 6 }, change: { n_estimators: 1, max_features: 0.2, max_depth: 2, min_samples_leaf: 60, seed: 7, oob: null }, why: { oob: "computes out-of-bag estimates; the trees are the same" } },
  };

  for (const family of modelFamilies()) {
    it(`${family.name}: each parameter`, async () => {
      const entry = table[family.name];
      expect(entry, `add ${family.name} to the table`).toBeDefined();
      // the declared parameters, as the family itself lists them when it refuses an unknown one
      const declared = (() => {
        try {
          createModel(family.name, { no_such_parameter: 1 });
        } catch (error) {
          return /\(known: (.*)\)/.exec((error as Error).message)![1].split(", ");
        }
        return [];
      })();
      expect(Object.keys(entry.change).sort()).toEqual([...declared].sort());
      const fit = async (params: Record<string, number | string | boolean>) => {
        const m = createModel(family.name, params);
        await m.fit(train.x, train.y);
        return Array.from(m.predictProba(test.x));
      };
      const base = await fit(entry.base);
      for (const [name, value] of Object.entries(entry.change)) {
        if (value === null) {
          expect(entry.why?.[name], `${family.name}.${name}: say why it is a no-op`).toBeTruthy();
          continue;
        }
        expect(await fit({ ...entry.base, [name]: value }), `${family.name}.${name} = ${value} changed nothing`).not.toEqual(base);
      }
    }, 120_000);
  }
});
