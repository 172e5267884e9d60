/**
 * Read the search leaderboard (`model_trainer/leaderboard.csv`): one row per grid point with the
 * family, its parameters as JSON, mean/std CV score, fit seconds and (when present) the fold
 * scores — as `fold_1 … fold_k` columns or one JSON array column. Column names are matched
 * loosely (mean_score / mean_test_score / mean …) so the report survives small format changes.
 */
import { splitCsvLine } from "../data/csv.ts";
import type { CandidateScores } from "../viz/cv-scores.ts";

export interface LeaderboardRow extends CandidateScores {
  rank: number;
  fitSeconds?: number;
  /** Every column as read, for tables. */
  raw: Record<string, string>;
}

function parseParams(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : { params: text };
  } catch {
    return { params: text };
  }
}

export function parseLeaderboard(text: string): LeaderboardRow[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length === 0) return [];
  const header = splitCsvLine(lines[0]).map((h) => h.trim());
  const find = (...patterns: RegExp[]) => {
    for (const p of patterns) {
      const i = header.findIndex((h) => p.test(h));
      if (i >= 0) return header[i];
    }
    return undefined;
  };
  const familyCol = find(/^family$/i, /model/i);
  const paramsCol = find(/^params$/i, /param/i);
  const meanCol = find(/^mean_?(test_)?score$/i, /^mean/i, /score/i);
  const stdCol = find(/^std_?(test_)?score$/i, /^std/i);
  const fitCol = find(/fit_?seconds/i, /fit_?time/i, /seconds/i);
  const rankCol = find(/^rank/i);
  const foldCols = header.filter((h) => /^(fold|split)_?\d+/i.test(h));
  const foldJsonCol = find(/^fold_?scores$/i);
  return lines.slice(1).map((line, i) => {
    const cells = splitCsvLine(line);
    const raw: Record<string, string> = {};
    header.forEach((h, j) => (raw[h] = cells[j] ?? ""));
    let foldScores: number[] | undefined;
    if (foldCols.length) foldScores = foldCols.map((c) => Number(raw[c])).filter(Number.isFinite);
    else if (foldJsonCol && raw[foldJsonCol]) {
      try {
        const v = JSON.parse(raw[foldJsonCol]);
        if (Array.isArray(v)) foldScores = v.map(Number).filter(Number.isFinite);
      } catch { /* left out */ }
    }
    const fit = fitCol ? Number(raw[fitCol]) : NaN;
    return {
      rank: rankCol ? Number(raw[rankCol]) || i + 1 : i + 1,
      family: familyCol ? raw[familyCol] : "model",
      params: parseParams(paramsCol ? raw[paramsCol] : undefined),
      foldScores,
      meanScore: meanCol ? Number(raw[meanCol]) : NaN,
      stdScore: stdCol ? Number(raw[stdCol]) : undefined,
      fitSeconds: Number.isFinite(fit) ? fit : undefined,
      raw,
    };
  });
}
