/** Confusion matrix as an annotated heatmap: rows = true class, columns = predicted (sklearn order). */
import { baseLayout, type PlotlyFigure } from "./figure.ts";

export interface ConfusionInput {
  /** Class names in matrix order, e.g. ["phishing", "legitimate"]. */
  labels: readonly string[];
  /** matrix[true][predicted] counts. */
  matrix: readonly (readonly number[])[];
}

export function confusionFigure(confusion: ConfusionInput, title = "Confusion matrix"): PlotlyFigure {
  const labels = [...confusion.labels];
  const z = confusion.matrix.map((row) => [...row]);
  const total = z.flat().reduce((a, b) => a + b, 0);
  const max = Math.max(0, ...z.flat());
  const annotations = z.flatMap((row, i) =>
    row.map((count, j) => ({
      x: labels[j],
      y: labels[i],
      text: `${count}<br>${total ? ((100 * count) / total).toFixed(1) : "0.0"}%`,
      showarrow: false,
      font: { color: count > max / 2 ? "white" : "black" },
    }))
  );
  return {
    data: [{ type: "heatmap", x: labels, y: labels, z, colorscale: [[0, "#f7fbff"], [1, "#08306b"]], zmin: 0, showscale: false, hovertemplate: "true %{y}<br>predicted %{x}<br>%{z}<extra></extra>" }],
    layout: baseLayout(title, {
      annotations,
      xaxis: { title: { text: "predicted" }, type: "category", side: "bottom" },
      yaxis: { title: { text: "true" }, type: "category", autorange: "reversed" },
      width: 460,
      height: 420,
    }),
  };
}
