/**
 * A small, hand-made run folder with every stage output the report reads (synthetic rows, not the
 * dataset). Shapes follow the stage files: contract.json counts, drift report per column
 * {p_value, drift_status, ks_statistic, …}, leaderboard.csv with fold scores, metrics/confusion
 * JSON with ROC/PR points.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSchema } from "../../src/schema.ts";

function write(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

/** Deterministic pseudo-random values in {-1, 0, 1} (a tiny LCG, no dataset involved). */
function rows(n: number, columns: number, seed: number): number[][] {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, () => Array.from({ length: columns }, (_, c) => (c === columns - 1 ? (next() < 0.45 ? -1 : 1) : Math.floor(next() * 3) - 1)));
}

export interface FixtureOptions {
  /** Leave out model_trainer and model_evaluation (a run that stopped after validation). */
  dataOnly?: boolean;
}

export async function writeFixtureRun(artifacts: string, options: FixtureOptions = {}): Promise<string> {
  const schema = await loadSchema();
  const run = join(artifacts, "11_25_2026_09_30_00");
  const header = schema.columns.join(",");
  const csv = (r: number[][]) => `${header}\n${r.map((row) => row.join(",")).join("\n")}\n`;
  write(join(run, "data_ingestion/ingested/train.csv"), csv(rows(80, schema.columns.length, 7)));
  write(join(run, "data_ingestion/ingested/test.csv"), csv(rows(20, schema.columns.length, 11)));
  write(join(run, "data_ingestion/ingestion.json"), JSON.stringify({ source: "fixture.csv", rows: 100, train_rows: 80, test_rows: 20 }));
  write(join(run, "data_validation/contract.json"), JSON.stringify({
    valid: true,
    files: { train: { rows: 80, invalid_rows: 0, duplicate_rows: 3 }, test: { rows: 20, invalid_rows: 1, duplicate_rows: 0 } },
    issues: [{ code: "VALUE_NOT_ALLOWED", file: "test.csv", row: 4, column: "URL_Length", value: "7", expected: "one of -1, 0, 1" }],
    duplicates: { rows: 99, duplicates: 3, share: 0.0303, train: 3, vectors: { distinct: 91, repeatedRows: 14, repeatedShare: 0.1414, groupsRepeated: 6, largestGroup: 4 }, acrossSplits: { vectors: 0, testRows: 0 } },
    conflicts: { policy: "keep", groups: 1, rows: 3, dropped: 0, relabelled: 0, truncated: false, listed: [{ rows: 3, labels: { "-1": 1, "1": 2 }, resolution: "kept", members: [{ split: "train", row: 5, label: 1 }, { split: "train", row: 17, label: -1 }, { split: "train", row: 40, label: 1 }] }] },
  }));
  const columns: Record<string, unknown> = {};
  schema.featureNames.forEach((name, i) => {
    const p = i === 3 ? 0.0004 : i === 5 ? 0 : 0.9 - i * 0.02;
    columns[name] = { p_value: p, drift_status: p < 0.05, ks_statistic: 0.05 + i / 100, method: "exact", chi2_statistic: 1.2, chi2_p_value: p, chi2_dof: 2, n_base: 80, n_current: 20 };
  });
  write(join(run, "data_validation/drift_report/report.json"), JSON.stringify({ train_vs_test: { base: "train", current: "test", threshold: 0.05, columns, drifted: [schema.featureNames[3], schema.featureNames[5]] } }));
  if (options.dataOnly) return run;
  write(join(run, "model_trainer/leaderboard.csv"), [
    "rank,family,params,mean_score,std_score,fold_1,fold_2,fold_3,fit_seconds,scoring",
    `1,hist_gbt,"{""rounds"":100,""depth"":4}",0.95,0.01,0.94,0.95,0.96,1.5,f1`,
    `2,hist_forest,"{""trees"":64}",0.94,0.008,0.935,0.94,0.945,0.9,f1`,
    `3,hist_forest,"{""trees"":16}",0.93,0.01,0.92,0.93,0.94,0.3,f1`,
    `4,logistic_regression,{},0.91,0.004,0.905,0.91,0.915,0.1,f1`,
  ].join("\n") + "\n");
  write(join(run, "model_trainer/search.json"), JSON.stringify({
    protocol: "grouped",
    protocols: {
      grouped: { protocol: "grouped", foldScores: [0.94, 0.95, 0.96], meanScore: 0.95, stdScore: 0.008 },
      leaky: { protocol: "leaky", foldScores: [0.97, 0.975, 0.98], meanScore: 0.975, stdScore: 0.004 },
    },
  }));
  write(join(run, "model_trainer/threshold.json"), JSON.stringify({
    on: "out-of-fold predictions of the training split (grouped 3-fold CV of the winner)",
    threshold: 0.62, rule: "best F1", met: true, precision: 0.95, recall: 0.9, f1: 0.924,
    oofPr: { precision: [0.45, 0.8, 0.95, 1], recall: [1, 0.95, 0.9, 0], thresholds: [0.1, 0.5, 0.7] },
  }));
  write(join(run, "model_evaluation/explanations.json"), JSON.stringify({
    output: "log-odds of phishing", family: "hist_gbt", features: schema.featureNames, rows: 2, of: 20, base: -0.2,
    meanAbs: schema.featureNames.map((_, i) => (i === 7 ? 1.5 : 0.1 / (i + 1))),
    values: [schema.featureNames.map(() => 1), schema.featureNames.map(() => -1)],
    contributions: [schema.featureNames.map((_, i) => (i === 7 ? -1.4 : 0.01)), schema.featureNames.map((_, i) => (i === 7 ? 1.6 : -0.01))],
  }));
  const importances = Object.fromEntries(schema.featureNames.map((n, i) => [n, (i + 1) / ((schema.featureNames.length * (schema.featureNames.length + 1)) / 2)]));
  write(join(run, "model_evaluation/metrics.json"), JSON.stringify({
    new: { accuracy: 0.95, precision: 0.94, recall: 0.93, f1: 0.935, f1_macro: 0.948, roc_auc: 0.98, pr_auc: 0.97, log_loss: 0.15 },
    current: { accuracy: 0.93, precision: 0.92, recall: 0.91, f1: 0.915, f1_macro: 0.928, roc_auc: 0.97, pr_auc: 0.96, log_loss: 0.2 },
    test: { support: { positive: 9, negative: 11 } },
    feature_importances: importances,
  }));
  write(join(run, "model_evaluation/confusion.json"), JSON.stringify({
    new: {
      labels: ["phishing", "legitimate"],
      matrix: [[8, 1], [0, 11]],
      roc: { fpr: [0, 0, 0.1, 1], tpr: [0, 0.8, 1, 1], thresholds: [2, 0.9, 0.4, 0.1], auc: 0.98 },
      pr: { precision: [0.45, 0.9, 1, 1], recall: [1, 1, 0.8, 0], thresholds: [0.1, 0.4, 0.9], ap: 0.97 },
    },
  }));
  write(join(run, "model_evaluation/comparison.json"), JSON.stringify({ scoring: "f1", new: 0.935, current: 0.915, better: true, pushed: true }));
  return run;
}
