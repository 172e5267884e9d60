/**
 * Report blocks for the numbers that keep a run honest (pure): duplicate feature vectors and
 * conflicting labels (contract.json), the winner's CV score with grouped and with leaky folds
 * (search.json), the decision threshold (threshold.json) and the explanations' global summary
 * (explanations.json). Each returns nothing when its file lacks the fields (older runs).
 */
import type { PlotlyFigure } from "../viz/figure.ts";
import { escapeHtml } from "../viz/html.ts";
import { thresholdFigure } from "../viz/curves.ts";
import { beeswarmFigure, contributionBarFigure } from "../viz/explanations.ts";
import { recordsTable } from "./json-html.ts";
import type { Json } from "./find.ts";

/** Either HTML or a figure, in reading order. */
export type Block = { html: string } | { figure: PlotlyFigure };

type Obj = { [key: string]: Json };
const obj = (v: Json | undefined): Obj | undefined => (v && typeof v === "object" && !Array.isArray(v) ? v : undefined);
const num = (v: Json | undefined): number | undefined => (typeof v === "number" ? v : undefined);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const f4 = (v: number | undefined) => (v === undefined ? "n/a" : v.toFixed(4));
const numbers = (v: Json | undefined): number[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === "number") ? (v as number[]) : undefined);

export function duplicateBlocks(contract: Json | undefined): Block[] {
  const c = obj(contract);
  const d = obj(c?.duplicates);
  const v = obj(d?.vectors);
  if (!c || !d || !v) return [];
  const across = obj(d.acrossSplits);
  const rows = num(d.rows) ?? 0;
  const blocks: Block[] = [{
    html: `<h3>Duplicates</h3><p>${rows} valid rows hold <b>${num(v.distinct)}</b> distinct feature vectors: ${num(v.repeatedRows)} rows (${pct(num(v.repeatedShare) ?? 0)}) share their vector with another row, the largest group has ${num(v.largestGroup)} rows, and ${num(d.duplicates)} rows repeat an earlier row exactly (label included). ${
      across && (num(across.vectors) ?? 0) > 0
        ? `<b>${num(across.vectors)} vectors are in both train and test</b> (${num(across.testRows)} test rows): the test score is optimistic (split.group_duplicates: true keeps them apart).`
        : "No feature vector is in both train and test."
    }</p>`,
  }];
  const k = obj(c.conflicts);
  if (k) {
    const groups = num(k.groups) ?? 0;
    const what = k.policy === "keep" ? "kept (and counted in training and test)" : k.policy === "drop" ? `dropped: ${num(k.dropped)} rows moved to invalid/` : `relabelled to the group's majority (${num(k.relabelled)} rows); groups without a majority dropped (${num(k.dropped)} rows)`;
    blocks.push({ html: `<h3>Conflicting labels</h3><p>${groups} feature vectors carry both labels (${num(k.rows)} rows): no model can get all of them right. Policy <code>validation.conflicts: ${escapeHtml(String(k.policy))}</code>: ${groups ? what : "nothing to do"}.</p>` });
    const listed = Array.isArray(k.listed) ? k.listed.map(obj).filter((g): g is Obj => g !== undefined) : [];
    if (listed.length) {
      blocks.push({
        html: recordsTable(listed.slice(0, 20).map((g) => {
          const members = Array.isArray(g.members) ? g.members.map(obj).filter((m): m is Obj => m !== undefined) : [];
          const labels = obj(g.labels) ?? {};
          return {
            rows: num(g.rows),
            labels: Object.entries(labels).map(([value, n]) => `${value} ×${n}`).join(", "),
            resolution: String(g.resolution ?? ""),
            "where (split row: label)": members.slice(0, 8).map((m) => `${m.split} ${m.row}: ${m.label}`).join("; ") + (members.length > 8 ? "; …" : ""),
          };
        }), ["rows", "labels", "resolution", "where (split row: label)"]) + (listed.length > 20 || k.truncated ? `<p class="note">${groups - Math.min(20, listed.length)} more groups in contract.json</p>` : ""),
      });
    }
  }
  return blocks;
}

