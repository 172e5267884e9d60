/**
 * Report blocks for the numbers that keep a run honest (pure, from typed results): the contract in
 * brief, duplicate feature vectors and conflicting labels, the winner's CV score with grouped and
 * with leaky folds, the decision threshold, and the explanations' global summary.
 */
import type { Schema } from "../schema.ts";
import type { PlotlyFigure } from "../viz/figure.ts";
import { html, type Markup } from "../viz/markup.ts";
import { thresholdFigure } from "../viz/curves.ts";
import { beeswarmFigure, contributionBarFigure } from "../viz/explanations.ts";
import type { ContractReport } from "../stages/validate.ts";
import type { TrainArtifacts } from "../stages/train.ts";
import type { ExplanationSummary } from "../stages/explanations.ts";
import type { SearchResult } from "../search/types.ts";
import type { PrCurve } from "../stats/metrics.ts";
import { type Cell, csvDownload, rowsTable } from "./json-html.ts";

/** Either HTML or a figure, in reading order. */
/** Markup, one figure, or figures side by side (a row on a wide screen, stacked on a narrow one). */
export type Block = { html: Markup } | { figure: PlotlyFigure } | { figures: PlotlyFigure[] };

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const f4 = (v: number | undefined | null) => (v === undefined || v === null || Number.isNaN(v) ? "n/a" : v.toFixed(4));
const n = (v: number) => v.toLocaleString("en-US");

/** The contract's counts per split, missing cells and the first problems, as tables. */
export function contractBlocks(contract: ContractReport, schema: Schema): Block[] {
  const labels = schema.target.allowed.map((v) => schema.labelOf(v));
  const split = (name: string, s: ContractReport["train"]): Cell[] => [name, s.rows, s.valid, s.invalid, s.conflictDropped, s.conflictRelabelled, ...schema.target.allowed.map((v) => s.classes[String(v)] ?? 0)];
  const blocks: Block[] = [{
    html: html`<p>${n(contract.rows)} rows checked against ${schema.source} (columns, types, allowed values): ${n(contract.invalidRows)} broke it (${pct(contract.invalidShare)}, the limit is ${pct(contract.maxInvalidShare)}) and were set aside in invalid/.</p>${
      rowsTable(["split", "rows", "valid", "invalid", "conflicts dropped", "relabelled", ...labels], [split("train", contract.train), split("test", contract.test)])
    }`,
  }];
  const missing: Cell[][] = Object.entries(contract.train.missing).map(([column, count]) => [column, count, contract.test.missing[column] ?? 0]);
  for (const [column, count] of Object.entries(contract.test.missing)) if (!(column in contract.train.missing)) missing.push([column, 0, count]);
  if (missing.length) blocks.push({ html: html`<h3>Missing values</h3>${rowsTable(["column", "train", "test"], missing)}<p class="note">Imputed by the KNN imputer fitted on the training rows.</p>` });
  if (contract.firstIssues.length) {
    const shown = contract.firstIssues.slice(0, 10);
    const columns = ["file", "row", "column", "value", "expected"];
    const issueRow = (i: (typeof shown)[number]) => [i.file, i.row, i.column, i.value, i.expected];
    blocks.push({
      html: html`<details><summary>First problems (${shown.length} of ${n(contract.invalidRows)} rows)</summary>${
        rowsTable(columns, shown.map(issueRow))
      }${csvDownload("contract-problems.csv", `Download the ${contract.firstIssues.length} problems recorded (CSV)`, columns, contract.firstIssues.map(issueRow))}</details>`,
    });
  }
  return blocks;
}

