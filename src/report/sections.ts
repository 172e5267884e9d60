/**
 * The sections of a run report (pure: RunData in, HTML fragments and figures out): data, contract,
 * drift, model search, evaluation. A section whose inputs are missing says so instead of failing.
 */
import type { Schema } from "../schema.ts";
import { getColumn, selectColumns } from "../data/frame.ts";
import type { PlotlyFigure } from "../viz/figure.ts";
import { escapeHtml } from "../viz/html.ts";
import { classBalanceFigure } from "../viz/class-balance.ts";
import { distributionFigure } from "../viz/distributions.ts";
import { driftFigure } from "../viz/drift.ts";
import { cvScoresFigure } from "../viz/cv-scores.ts";
import { confusionFigure } from "../viz/confusion.ts";
import { prFigure, rocFigure, thresholdFigure, bestF1Threshold } from "../viz/curves.ts";
import { importanceFigure } from "../viz/importance.ts";
import { findConfusion, findDrift, findImportances, findMetricSets, findPr, findRoc, type Json } from "./find.ts";
import { jsonHtml, recordsTable } from "./json-html.ts";
import type { RunData } from "./load.ts";
import { type Block, duplicateBlocks, explanationBlocks, protocolBlocks, thresholdBlocks } from "./insights.ts";

export type { Block };

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

const html = (text: string): Block => ({ html: text });
const fig = (figure: PlotlyFigure): Block => ({ figure });
const missing = (what: string): Block => html(`<p class="missing">Not available: ${escapeHtml(what)}.</p>`);
/** "confusion.new.roc" → "new": the part of a JSON path that names the model. */
const seriesName = (path: string, fallback: string) =>
  path.replace(/\[\d+\]/g, "").split(".").filter((p) => p && !/^(metrics|confusion|roc|pr|curves?|points|matrix|evaluation)$/i.test(p)).join(" ") || fallback;

export function classLabels(schema: Schema): string[] {
  return [0, 1].map((i) => schema.labelOf(schema.targetValue(i)));
}

function dataSection(data: RunData, schema: Schema): Section {
  const blocks: Block[] = [];
  if (data.ingestion !== undefined) blocks.push(html(jsonHtml(data.ingestion)));
  if (data.train && data.test) {
    const target = schema.target.name;
    const splits = [{ name: "train", frame: data.train }, { name: "test", frame: data.test }].map(({ name, frame }) => {
      const counts: Record<string, number> = {};
      if (frame.columns.includes(target)) {
        for (const v of getColumn(frame, target)) {
          const label = Number.isNaN(v) ? "missing" : schema.labelOf(v);
          counts[label] = (counts[label] ?? 0) + 1;
        }
      }
      return { name, counts };
    });
    blocks.push(fig(classBalanceFigure(splits)));
    const features = schema.featureNames.filter((f) => data.train!.columns.includes(f) && data.test!.columns.includes(f));
    blocks.push(fig(distributionFigure(selectColumns(data.train, features), selectColumns(data.test, features))));
  } else blocks.push(missing("train/test rows (data_ingestion or data_validation)"));
  return { id: "data", title: "Data", blocks };
}

function contractSection(data: RunData): Section {
  if (data.contract === undefined) return { id: "contract", title: "Data contract", blocks: [missing("data_validation/contract.json")] };
  return { id: "contract", title: "Data contract", blocks: [...duplicateBlocks(data.contract), html(`<h3>contract.json</h3>${jsonHtml(data.contract)}`)] };
}

function driftSection(data: RunData): Section {
  const sets = findDrift(data.drift);
  if (sets.length === 0) return { id: "drift", title: "Drift", blocks: [missing("data_validation/drift_report/report.json")] };
  const blocks: Block[] = [];
  for (const { path, value } of sets) {
    const name = value.base && value.current ? `${value.base} vs ${value.current}` : path || "drift";
    const threshold = value.threshold ?? 0.05;
    const drifted = value.columns.filter((c) => c.drift_status).map((c) => c.column);
    blocks.push(html(`<h3>${escapeHtml(name)}</h3><p>${drifted.length} of ${value.columns.length} columns drifted (p &lt; ${threshold})${drifted.length ? `: ${escapeHtml(drifted.join(", "))}` : ""}.</p>`));
    const plotted = value.columns.filter((c) => c.p_value !== null).map((c) => ({ ...c, p_value: c.p_value as number }));
    if (plotted.length) blocks.push(fig(driftFigure(plotted, threshold, `Drift p-values: ${name}`)));
  }
  return { id: "drift", title: "Drift", blocks };
}

