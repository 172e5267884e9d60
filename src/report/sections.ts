/**
 * The sections of a run report (pure: a typed RunRecord in, HTML fragments and figures out): data,
 * contract, drift, model search, evaluation. A section whose stage is missing says so instead of
 * failing.
 */
import type { Schema } from "../schema.ts";
import type { PlotlyFigure } from "../viz/figure.ts";
import { escapeHtml } from "../viz/html.ts";
import { classBalanceFigure } from "../viz/class-balance.ts";
import { distributionFigure } from "../viz/distributions.ts";
import { driftColumnsOf, driftFigure } from "../viz/drift.ts";
import { cvScoresFigure } from "../viz/cv-scores.ts";
import { confusionFigure } from "../viz/confusion.ts";
import { prFigure, rocFigure } from "../viz/curves.ts";
import { calibrationFigure } from "../viz/calibration.ts";
import { importanceFigure } from "../viz/importance.ts";
import { recordsTable } from "./json-html.ts";
import type { RunRecord } from "./record.ts";
import { type Block, contractBlocks, duplicateBlocks, explanationBlocks, protocolBlocks, thresholdBlocks } from "./insights.ts";

export type { Block };

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

const html = (text: string): Block => ({ html: text });
const fig = (figure: PlotlyFigure): Block => ({ figure });
const missing = (what: string): Block => html(`<p class="missing">Not available: ${escapeHtml(what)}.</p>`);

export function classLabels(schema: Schema): string[] {
  return [0, 1].map((i) => schema.labelOf(schema.targetValue(i)));
}

/** Class counts keyed by label (target values → their schema.yaml names). */
export function labelCounts(schema: Schema, counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([value, n]) => [value === "invalid" ? "invalid target" : schema.labelOf(Number(value)), n]));
}

function dataSection(record: RunRecord, schema: Schema): Section {
  const blocks: Block[] = [];
  const ingestion = record.ingestion;
  if (ingestion) {
    const s = ingestion.summary;
    blocks.push(html(`<p>${s.rows.toLocaleString("en-US")} rows from ${escapeHtml(s.source)} (${s.vectors.toLocaleString("en-US")} distinct feature vectors), split ${s.train.rows.toLocaleString("en-US")} train / ${s.test.rows.toLocaleString("en-US")} test, stratified by ${escapeHtml(s.stratifiedBy ?? "nothing")}${s.groupedBy ? ", identical feature vectors kept on one side" : `, row by row (${s.sharedVectors} vectors on both sides)`}; seed ${s.seed}.${s.readerProblems ? ` ${s.readerProblems} values could not be read as numbers (validation decided what to do with their rows).` : ""}</p>`));
  }
  const contract = record.validation?.contract;
  if (contract) {
    blocks.push(fig(classBalanceFigure([
      { name: "train", counts: labelCounts(schema, contract.train.classes) },
      { name: "test", counts: labelCounts(schema, contract.test.classes) },
    ])));
    if (contract.profile) blocks.push(fig(distributionFigure(contract.profile.train, contract.profile.test, { columns: schema.featureNames })));
  } else if (!ingestion) blocks.push(missing("data_ingestion and data_validation"));
  return { id: "data", title: "Data", blocks };
}

function contractSection(record: RunRecord, schema: Schema): Section {
  const contract = record.validation?.contract;
  if (!contract) return { id: "contract", title: "Data contract", blocks: [missing("data_validation/contract.json")] };
  return { id: "contract", title: "Data contract", blocks: [...contractBlocks(contract, schema), ...duplicateBlocks(contract, schema)] };
}

function driftSection(record: RunRecord): Section {
  const drift = record.validation?.drift;
  if (!drift) return { id: "drift", title: "Drift", blocks: [missing("data_validation/drift_report/report.json")] };
  const blocks: Block[] = [];
  for (const comparison of [drift.trainTest, ...(drift.reference ? [drift.reference] : [])]) {
    const name = `${comparison.base} vs ${comparison.current}`;
    const columns = driftColumnsOf(comparison);
    blocks.push(html(`<h3>${escapeHtml(name)}</h3><p>${comparison.drifted.length} of ${columns.length} columns drifted (KS p &lt; ${comparison.threshold})${comparison.drifted.length ? `: ${escapeHtml(comparison.drifted.join(", "))}` : ""}.</p>`));
    if (columns.length) blocks.push(fig(driftFigure(columns, comparison.threshold, `Drift p-values: ${name}`)));
  }
  return { id: "drift", title: "Drift", blocks };
}

