/**
 * CI runs experiments/thorough.yaml once on a sample of the real data (200 rows) so the slow
 * candidates (ml-random-forest, ml-cart) and the big grids cannot rot.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadExperiment } from "../../src/experiment.ts";
import { runSearch } from "../../src/search/search.ts";
import { expandGrid } from "../../src/search/grid.ts";
import { ROOT, SHARED_DATA } from "../helpers/env.ts";

describe.skipIf(!existsSync(SHARED_DATA))("experiments/thorough.yaml on a sample", () => {
  it("searches every family, the card libraries included", async () => {
    const experiment = await loadExperiment(join(ROOT, "experiments/thorough.yaml"));
    const rows = readFileSync(SHARED_DATA, "utf8").trim().split(/\r?\n/).slice(1);
    // Every 45th row: 200 rows, both classes; this copy of the data has no missing cells.
    const sample = rows.filter((_, i) => i % 45 === 0).slice(0, 200).map((l) => l.split(",").map(Number));
    const x = { values: Float64Array.from(sample.flatMap((r) => r.slice(0, 30))), rows: sample.length, cols: 30 };
    const y = Uint8Array.from(sample, (r) => (r[30] === 1 ? 1 : 0));
    const families = new Set<string>();
    const result = await runSearch(x, y, 0, {
      seed: experiment.seed,
      folds: experiment.search.folds,
      scoring: experiment.search.scoring,
      workers: 1,
      candidates: experiment.search.candidates,
      onCandidate: (r) => void families.add(r.family),
    });
    expect([...families].sort()).toEqual(["decision_tree", "hist_forest", "hist_gbt", "knn", "logistic_regression", "ml_random_forest", "naive_bayes"]);
    expect(result.leaderboard).toHaveLength(expandGrid(experiment.search.candidates, experiment.seed).length);
    expect(result.best.meanScore).toBeGreaterThan(0.8);
  }, 300_000);
});
