/** leaderboard.csv: one row per grid point, best first; `onnx` says whether the family exports to ONNX. */
import type { CandidateResult } from "./types.ts";
import { onnxSupport } from "../models/onnx/export.ts";

function cell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function leaderboardCsv(rows: readonly CandidateResult[]): string {
  const folds = rows[0]?.foldScores.length ?? 0;
  const header = ["rank", "family", "params", "scoring", "mean_score", "std_score", ...Array.from({ length: folds }, (_, i) => `fold_${i + 1}`), "fit_seconds", "onnx", "note"];
  const lines = rows.map((r, i) => [
    String(i + 1),
    r.family,
    cell(JSON.stringify(r.params)),
    r.scoring,
    String(r.meanScore),
    String(r.stdScore),
    ...r.foldScores.map(String),
    r.fitSeconds.toFixed(3),
    onnxSupport(r.family).exportable ? "yes" : "no",
    cell(r.note ?? ""),
  ].join(","));
  return [header.join(","), ...lines].join("\n") + "\n";
}
