/**
 * The sections of a run report (pure: a typed RunRecord in, markup and figures out): the verdict
 * first (what was trained, how good it is, whether it was pushed and why), then data, contract,
 * drift, model search, evaluation. A section whose stage is missing says so instead of failing.
 * Class names are schema.yaml's labels; tables keep the column order written here.
 */
import type { Schema } from "../schema.ts";
import type { PlotlyFigure } from "../viz/figure.ts";
import { html, join, type Markup } from "../viz/markup.ts";
import { classBalanceFigure } from "../viz/class-balance.ts";
import { distributionFigure } from "../viz/distributions.ts";
import { driftColumnsOf, driftFigure } from "../viz/drift.ts";
import { cvScoresFigure } from "../viz/cv-scores.ts";
import { confusionFigure } from "../viz/confusion.ts";
import { prFigure, rocFigure } from "../viz/curves.ts";
import { calibrationFigure } from "../viz/calibration.ts";
import { importanceFigure } from "../viz/importance.ts";
import { type Cell, csvDownload, pairsTable, paramsText, rowsTable } from "./json-html.ts";
import type { RunRecord } from "./record.ts";
import { type Block, contractBlocks, duplicateBlocks, explanationBlocks, protocolBlocks, thresholdBlocks } from "./insights.ts";

export type { Block };

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

const block = (markup: Markup): Block => ({ html: markup });
const fig = (figure: PlotlyFigure): Block => ({ figure });
const missing = (what: string): Block => block(html`<p class="missing">Not available: ${what}.</p>`);
const n = (v: number) => v.toLocaleString("en-US");
const f4 = (v: number | undefined | null) => (v === undefined || v === null || Number.isNaN(v) ? "n/a" : v.toFixed(4));

/** How many leaderboard rows show before the rest fold into a <details>. */
const LEADERBOARD_SHOWN = 5;

export function classLabels(schema: Schema): string[] {
  return [0, 1].map((i) => schema.labelOf(schema.targetValue(i)));
}

/** Class counts keyed by label, in schema.yaml's order of the target values (not the keys' order). */
export function labelCounts(schema: Schema, counts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const value of schema.target.allowed) out[schema.labelOf(value)] = counts[String(value)] ?? 0;
  if (counts.invalid) out["invalid target"] = counts.invalid;
  return out;
}

/** The first screen: the run's verdict in a few lines. */
export function verdictSection(record: RunRecord, schema: Schema): Section {
  const evaluation = record.evaluation;
  const search = record.trainer?.search;
  const rows: [string, Cell][] = [];
  // pushed or not, and why
  let headline: Markup;
  if (record.push) {
    const reasons = record.push.reasons.join("; ");
    headline = record.push.pushed
      ? html`<p class="decision pushed"><b>Pushed</b>${record.push.version !== undefined ? ` as version ${record.push.version}` : ""}${record.push.modelDir ? html` to <code>${record.push.modelDir}</code>` : ""}: ${reasons}.</p>`
      : html`<p class="decision kept"><b>Not pushed</b>: ${reasons}.</p>`;
  } else if (evaluation) {
    headline = html`<p class="decision ${evaluation.decision.push ? "pushed" : "kept"}"><b>${evaluation.decision.push ? "Would push" : "Would not push"}</b> (the push stage did not run): ${evaluation.decision.reasons.join("; ")}.</p>`;
  } else {
    headline = html`<p class="decision kept"><b>No model evaluated</b>: the run has ${record.missing.length ? `no ${record.missing.join(", ")}` : "no evaluation"}.</p>`;
  }
  if (record.status && record.status.status !== "complete") {
    headline = html`${headline}<p class="decision kept">Run ${record.status.status}${record.status.stage ? ` in ${record.status.stage}` : ""}${record.status.reason ? `: ${record.status.reason}` : ""}.</p>`;
  }
  if (search) {
    const best = search.best;
    rows.push(["model", html`<b>${best.family}</b> (${paramsText(best.params)}), best of ${search.leaderboard.length} candidates`]);
    const grouped = search.protocols.grouped;
    const leaky = search.protocols.leaky;
    const cvText = grouped
      ? `${f4(grouped.meanScore)} ± ${f4(grouped.stdScore)} on ${grouped.foldScores.length} grouped folds${leaky ? ` (leaky folds: ${f4(leaky.meanScore)})` : ""}`
      : `${f4(best.meanScore)} ± ${f4(best.stdScore)} on ${best.foldScores.length} ${search.protocol} folds`;
    rows.push([`CV ${best.scoring}`, cvText]);
  }
  if (evaluation) {
    const s = evaluation.scalars;
    const support = evaluation.metrics.support;
    rows.push(["test F1", html`<b class="big">${f4(s.f1)}</b> at threshold ${f4(evaluation.threshold)} on ${n(support.positive + support.negative)} test rows (precision ${f4(s.precision)}, recall ${f4(s.recall)}, ROC AUC ${f4(s.roc_auc)})`]);
    const current = evaluation.current;
    if (current) {
      const d = evaluation.decisionInput;
      const on = evaluation.comparedOn;
      rows.push(["pushed model", `v${current.version} (${current.family}): ${d.scoring} ${f4(d.currentScore ?? current.metrics[d.scoring])} against this run's ${f4(d.newCompareScore ?? d.testScore)}${on ? ` on ${n(on.rows)} of ${n(on.of)} test rows` : ""}`]);
    } else {
      rows.push(["pushed model", evaluation.currentNote ?? "none before this run"]);
    }
  }
  const ingestion = record.ingestion?.summary;
  const contract = record.validation?.contract;
  if (ingestion || contract) {
    const parts: string[] = [];
    if (ingestion) parts.push(`${n(ingestion.rows)} rows from ${ingestion.source}`);
    if (contract) {
      const d = contract.duplicates;
      parts.push(`${n(d.vectors.distinct)} distinct feature vectors, ${n(d.duplicates)} exact duplicate rows, ${n(contract.conflicts.groups)} vectors with both labels`);
      if (contract.invalidRows) parts.push(`${n(contract.invalidRows)} rows broke the contract`);
    }
    if (ingestion) parts.push(`split ${n(ingestion.train.rows)} train / ${n(ingestion.test.rows)} test${ingestion.groupedBy ? " (identical vectors on one side)" : ""}`);
    rows.push(["data", parts.join("; ")]);
  }
  const warnings = [...(record.validation?.warnings ?? []), ...(evaluation?.metrics.warnings ?? []).map((w) => `evaluate: ${w}`)];
  const warningList = warnings.length
    ? html`<div class="warnings"><b>${warnings.length} warning${warnings.length === 1 ? "" : "s"}</b><ul>${join(warnings.map((w) => html`<li>${w}</li>`))}</ul></div>`
    : html`<p class="note">No warnings.</p>`;
  return { id: "verdict", title: "Verdict", blocks: [block(html`${headline}${pairsTable(rows)}${warningList}`)] };
}

