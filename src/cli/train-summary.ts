/**
 * What `netsec train` prints on stdout when it is done: one plain summary a person reads — the
 * model and its parameters, its cross-validated score, its test F1 at the chosen threshold, pushed
 * or not and why, the run folder and the report. Progress and warnings went to stderr as they came.
 */
import type { PipelineResult } from "../pipeline.ts";
import { decisionText } from "../stages/gates.ts";

export interface TrainSummaryInput {
  result: PipelineResult;
  /** The run's report.html, or why it was not written. */
  report: { file: string } | { error: string };
  /** Model folder the push went to (or would have). */
  modelDir: string;
}

const f4 = (v: number) => v.toFixed(4);

/** The experiment's scoring as people write it. */
const SCORING_NAMES: Record<string, string> = { f1: "F1", f1_macro: "macro F1", accuracy: "accuracy", roc_auc: "ROC AUC", pr_auc: "PR AUC", precision: "precision", recall: "recall" };

function paramsText(params: Record<string, unknown>): string {
  const entries = Object.entries(params);
  return entries.length ? entries.map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(", ") : "defaults";
}

/** The summary's lines (each ends with "\n"). */
export function trainSummaryText({ result, report, modelDir }: TrainSummaryInput): string {
  const lines: [string, string][] = [];
  const { trainer, evaluation, push, summary } = result;
  if (trainer && evaluation && push) {
    const best = trainer.search.best;
    const scoring = SCORING_NAMES[result.experiment.search.scoring] ?? result.experiment.search.scoring;
    const grouped = trainer.search.protocols.grouped;
    const leaky = trainer.search.protocols.leaky;
    lines.push(["model", `${best.family} (${paramsText(best.params)})`]);
    const cv = grouped ?? { meanScore: best.meanScore, stdScore: best.stdScore, foldScores: [] };
    const folds = cv.foldScores.length ? `${cv.foldScores.length} ${grouped ? "grouped " : ""}folds` : "cross-validated";
    lines.push([`CV ${scoring}`, `${f4(cv.meanScore)} ± ${f4(cv.stdScore)} (${folds}${grouped && leaky ? `; ${f4(leaky.meanScore)} with rows dealt one by one` : ""})`]);
    const m = evaluation.metrics;
    lines.push(["test F1", `${f4(evaluation.scalars.f1)} at threshold ${f4(evaluation.threshold)} (${m.support.positive + m.support.negative} test rows; precision ${f4(m.precision)}, recall ${f4(m.recall)})`]);
    const why = decisionText(push.decision, "--force");
    lines.push(["pushed", push.pushed ? `yes, version ${push.version} in ${push.modelDir}: ${why}` : `no, ${modelDir} unchanged: ${why}`]);
  }
  lines.push(["run folder", summary.runDir]);
  lines.push(["report", "file" in report ? report.file : `not written (${report.error})`]);
  if (summary.warnings.length) lines.push(["warnings", `${summary.warnings.length} (printed above on stderr; also in the report)`]);
  const width = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join("");
}
