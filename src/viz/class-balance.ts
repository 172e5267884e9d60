/** Class balance: how many rows of each class every split holds (grouped bars, counts and shares). */
import { baseLayout, COLORS, round, type PlotlyFigure } from "./figure.ts";

export interface SplitCounts {
  /** e.g. "train", "test". */
  name: string;
  /** Class label → row count, e.g. `{ phishing: 3200, legitimate: 4044 }`. */
  counts: Record<string, number>;
}

export function classBalanceFigure(splits: readonly SplitCounts[], title = "Class balance"): PlotlyFigure {
  const labels: string[] = [];
  for (const split of splits) for (const label of Object.keys(split.counts)) if (!labels.includes(label)) labels.push(label);
  const data = splits.map((split, i) => {
    const total = Object.values(split.counts).reduce((a, b) => a + b, 0);
    const y = labels.map((l) => split.counts[l] ?? 0);
    return {
      type: "bar",
      name: split.name,
      x: labels,
      y,
      text: y.map((n) => `${n} (${total ? round((100 * n) / total, 1) : 0}%)`),
      textposition: "auto",
      marker: { color: split.name === "test" ? COLORS.test : split.name === "train" ? COLORS.train : COLORS.series[i % COLORS.series.length] },
    };
  });
  return {
    data,
    layout: baseLayout(title, { barmode: "group", xaxis: { title: { text: "class" } }, yaxis: { title: { text: "rows" } } }),
  };
}