function dataSection(record: RunRecord, schema: Schema): Section {
  const blocks: Block[] = [];
  const ingestion = record.ingestion;
  if (ingestion) {
    const s = ingestion.summary;
    blocks.push(block(html`<p>${n(s.rows)} rows from ${s.source} (${n(s.vectors)} distinct feature vectors), split ${n(s.train.rows)} train / ${n(s.test.rows)} test, stratified by ${s.stratifiedBy ?? "nothing"}${s.groupedBy ? ", identical feature vectors kept on one side" : `, row by row (${s.sharedVectors} vectors on both sides)`}; seed ${s.seed}.${s.readerProblems ? ` ${s.readerProblems} values could not be read as numbers (validation decided what to do with their rows).` : ""}</p>`));
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
    blocks.push(block(html`<h3>${name}</h3><p>${comparison.drifted.length} of ${columns.length} columns drifted (KS p &lt; ${comparison.threshold})${comparison.drifted.length ? `: ${comparison.drifted.join(", ")}` : ""}.</p>`));
    if (columns.length) blocks.push(fig(driftFigure(columns, comparison.threshold, `Drift p-values: ${name}`)));
  }
  return { id: "drift", title: "Drift", blocks };
}

function searchSection(record: RunRecord): Section {
  const search = record.trainer?.search;
  if (!search) return { id: "search", title: "Model search", blocks: [missing("model_trainer")] };
  const rows = search.leaderboard;
  const scoring = search.best.scoring;
  const columns = ["rank", "family", "params", `mean ${scoring}`, "std", "folds", "fit s"];
  const row = (r: (typeof rows)[number], i: number): Cell[] => [
    i + 1, r.family, paramsText(r.params),
    Number.isFinite(r.meanScore) ? f4(r.meanScore) : r.note ?? "failed",
    Number.isFinite(r.stdScore) ? f4(r.stdScore) : "",
    r.foldScores.map((s) => s.toFixed(4)).join(" "),
    r.fitSeconds.toFixed(2),
  ];
  const top = rowsTable(columns, rows.slice(0, LEADERBOARD_SHOWN).map(row));
  const rest = rows.length > LEADERBOARD_SHOWN
    ? html`<details><summary>All ${rows.length} candidates</summary>${rowsTable(columns, rows.map(row))}</details>`
    : "";
  return {
    id: "search",
    title: "Model search",
    blocks: [fig(cvScoresFigure(rows.filter((r) => Number.isFinite(r.meanScore)), scoring)), block(html`${top}${rest}<p class="note">Every candidate is in model_trainer/leaderboard.csv (${
      csvDownload("leaderboard.csv", "download this table as CSV", columns, rows.map((r, i) => [i + 1, r.family, paramsText(r.params), Number.isFinite(r.meanScore) ? r.meanScore : r.note ?? "failed", Number.isFinite(r.stdScore) ? r.stdScore : null, r.foldScores.join(" "), r.fitSeconds]))
    }).</p>`), ...protocolBlocks(search)],
  };
}

