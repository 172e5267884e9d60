/**
 * Drift p-values per column (log scale) with the threshold as a line: a column drifts when its
 * p-value falls below it. Drifted columns are drawn red.
 */
import { baseLayout, COLORS, type PlotlyFigure } from "./figure.ts";

export interface DriftColumn {
  column: string;
  /** The p-value the drift decision used (the seed's `p_value`). */
  p_value: number;
  drift_status: boolean;
  ks_statistic?: number;
  chi2_p_value?: number;
}

/** Smallest p-value drawn: a log axis cannot show 0. */
export const P_VALUE_FLOOR = 1e-300;

export function driftFigure(columns: readonly DriftColumn[], threshold = 0.05, title = "Drift: p-value per column"): PlotlyFigure {
  const y = columns.map((c) => Math.max(c.p_value, P_VALUE_FLOOR));
  return {
    data: [
      {
        type: "bar",
        name: "p-value",
        x: columns.map((c) => c.column),
        y,
        marker: { color: columns.map((c) => (c.drift_status ? COLORS.bad : COLORS.ok)) },
        customdata: columns.map((c) => [c.drift_status ? "drift" : "no drift", c.ks_statistic ?? null]),
        hovertemplate: "%{x}<br>p = %{y:.3g}<br>%{customdata[0]}<br>KS D = %{customdata[1]}<extra></extra>",
      },
      {
        type: "scatter",
        mode: "lines",
        name: `threshold ${threshold}`,
        x: [columns[0]?.column ?? "", columns[columns.length - 1]?.column ?? ""],
        y: [threshold, threshold],
        line: { color: COLORS.bad, dash: "dash" },
      },
    ],
    layout: baseLayout(title, {
      xaxis: { type: "category", tickangle: -60, automargin: true },
      yaxis: { type: "log", title: { text: "p-value (log)" } },
      margin: { l: 60, r: 20, t: 50, b: 140 },
    }),
  };
}
