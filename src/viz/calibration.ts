/**
 * The reliability curve (calibration plot) of a model's probabilities on the test rows: per bin of
 * P(positive), the observed share of positives against the mean predicted probability (markers
 * sized by the rows in the bin), the diagonal of perfect calibration, Brier score and ECE in the
 * legend. Input: `calibrationSummary` of src/monitor/reference.ts (evaluate's `calibration`).
 */
import { baseLayout, COLORS, round, type PlotlyFigure } from "./figure.ts";

export interface CalibrationInput {
  brier: number;
  ece: number;
  curve: { observed: readonly number[]; predicted: readonly number[]; count: readonly number[] };
}

export function calibrationFigure(c: CalibrationInput, title = "Reliability curve (test rows)"): PlotlyFigure {
  const max = Math.max(1, ...c.curve.count);
  return {
    data: [
      {
        type: "scatter",
        mode: "lines+markers",
        name: `model (Brier ${c.brier.toFixed(4)}, ECE ${c.ece.toFixed(4)})`,
        x: c.curve.predicted.map((v) => round(v)),
        y: c.curve.observed.map((v) => round(v)),
        text: c.curve.count.map((n) => `${n} rows`),
        marker: { color: COLORS.series[0], size: c.curve.count.map((n) => round(6 + 14 * Math.sqrt(n / max), 2)) },
        line: { color: COLORS.series[0] },
      },
      { type: "scatter", mode: "lines", name: "perfectly calibrated", x: [0, 1], y: [0, 1], line: { color: COLORS.neutral, dash: "dash" } },
    ],
    layout: baseLayout(title, {
      xaxis: { title: { text: "mean predicted probability (per bin)" }, range: [0, 1] },
      yaxis: { title: { text: "observed share of positives" }, range: [0, 1.02] },
    }),
  };
}