function searchSection(data: RunData, scoring: string): Section {
  if (!data.leaderboard?.length) return { id: "search", title: "Model search", blocks: [missing("model_trainer/leaderboard.csv")] };
  const rows = data.leaderboard;
  const table = recordsTable(
    rows.slice(0, 20).map((r) => ({
      rank: r.rank,
      family: r.family,
      params: JSON.stringify(r.params),
      [`mean ${scoring}`]: Number.isFinite(r.meanScore) ? Number(r.meanScore.toFixed(5)) : undefined,
      std: r.stdScore !== undefined && Number.isFinite(r.stdScore) ? Number(r.stdScore.toFixed(5)) : undefined,
      folds: r.foldScores?.map((s) => s.toFixed(4)).join(" "),
      "fit s": r.fitSeconds !== undefined ? Number(r.fitSeconds.toFixed(3)) : undefined,
    })),
    ["rank", "family", "params", `mean ${scoring}`, "std", "folds", "fit s"],
  );
  return {
    id: "search",
    title: "Model search",
    blocks: [fig(cvScoresFigure(rows.filter((r) => Number.isFinite(r.meanScore)), scoring)), html(table + (rows.length > 20 ? `<p class="note">${rows.length - 20} more candidates in leaderboard.csv</p>` : "")), ...protocolBlocks(data.search, scoring)],
  };
}

/** Share of positives among the test rows (metrics.json test.support): the PR curve's no-skill line. */
export function testPrevalence(metrics: Json | undefined): number | undefined {
  const support = metrics && typeof metrics === "object" && !Array.isArray(metrics) ? (metrics.test as { support?: { positive?: number; negative?: number } } | undefined)?.support : undefined;
  const p = support?.positive, n = support?.negative;
  return typeof p === "number" && typeof n === "number" && p + n > 0 ? p / (p + n) : undefined;
}

function evaluationSection(data: RunData, schema: Schema): Section {
  const blocks: Block[] = [];
  const labels = classLabels(schema);
  const sources: Json[] = [data.metrics, data.confusion].filter((v): v is Json => v !== undefined);
  const all = { metrics: data.metrics ?? null, confusion: data.confusion ?? null } as Json;
  const metricKeys = new Set<string>();
  const metricSets = findMetricSets({ metrics: data.metrics ?? null, comparison: data.comparison ?? null } as Json)
    .map((m) => ({ path: seriesName(m.path.replace(/\bcomparison\b/, ""), "model"), value: m.value }))
    .filter((m) => !metricKeys.has(JSON.stringify(m.value)) && Boolean(metricKeys.add(JSON.stringify(m.value))));
  if (metricSets.length) {
    const keys = [...new Set(metricSets.flatMap((m) => Object.keys(m.value)))];
    blocks.push(html(recordsTable(keys.map((k) => {
      const row: Record<string, string | number | undefined> = { metric: k };
      for (const m of metricSets) row[m.path] = m.value[k] === undefined ? undefined : Number(m.value[k].toPrecision(6));
      return row;
    }), ["metric", ...metricSets.map((m) => m.path)])));
  } else blocks.push(missing("model_evaluation/metrics.json"));
  const seen = new Set<string>();
  const confusions = findConfusion(all, labels, (v) => schema.labelOf(v)).filter((c) => !seen.has(JSON.stringify(c.value)) && seen.add(JSON.stringify(c.value)));
  for (const c of confusions) blocks.push(fig(confusionFigure(c.value, `Confusion matrix: ${seriesName(c.path, "new model")}`)));
  const dedupe = <T>(items: { path: string; value: T }[]) => {
    const keys = new Set<string>();
    return items.filter((i) => {
      const k = JSON.stringify(i.value);
      return !keys.has(k) && Boolean(keys.add(k));
    });
  };
  const rocs = dedupe(findRoc(all));
  if (rocs.length) blocks.push(fig(rocFigure(rocs.map((r) => ({ name: seriesName(r.path, "new model"), ...r.value })))));
  const prs = dedupe(findPr(all));
  if (prs.length) {
    blocks.push(fig(prFigure(prs.map((p) => ({ name: seriesName(p.path, "new model"), ...p.value })), testPrevalence(data.metrics))));
    const first = prs[0].value;
    const chosen = thresholdBlocks(data.threshold, first, schema.labelOf(schema.target.positive));
    if (chosen.length) blocks.push(...chosen);
    else if (first.thresholds.length) {
      const best = bestF1Threshold(first);
      blocks.push(html(`<p>Best F1 on the test set at threshold ${best.threshold.toFixed(3)}: F1 ${best.f1.toFixed(4)} (precision ${best.precision.toFixed(4)}, recall ${best.recall.toFixed(4)}).</p>`));
      blocks.push(fig(thresholdFigure(first, best.threshold)));
    }
  }
  if (sources.length && !rocs.length && !prs.length && !confusions.length) blocks.push(missing("ROC/PR points and confusion matrix in model_evaluation"));
  const importances = findImportances({ metrics: data.metrics ?? null, model: data.model ?? null } as Json, schema.featureNames);
  if (importances.length) blocks.push(fig(importanceFigure(importances[0].value.names, importances[0].value.values, { top: 30 })));
  blocks.push(...explanationBlocks(data.explanations));
  if (data.comparison !== undefined) blocks.push(html(`<h3>Comparison with the pushed model</h3>${jsonHtml(data.comparison)}`));
  return { id: "evaluation", title: "Evaluation", blocks };
}

export function buildSections(data: RunData, schema: Schema, scoring = "f1"): Section[] {
  return [dataSection(data, schema), contractSection(data), driftSection(data), searchSection(data, scoring), evaluationSection(data, schema)];
}
