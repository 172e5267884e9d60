/** Learning curve: train and validation score against training-set size, with ±1 std bands. */
import { baseLayout, COLORS, round, type PlotlyFigure, type PlotlyTrace } from "./figure.ts";

export interface LearningPoint {
  trainSize: number;
  trainScores: readonly number[];
  validScores: readonly number[];
}

function meanStd(values: readonly number[]): [number, number] {
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length);
  return [mean, Math.sqrt(variance)];
}

export function learningCurveFigure(points: readonly LearningPoint[], scoring = "f1", title = "Learning curve"): PlotlyFigure {
  const x = points.map((p) => p.trainSize);
  const data: PlotlyTrace[] = [];
  for (const [key, name, color] of [["trainScores", "train", COLORS.train], ["validScores", "validation", COLORS.test]] as const) {
    const stats = points.map((p) => meanStd(p[key]));
    const mean = stats.map(([m]) => round(m));
    const upper = stats.map(([m, s]) => round(m + s));
    const lower = stats.map(([m, s]) => round(m - s));
    data.push(
      { type: "scatter", mode: "lines", name: `${name} +1 std`, x, y: upper, line: { width: 0, color }, showlegend: false, hoverinfo: "skip" },
      { type: "scatter", mode: "lines", name: `${name} -1 std`, x, y: lower, line: { width: 0, color }, fill: "tonexty", opacity: 0.2, showlegend: false, hoverinfo: "skip" },
      { type: "scatter", mode: "lines+markers", name, x, y: mean, line: { color } },
    );
  }
  return {
    data,
    layout: baseLayout(title, { xaxis: { title: { text: "training rows" } }, yaxis: { title: { text: scoring } } }),
  };
}