export function duplicateBlocks(contract: ContractReport, schema: Schema): Block[] {
  const d = contract.duplicates;
  const v = d.vectors;
  const across = d.acrossSplits;
  const blocks: Block[] = [{
    html: html`<h3>Duplicates</h3><p>${n(d.rows)} valid rows hold <b>${n(v.distinct)}</b> distinct feature vectors: ${n(v.repeatedRows)} rows (${pct(v.repeatedShare)}) share their vector with another row, the largest group has ${n(v.largestGroup)} rows, and ${n(d.duplicates)} rows repeat an earlier row exactly (label included). ${
      across.vectors > 0
        ? html`<b>${n(across.vectors)} vectors are in both train and test</b> (${n(across.testRows)} test rows): the test score is optimistic (split.group_duplicates: true keeps them apart).`
        : "No feature vector is in both train and test."
    }</p>`,
  }];
  const k = contract.conflicts;
  const what = k.policy === "keep" ? "kept (and counted in training and test)" : k.policy === "drop" ? `dropped: ${k.dropped} rows moved to invalid/` : `relabelled to the group's majority (${k.relabelled} rows); groups without a majority dropped (${k.dropped} rows)`;
  blocks.push({ html: html`<h3>Conflicting labels</h3><p>${k.groups} feature vectors carry both labels (${k.rows} rows): no model can get all of them right. Policy <code>validation.conflicts: ${k.policy}</code>: ${k.groups ? what : "nothing to do"}.</p>` });
  if (k.listed.length) {
    const labelsOf = (g: (typeof k.listed)[number]) => schema.target.allowed.filter((value) => g.labels[String(value)]).map((value) => `${schema.labelOf(value)} ×${g.labels[String(value)]}`).join(", ");
    const rows = k.listed.slice(0, 20).map((g): Cell[] => [
      g.rows,
      labelsOf(g),
      g.resolution,
      g.members.slice(0, 8).map((m) => `${m.split} ${m.row}: ${schema.labelOf(m.label)}`).join("; ") + (g.members.length > 8 ? "; …" : ""),
    ]);
    const columns = ["rows", "labels", "resolution", "where (split row: label)"];
    const all = k.listed.map((g) => [g.rows, labelsOf(g), g.resolution, g.members.map((m) => `${m.split} ${m.row}: ${schema.labelOf(m.label)}`).join("; ")]);
    blocks.push({ html: html`<details><summary>The ${k.groups} conflicting groups, largest first${k.groups > rows.length ? ` (${rows.length} shown)` : ""}</summary>${rowsTable(columns, rows)}${csvDownload("conflicting-groups.csv", `Download the ${k.listed.length} groups listed (CSV)`, columns, all)}</details>` });
  }
  return blocks;
}

export function protocolBlocks(search: SearchResult): Block[] {
  const { grouped, leaky } = search.protocols;
  const scoring = search.best.scoring;
  const row = (name: string, s: typeof grouped): Cell[] => [name + (name === search.protocol ? " (ranked the search)" : ""), s ? f4(s.meanScore) : "not run", s ? f4(s.stdScore) : "", s?.foldScores.map((x) => x.toFixed(4)).join(" ")];
  const gap = grouped && leaky ? leaky.meanScore - grouped.meanScore : undefined;
  return [{
    html: html`<h3>Grouped and leaky cross-validation of the winner</h3><p>Grouped folds keep identical feature vectors in one fold; leaky folds deal rows one by one (the seed's protocol), so copies of a validation row sit in the training folds.${gap !== undefined ? html` The leaky score is <b>${gap >= 0 ? "+" : ""}${gap.toFixed(4)}</b> higher: that much of it is memorised duplicates, not skill.` : ""}</p>${
      rowsTable(["folds", `mean ${scoring}`, "std", "per fold"], [row("grouped", grouped), row("leaky", leaky)])
    }`,
  }];
}

/** The decision threshold on the test curve (and on the out-of-fold curve it was chosen on). */
export function thresholdBlocks(trainer: TrainArtifacts, testCurve: PrCurve, positiveLabel: string): Block[] {
  const t = trainer.threshold;
  const blocks: Block[] = [{
    html: html`<h3>Decision threshold</h3><p>A row is predicted ${positiveLabel} when P(${positiveLabel}) ≥ <b>${t.threshold.toFixed(4)}</b>, chosen by <i>${t.rule}</i>${t.met ? "" : " (not attainable: the closest threshold)"} on the out-of-fold predictions of the training split (${trainer.search.protocol} folds): precision ${f4(t.precision)}, recall ${f4(t.recall)}, F1 ${f4(t.f1)}. The test metrics above are at this threshold; <code>netsec predict --threshold</code> and <code>/predict?threshold=</code> override it.</p>`,
  }];
  if (testCurve.thresholds.length) blocks.push({ figure: thresholdFigure(testCurve, t.threshold, "Test precision, recall and F1 against the threshold (dashed: the model's)") });
  return blocks;
}

export function explanationBlocks(e: ExplanationSummary): Block[] {
  return [
    { html: html`<h3>Why the model decides</h3><p>Per-prediction contributions (${e.family === "logistic_regression" ? "exact linear terms" : "TreeSHAP"}) of ${e.rows} of the ${e.of} test rows, in the ${e.output}: each row's base (${f4(e.base)}) plus its contributions is its output. <code>netsec predict --explain</code> and <code>/predict?explain=true</code> give them for any row.</p>` },
    { figure: contributionBarFigure(e) },
    { figure: beeswarmFigure(e) },
  ];
}
