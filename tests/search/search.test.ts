import { describe, expect, it } from "vitest";
import { runSearch } from "../../src/search/search.ts";
import type { Candidate } from "../../src/experiment.ts";
import { stratifiedFolds, stratifiedGroupFolds } from "../../src/search/folds.ts";
import { matrixGroups } from "../../src/stats/vector-groups.ts";
import { expandGrid } from "../../src/search/grid.ts";
import { leaderboardCsv } from "../../src/search/leaderboard.ts";
import { score } from "../../src/search/scoring.ts";
import type { CandidateResult } from "../../src/search/types.ts";
import { syntheticData } from "../models/synthetic.ts";
import { defaultWorkerCount } from "../../src/search/pool.ts";
import { parseExperiment } from "../../src/experiment.ts";

describe("stratified folds", () => {
  it("every fold keeps the class shares (±1 row) and the same seed gives the same folds", () => {
    const y = new Uint8Array(1000);
    for (let i = 0; i < 1000; i++) y[i] = i % 10 < 3 ? 0 : 1; // 300 of class 0, 700 of class 1
    const fold = stratifiedFolds(y, 3, 42);
    for (let f = 0; f < 3; f++) {
      let n0 = 0, n1 = 0;
      for (let i = 0; i < y.length; i++) if (fold[i] === f) y[i] === 0 ? n0++ : n1++;
      expect(Math.abs(n0 - 100)).toBeLessThanOrEqual(1);
      expect(Math.abs(n1 - 700 / 3)).toBeLessThanOrEqual(1);
    }
    expect(Array.from(stratifiedFolds(y, 3, 42))).toEqual(Array.from(fold));
    expect(Array.from(stratifiedFolds(y, 3, 43))).not.toEqual(Array.from(fold));
  });

  it("refuses more folds than rows of a class", () => {
    expect(() => stratifiedFolds(Uint8Array.from([0, 0, 1, 1, 1]), 3, 1)).toThrow(/cannot make 3 stratified folds: class 0 has only 2 training row/);
  });
});

describe("grid", () => {
  it("expands the cartesian product in a stable order and passes the seed to seeded families", () => {
    const points = expandGrid([{ family: "hist_forest", grid: { n_estimators: [10, 20], max_features: ["sqrt", 0.5] } }, { family: "logistic_regression", grid: {} }], 7);
    expect(points.map((p) => p.params)).toEqual([
      { max_features: "sqrt", n_estimators: 10, seed: 7 },
      { max_features: "sqrt", n_estimators: 20, seed: 7 },
      { max_features: 0.5, n_estimators: 10, seed: 7 },
      { max_features: 0.5, n_estimators: 20, seed: 7 },
      {},
    ]);
  });
});

describe("scoring", () => {
  it("F1 of the positive class (index 0 = phishing), not of class 1", () => {
    const y = Uint8Array.from([0, 0, 0, 1, 1]);
    const p1 = Float64Array.from([0.1, 0.2, 0.9, 0.8, 0.3]); // predicted 0,0,1,1,0
    // positive 0: tp=2, fp=1, fn=1 → 2·2/(2·2+1+1) = 0.6667; positive 1: tp=1, fp=0, fn=1 → 0.6667… use precision to tell apart
    expect(score("f1", y, p1, 0)).toBeCloseTo(4 / 6, 12);
    expect(score("precision", y, p1, 0)).toBeCloseTo(2 / 3, 12);
    expect(score("precision", y, p1, 1)).toBeCloseTo(1 / 2, 12);
    expect(score("accuracy", y, p1, 0)).toBeCloseTo(3 / 5, 12);
  });

  it("ROC-AUC and PR-AUC rank by the positive class's probability", () => {
    const y = Uint8Array.from([0, 0, 1, 1, 0]);
    const p1 = Float64Array.from([0.2, 0.6, 0.7, 0.4, 0.1]);
    // scikit-learn 1.9.1: roc_auc_score / average_precision_score with y_true = (y == positive)
    // and y_score = P(positive) = 1 − p1 for positive 0, p1 for positive 1.
    expect(score("roc_auc", y, p1, 0)).toBeCloseTo(0.8333333333333333, 12);
    expect(score("pr_auc", y, p1, 0)).toBeCloseTo(0.9166666666666665, 12);
    expect(score("roc_auc", y, p1, 1)).toBeCloseTo(0.8333333333333334, 12);
    expect(score("pr_auc", y, p1, 1)).toBeCloseTo(0.8333333333333333, 12);
  });
});

