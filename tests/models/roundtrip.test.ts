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
    expect(() => modelFromJSON(json)).toThrow(/hist_forest model state is damaged: tree 0, node 0 \(index 0\): right child 10000000 is not a node of this tree/);
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