function searchSection(record: RunRecord): Section {
  const search = record.trainer?.search;
  if (!search) return { id: "search", title: "Model search", blocks: [missing("model_trainer")] };
  const rows = search.leaderboard;
  const scoring = search.best.scoring;
  const table = recordsTable(
    rows.slice(0, 20).map((r, i) => ({
      rank: i + 1,
      family: r.family,
      params: JSON.stringify(r.params),
      [`mean ${scoring}`]: Number.isFinite(r.meanScore) ? Number(r.meanScore.toFixed(5)) : undefined,
      std: Number.isFinite(r.stdScore) ? Number(r.stdScore.toFixed(5)) : undefined,
      folds: r.foldScores.map((s) => s.toFixed(4)).join(" "),
      "fit s": Number(r.fitSeconds.toFixed(3)),
    })),
    ["rank", "family", "params", `mean ${scoring}`, "std", "folds", "fit s"],
  );
  return {
    id: "search",
    title: "Model search",
    blocks: [fig(cvScoresFigure(rows.filter((r) => Number.isFinite(r.meanScore)), scoring)), html(table + (rows.length > 20 ? `<p class="note">${rows.length - 20} more candidates in leaderboard.csv</p>` : "")), ...protocolBlocks(search)],
  };
}

const metricRow = (name: string, values: Record<string, number | undefined>) => ({ metric: name, ...Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === undefined ? undefined : Number(v.toPrecision(6))])) });

function evaluationSection(record: RunRecord, schema: Schema): Section {
  const evaluation = record.evaluation;
  if (!evaluation) return { id: "evaluation", title: "Evaluation", blocks: [missing("model_evaluation")] };
  const blocks: Block[] = [];
  const labels = classLabels(schema);
  const current = evaluation.current;
  const currentName = current ? `pushed v${current.version} (${current.family})` : undefined;
  const names = Object.keys(evaluation.scalars);
  blocks.push(html(recordsTable(
    names.map((k) => metricRow(k, { "new model (test)": evaluation.scalars[k], "new model (train)": (evaluation.trainMetrics as unknown as Record<string, number>)[k], ...(currentName ? { [currentName]: current!.metrics[k] } : {}) })),
    ["metric", "new model (test)", "new model (train)", ...(currentName ? [currentName] : [])],
  )));
  blocks.push(fig(confusionFigure({ labels, matrix: evaluation.metrics.confusion.matrix }, "Confusion matrix: new model (test rows)")));
  if (evaluation.currentConfusion) blocks.push(fig(confusionFigure({ labels, matrix: evaluation.currentConfusion.matrix }, `Confusion matrix: ${currentName ?? "pushed model"} (compared rows)`)));
  const { roc, pr } = evaluation.curves;
  blocks.push(fig(rocFigure([{ name: "new model", ...roc, auc: evaluation.scalars.roc_auc }])));
  const support = evaluation.metrics.support;
  blocks.push(fig(prFigure([{ name: "new model", ...pr, ap: evaluation.scalars.pr_auc }], support.positive / Math.max(1, support.positive + support.negative))));
  if (evaluation.calibration) blocks.push(fig(calibrationFigure(evaluation.calibration)));
  if (record.trainer) blocks.push(...thresholdBlocks(record.trainer, pr, schema.labelOf(schema.target.positive)));
  if (evaluation.importances?.length === schema.featureNames.length) blocks.push(fig(importanceFigure(schema.featureNames, evaluation.importances, { top: 30 })));
  if (evaluation.explanations) blocks.push(...explanationBlocks(evaluation.explanations));
  const decision = evaluation.decision;
  const comparedOn = evaluation.comparedOn;
  blocks.push(html(`<h3>Comparison with the pushed model</h3><p>${current ? `${escapeHtml(comparedOn?.reason ?? "")}.` : escapeHtml(evaluation.currentNote ?? "No model was pushed before this run.")}</p><p>Decision: <b>${decision.push ? "push" : "do not push"}</b> — ${escapeHtml(decision.reasons.join("; "))}.</p>${
    recordsTable(decision.gates.map((g) => ({ gate: g.name, passed: g.passed ? "yes" : "no", value: Number(g.value.toFixed(4)), limit: g.limit })), ["gate", "passed", "value", "limit"])
  }`));
  return { id: "evaluation", title: "Evaluation", blocks };
}

export function buildSections(record: RunRecord, schema: Schema): Section[] {
  return [dataSection(record, schema), contractSection(record, schema), driftSection(record), searchSection(record), evaluationSection(record, schema)];
}