describe("search", () => {
  const { x, y } = syntheticData(600, 30, 5);
  const candidates: Candidate[] = [
    { family: "logistic_regression", grid: {} },
    { family: "hist_forest", grid: { n_estimators: [5, 20] } },
    { family: "naive_bayes", grid: {} },
  ];

  it("scores every grid point by CV, reports each in grid order, ranks best first and refits the winner", async () => {
    const seen: CandidateResult[] = [];
    const result = await runSearch(x, y, 0, { seed: 42, folds: 3, scoring: "f1", workers: 1, candidates, onCandidate: (r) => void seen.push(r) });
    expect(seen.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    for (const r of seen) {
      expect(r.foldScores).toHaveLength(3);
      expect(r.meanScore).toBeCloseTo(r.foldScores.reduce((a, b) => a + b) / 3, 12);
      expect(r.scoring).toBe("f1");
      expect(r.fitSeconds).toBeGreaterThanOrEqual(0);
    }
    expect(result.leaderboard.map((r) => r.meanScore)).toEqual([...seen.map((r) => r.meanScore)].sort((a, b) => b - a));
    expect(result.best).toBe(result.leaderboard[0]);
    expect(result.model.family).toBe(result.best.family);
    const csv = leaderboardCsv(result.leaderboard).trim().split("\n");
    expect(csv[0]).toBe("rank,family,params,scoring,mean_score,std_score,fold_1,fold_2,fold_3,fit_seconds,onnx,note");
    expect(csv).toHaveLength(5);
  });

  it("is deterministic: the same seed gives the same scores and model bytes", async () => {
    const a = await runSearch(x, y, 0, { seed: 9, folds: 3, scoring: "f1", workers: 1, candidates });
    const b = await runSearch(x, y, 0, { seed: 9, folds: 3, scoring: "f1", workers: 1, candidates });
    expect(a.leaderboard.map((r) => r.foldScores)).toEqual(b.leaderboard.map((r) => r.foldScores));
    expect(JSON.stringify(a.model.toJSON())).toBe(JSON.stringify(b.model.toJSON()));
  });
});

describe("search protocols", () => {
  // 600 rows over 8 ternary/binary columns: many identical feature vectors
  const data = syntheticData(600, 8, 3);
  const groups = matrixGroups(data.x.values, data.x.rows, data.x.cols).group;
  const lr: Candidate[] = [{ family: "logistic_regression", grid: { C: [1] } }, { family: "hist_forest", grid: { n_estimators: [10] } }];

  it("grouped folds by default (with groups), the winner also on leaky folds; leaky reproduces the row-by-row search", async () => {
    const grouped = await runSearch(data.x, data.y, 0, { seed: 5, folds: 3, scoring: "f1", workers: 1, candidates: lr, groups, compareProtocols: true });
    expect(grouped.protocol).toBe("grouped");
    expect(grouped.protocols.grouped!.meanScore).toBe(grouped.best.meanScore);
    const leaky = await runSearch(data.x, data.y, 0, { seed: 5, folds: 3, scoring: "f1", workers: 1, candidates: lr, groups, protocol: "leaky", compareProtocols: true });
    const plain = await runSearch(data.x, data.y, 0, { seed: 5, folds: 3, scoring: "f1", workers: 1, candidates: lr });
    expect(plain.protocol).toBe("leaky");
    expect(leaky.leaderboard.map((r) => r.foldScores)).toEqual(plain.leaderboard.map((r) => r.foldScores));
    // each run's second CV of its winner is the other run's CV of that grid point
    const sameBest = grouped.best.index === leaky.best.index;
    if (sameBest) {
      expect(grouped.protocols.leaky!.foldScores).toEqual(leaky.best.foldScores);
      expect(leaky.protocols.grouped!.foldScores).toEqual(grouped.best.foldScores);
    } else {
      expect(grouped.protocols.leaky!.foldScores).toEqual(leaky.leaderboard.find((r) => r.index === grouped.best.index)!.foldScores);
    }
  });

  it("returns the winner's out-of-fold probabilities: each row scored by the fold model that did not see it", async () => {
    const result = await runSearch(data.x, data.y, 0, { seed: 5, folds: 3, scoring: "f1", workers: 1, candidates: [{ family: "logistic_regression", grid: {} }], groups });
    expect(result.oof).toHaveLength(600);
    expect(Array.from(result.oof).every((p) => p >= 0 && p <= 1)).toBe(true);
    // the fold scores are the scores of these predictions, fold by fold
    const fold = stratifiedGroupFolds(data.y, groups, 3, 5);
    for (let f = 0; f < 3; f++) {
      const rows = Array.from({ length: 600 }, (_, i) => i).filter((i) => fold[i] === f);
      const s = score("f1", Uint8Array.from(rows, (i) => data.y[i]), Float64Array.from(rows, (i) => result.oof[i]), 0);
      expect(s).toBe(result.best.foldScores[f]);
    }
  });
});

describe("search.workers", () => {
  it("means what predict --workers means: auto (the default) = one per core, 0 = no worker threads, n = n", () => {
    const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
    expect(defaultWorkerCount()).toBe(cores);
    expect(defaultWorkerCount("auto")).toBe(cores);
    expect(defaultWorkerCount(0)).toBe(0);
    expect(defaultWorkerCount(3)).toBe(3);
    const file = (workers: string) => `name: t\nseed: 1\nsearch:\n${workers}  candidates:\n    - family: logistic_regression\n      grid: {}\n`;
    expect(parseExperiment(file(""), "t.yaml").search.workers).toBe("auto");
    expect(parseExperiment(file("  workers: 0\n"), "t.yaml").search.workers).toBe(0);
    expect(() => parseExperiment(file("  workers: many\n"), "t.yaml")).toThrow(/workers/);
  });
});
