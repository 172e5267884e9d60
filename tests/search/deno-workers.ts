// Run by tests/search/workers.test.ts under Deno: the same search with 1 and 2 workers.
import { runSearch } from "../../src/search/search.ts";
import type { Candidate } from "../../src/experiment.ts";
import { syntheticData } from "../models/synthetic.ts";

const { x, y } = syntheticData(900, 30, 8);
const candidates: Candidate[] = [
  { family: "hist_gbt", grid: { n_estimators: [20, 40] } },
  { family: "hist_forest", grid: { n_estimators: [10, 30] } },
  { family: "logistic_regression", grid: {} },
];
const out: Record<string, unknown> = {};
for (const workers of [1, 2]) {
  const r = await runSearch(x, y, 0, { seed: 3, folds: 3, scoring: "f1", workers, candidates });
  out[`w${workers}`] = { scores: r.leaderboard.map((c) => [c.index, c.foldScores]), model: JSON.stringify(r.model.toJSON()) };
}
console.log(JSON.stringify(out));