function evaluationSection(record: RunRecord, schema: Schema): Section {
  const evaluation = record.evaluation;
  if (!evaluation) return { id: "evaluation", title: "Evaluation", blocks: [missing("model_evaluation")] };
  const blocks: Block[] = [];
  const labels = classLabels(schema);
  const current = evaluation.current;
  const currentName = current ? `pushed v${current.version} (${current.family})` : undefined;
  const names = Object.keys(evaluation.scalars);
  const train = evaluation.trainMetrics as unknown as Record<string, number>;
  blocks.push(block(rowsTable(
    ["metric", "new model (test)", "new model (train)", ...(currentName ? [`${currentName} (compared rows)`] : [])],
    names.map((k): Cell[] => [metricName(k, schema), f4(evaluation.scalars[k]), f4(train[k]), ...(current ? [f4(current.metrics[k])] : [])]),
  )));
  // the matrices side by side (stacked on a narrow screen)
  const matrices = [confusionFigure({ labels, matrix: evaluation.metrics.confusion.matrix }, "Confusion matrix: new model (test rows)")];
  if (evaluation.currentConfusion) matrices.push(confusionFigure({ labels, matrix: evaluation.currentConfusion.matrix }, `Confusion matrix: ${currentName ?? "pushed model"} (compared rows)`));
  blocks.push(matrices.length > 1 ? { figures: matrices } : fig(matrices[0]));
  const { roc, pr } = evaluation.curves;
  blocks.push(fig(rocFigure([{ name: "new model", ...roc, auc: evaluation.scalars.roc_auc }])));
  const support = evaluation.metrics.support;
  blocks.push(fig(prFigure([{ name: "new model", ...pr, ap: evaluation.scalars.pr_auc }], support.positive / Math.max(1, support.positive + support.negative))));
  if (evaluation.calibration) blocks.push(fig(calibrationFigure(evaluation.calibration)));
  if (record.trainer) blocks.push(...thresholdBlocks(record.trainer, pr, schema.labelOf(schema.target.positive)));
  if (evaluation.importances?.length === schema.featureNames.length) blocks.push(fig(importanceFigure(schema.featureNames, evaluation.importances, { top: 30 })));
  if (evaluation.explanations) blocks.push(...explanationBlocks(evaluation.explanations));
  const feedback = record.feedback;
  if (feedback) {
    blocks.push(block(html`<h3>Feedback rows (held out)</h3><p>${n(feedback.rows)} rows analysts labelled in ${feedback.location} (digest ${feedback.digest}) were held out of training and scored by the new model at its threshold; ${n(feedback.trainRows)} more joined the training data.</p>${
      feedback.metrics ? rowsTable(["metric", "new model (test)", "new model (feedback rows)"], names.map((k): Cell[] => [metricName(k, schema), f4(evaluation.scalars[k]), f4(feedback.metrics![k])])) : html`<p class="missing">No held-out feedback rows to score.</p>`
    }`));
  }
  const decision = evaluation.decision;
  const comparedOn = evaluation.comparedOn;
  blocks.push(block(html`<h3>Comparison with the pushed model</h3><p>${current ? `${sentence(comparedOn?.reason ?? "compared on the test rows")}.` : evaluation.currentNote ?? "No model was pushed before this run."}</p><p>Decision: <b>${decision.push ? "push" : "do not push"}</b> — ${decision.reasons.join("; ")}.</p>${
    rowsTable(["gate", "passed", "value", "limit"], decision.gates.map((g): Cell[] => [g.name, g.passed ? "yes" : "no", f4(g.value), g.limit]))
  }`));
  return { id: "evaluation", title: "Evaluation", blocks };
}

/** Metrics of the positive class name it (precision, recall and F1 are phishing's). */
function metricName(key: string, schema: Schema): string {
  return ["precision", "recall", "f1"].includes(key) ? `${key} (${schema.labelOf(schema.target.positive)})` : key;
}

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export function buildSections(record: RunRecord, schema: Schema): Section[] {
  return [verdictSection(record, schema), dataSection(record, schema), contractSection(record, schema), driftSection(record), searchSection(record), evaluationSection(record, schema)];
}
