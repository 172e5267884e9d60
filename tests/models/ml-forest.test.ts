import { describe, expect, it } from "vitest";
import { createModel } from "../../src/models/registry.ts";
import { isNetsecError } from "../../src/errors.ts";
import { syntheticData } from "./synthetic.ts";

describe("ml-random-forest adapter", () => {
  const { x, y } = syntheticData(120, 30, 11);

  it("works around the out-of-bag crash: few trees train and predict (OOB step off)", async () => {
    const model = createModel("ml_random_forest", { n_estimators: 2, max_depth: 4 });
    await model.fit(x, y);
    const p = model.predictProba(x);
    expect(p.length).toBe(120);
    for (const v of p) expect([0, 0.5, 1]).toContain(v);
  });

  it("refuses oob: true with few trees, saying why", () => {
    let error: unknown;
    try {
      createModel("ml_random_forest", { n_estimators: 5, oob: true });
    } catch (e) {
      error = e;
    }
    expect(isNetsecError(error, "MODEL_REFUSED")).toBe(true);
    expect((error as Error).message).toMatch(/oob: true with 5 trees is refused: ml-random-forest 2\.1 crashes in its out-of-bag step \("input must not be empty"\)/);
  });
});