export function protocolBlocks(search: Json | undefined, scoring: string): Block[] {
  const p = obj(obj(search)?.protocols);
  if (!p) return [];
  const grouped = obj(p.grouped), leaky = obj(p.leaky);
  const used = String(obj(search)?.protocol ?? "grouped");
  const row = (name: string, s: Obj | undefined) => ({ folds: name + (name === used ? " (ranked the search)" : ""), [`mean ${scoring}`]: s ? Number(f4(num(s.meanScore))) : undefined, std: s ? Number(f4(num(s.stdScore))) : undefined, "per fold": numbers(s?.foldScores)?.map((x) => x.toFixed(4)).join(" ") });
  const gap = grouped && leaky ? (num(leaky.meanScore) ?? 0) - (num(grouped.meanScore) ?? 0) : undefined;
  return [{
    html: `<h3>Grouped and leaky cross-validation of the winner</h3><p>Grouped folds keep identical feature vectors in one fold; leaky folds deal rows one by one (the seed's protocol), so copies of a validation row sit in the training folds.${gap !== undefined ? ` The leaky score is <b>${gap >= 0 ? "+" : ""}${gap.toFixed(4)}</b> higher: that much of it is memorised duplicates, not skill.` : ""}</p>${
      recordsTable([row("grouped", grouped), row("leaky", leaky)], ["folds", `mean ${scoring}`, "std", "per fold"])
    }`,
  }];
}

interface Curve {
  precision: number[];
  recall: number[];
  thresholds: number[];
}

function curveOf(v: Json | undefined): Curve | undefined {
  const o = obj(v);
  const precision = numbers(o?.precision), recall = numbers(o?.recall), thresholds = numbers(o?.thresholds);
  return precision && recall && thresholds ? { precision, recall, thresholds } : undefined;
}

/** The decision threshold on the test curve (and on the out-of-fold curve it was chosen on). */
export function thresholdBlocks(threshold: Json | undefined, testCurve: Curve | undefined, positiveLabel: string): Block[] {
  const t = obj(threshold);
  const value = num(t?.threshold);
  if (!t || value === undefined) return [];
  const blocks: Block[] = [{
    html: `<h3>Decision threshold</h3><p>A row is predicted ${escapeHtml(positiveLabel)} when P(${escapeHtml(positiveLabel)}) ≥ <b>${value.toFixed(4)}</b>, chosen by <i>${escapeHtml(String(t.rule))}</i>${t.met === false ? " (not attainable: the closest threshold)" : ""} on ${escapeHtml(String(t.on ?? "out-of-fold predictions"))}: precision ${f4(num(t.precision))}, recall ${f4(num(t.recall))}, F1 ${f4(num(t.f1))}. The test metrics above are at this threshold; <code>netsec predict --threshold</code> and <code>/predict?threshold=</code> override it.</p>`,
  }];
  if (testCurve?.thresholds.length) blocks.push({ figure: thresholdFigure(testCurve, value, "Test precision, recall and F1 against the threshold (dashed: the model's)") });
  const oof = curveOf(t.oofPr);
  if (oof?.thresholds.length) blocks.push({ figure: thresholdFigure(oof, value, "Out-of-fold precision, recall and F1 (where the threshold was chosen)") });
  return blocks;
}

export function explanationBlocks(explanations: Json | undefined): Block[] {
  const e = obj(explanations);
  const features = Array.isArray(e?.features) ? (e!.features as Json[]).map(String) : undefined;
  const meanAbs = numbers(e?.meanAbs);
  if (!e || !features || !meanAbs) return [];
  const rows = (v: Json | undefined) => (Array.isArray(v) ? v.map((r) => numbers(r) ?? []) : []);
  const input = { features, meanAbs, output: String(e.output), values: rows(e.values), contributions: rows(e.contributions) };
  return [
    { html: `<h3>Why the model decides</h3><p>Per-prediction contributions (${e.family === "logistic_regression" ? "exact linear terms" : "TreeSHAP"}) of ${num(e.rows)} of the ${num(e.of)} test rows, in the ${escapeHtml(input.output)}: each row's base (${f4(num(e.base))}) plus its contributions is its output. <code>netsec predict --explain</code> and <code>/predict?explain=true</code> give them for any row.</p>` },
    { figure: contributionBarFigure(input) },
    { figure: beeswarmFigure(input) },
  ];
}
