/** Feature importances as horizontal bars, largest on top. */
import { baseLayout, COLORS, round, type PlotlyFigure } from "./figure.ts";

export function importanceFigure(names: readonly string[], importances: ArrayLike<number>, options: { top?: number; title?: string } = {}): PlotlyFigure {
  if (names.length !== importances.length) {
    throw new RangeError(`importanceFigure: ${names.length} names but ${importances.length} importances`);
  }
  const pairs = names.map((name, i) => ({ name, value: importances[i] })).sort((a, b) => b.value - a.value);
  const shown = pairs.slice(0, options.top ?? pairs.length).reverse();
  return {
    data: [{
      type: "bar",
      orientation: "h",
      name: "importance",
      x: shown.map((p) => round(p.value)),
      y: shown.map((p) => p.name),
      marker: { color: COLORS.train },
    }],
    layout: baseLayout(options.title ?? "Feature importance", {
      xaxis: { title: { text: "importance (sums to 1)" } },
      yaxis: { type: "category", automargin: true },
      height: Math.max(300, 22 * shown.length + 100),
      showlegend: false,
    }),
  };
}
