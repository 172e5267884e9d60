/**
 * Cross-validation scores by model family: one box per family over every fold score of every
 * candidate of that family (all points shown, hover gives the parameters), so the spread between
 * folds and between grid points is visible at once.
 */
import { baseLayout, COLORS, round, type PlotlyFigure } from "./figure.ts";

export interface CandidateScores {
  family: string;
  params: Record<string, unknown>;
  /** One score per CV fold; when absent the mean score is drawn alone. */
  foldScores?: readonly number[];
  meanScore: number;
  stdScore?: number;
}

export function cvScoresFigure(candidates: readonly CandidateScores[], scoring = "f1", title = `CV ${scoring} by model family`): PlotlyFigure {
  const families = [...new Set(candidates.map((c) => c.family))];
  const data = families.map((family, i) => {
    const y: number[] = [];
    const text: string[] = [];
    for (const c of candidates.filter((c) => c.family === family)) {
      const scores = c.foldScores && c.foldScores.length ? c.foldScores : [c.meanScore];
      for (const s of scores) {
        y.push(round(s));
        text.push(JSON.stringify(c.params));
      }
    }
    return {
      type: "box",
      name: family,
      y,
      text,
      boxpoints: "all",
      jitter: 0.4,
      pointpos: 0,
      marker: { color: COLORS.series[i % COLORS.series.length] },
      hovertemplate: `${family}<br>${scoring} = %{y:.4f}<br>%{text}<extra></extra>`,
    };
  });
  const best = candidates.reduce<CandidateScores | undefined>((b, c) => (!b || c.meanScore > b.meanScore ? c : b), undefined);
  if (best) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: "best mean",
      x: [best.family],
      y: [round(best.meanScore)],
      text: [JSON.stringify(best.params)],
      marker: { color: "black", symbol: "star", size: 14 },
      hovertemplate: `best: ${best.family}<br>mean ${scoring} = %{y:.4f}<br>%{text}<extra></extra>`,
    } as unknown as (typeof data)[number]);
  }
  return { data, layout: baseLayout(title, { yaxis: { title: { text: scoring } }, xaxis: { title: { text: "family" } } }) };
}
