/**
 * Drift per column as −log10(p-value): the taller the bar, the stronger the evidence of drift.
 * The threshold is a dashed line at −log10(threshold); drifted columns are drawn red. p = 0
 * (underflow) is drawn at the cap and labelled. Hover shows the p-value itself.
 */
import { baseLayout, COLORS, round, type PlotlyFigure } from "./figure.ts";

export interface DriftColumn {
  column: string;
  /** The p-value the drift decision used (the seed's `p_value`). */
  p_value: number;
  drift_status: boolean;
  ks_statistic?: number;
  chi2_p_value?: number;
}

/** Highest bar drawn: −log10(p) above this (or p = 0) is shown at the cap. */
export const SCORE_CAP = 50;

/** −log10(p), capped. */
export function driftScore(p: number): number {
  return p <= 0 ? SCORE_CAP : Math.min(SCORE_CAP, round(-Math.log10(p), 4));
}

export function driftFigure(columns: readonly DriftColumn[], threshold = 0.05, title = "Drift per column"): PlotlyFigure {
  const y = columns.map((c) => driftScore(c.p_value));
  const line = round(-Math.log10(threshold), 4);
  return {
    data: [
      {
        type: "bar",
        name: "−log10 p-value",
        x: columns.map((c) => c.column),
        y,
        text: y.map((v) => (v >= SCORE_CAP ? `≥${SCORE_CAP}` : "")),
        textposition: "outside",
        marker: { color: columns.map((c) => (c.drift_status ? COLORS.bad : COLORS.ok)) },
        customdata: columns.map((c) => [c.p_value, c.drift_status ? "drift" : "no drift", c.ks_statistic ?? null]),
        hovertemplate: "%{x}<br>p = %{customdata[0]:.3g}<br>%{customdata[1]}<br>KS D = %{customdata[2]}<extra></extra>",
      },
      {
        type: "scatter",
        mode: "lines",
        name: `threshold p = ${threshold}`,
        x: [columns[0]?.column ?? "", columns[columns.length - 1]?.column ?? ""],
        y: [line, line],
        line: { color: COLORS.bad, dash: "dash" },
      },
    ],
    layout: baseLayout(title, {
      xaxis: { type: "category", tickangle: -60, automargin: true },
      yaxis: { title: { text: "−log10 p-value (higher = more drift)" }, rangemode: "tozero" },
      // the legend sits above the plot, clear of the rotated column names under it
      legend: { orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom" },
      margin: { l: 60, r: 20, t: 80, b: 140 },
    }),
  };
}

/** The columns of a drift comparison (validation's report), ready to plot; columns without a p-value (an empty sample) are left out. */
export function driftColumnsOf(comparison: { columns: Record<string, { p_value: number | null; drift_status: boolean; ks_statistic: number | null; chi2_p_value: number | null }> }): DriftColumn[] {
  return Object.entries(comparison.columns)
    .filter(([, c]) => c.p_value !== null)
    .map(([column, c]) => ({ column, p_value: c.p_value as number, drift_status: c.drift_status, ks_statistic: c.ks_statistic ?? undefined, chi2_p_value: c.chi2_p_value ?? undefined }));
}
