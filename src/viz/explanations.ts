/**
 * The global picture of per-prediction explanations: mean |contribution| per feature (bars) and a
 * beeswarm-style plot (one dot per explained row and feature, x = its contribution, rows of dots
 * jittered vertically, colour = the feature's value), features ordered by mean |contribution|.
 */
import { baseLayout, COLORS, round, type PlotlyFigure, type PlotlyTrace } from "./figure.ts";
import { mulberry32 } from "../stats/rng.ts";

export interface ExplanationInput {
  features: readonly string[];
  meanAbs: readonly number[];
  /** What the contributions add up to, e.g. "log-odds of phishing". */
  output: string;
  /** Per explained row: feature values and contributions. */
  values?: readonly (readonly number[])[];
  contributions?: readonly (readonly number[])[];
}

/** Features by decreasing mean |contribution| (indices), the first `top`. */
function ranked(input: ExplanationInput, top: number): number[] {
  return input.features.map((_, i) => i).sort((a, b) => input.meanAbs[b] - input.meanAbs[a] || a - b).slice(0, top);
}

export function contributionBarFigure(input: ExplanationInput, options: { top?: number; title?: string } = {}): PlotlyFigure {
  const shown = ranked(input, options.top ?? 20).reverse();
  return {
    data: [{
      type: "bar",
      orientation: "h",
      name: "mean |contribution|",
      x: shown.map((i) => round(input.meanAbs[i])),
      y: shown.map((i) => input.features[i]),
      marker: { color: COLORS.train },
    }],
    layout: baseLayout(options.title ?? "Mean |contribution| per feature", {
      xaxis: { title: { text: `mean |contribution| to the ${input.output}` } },
      yaxis: { type: "category", automargin: true },
      height: Math.max(300, 22 * shown.length + 100),
      showlegend: false,
    }),
  };
}

/** Colour of a feature value: the contract's -1 / 0 / 1, anything else neutral. */
const VALUE_COLORS: Record<string, string> = { "-1": COLORS.bad, "0": COLORS.neutral, "1": COLORS.train };

export function beeswarmFigure(input: ExplanationInput, options: { top?: number; title?: string } = {}): PlotlyFigure {
  const values = input.values ?? [];
  const contributions = input.contributions ?? [];
  const shown = ranked(input, options.top ?? 15).reverse();
  const rng = mulberry32(1);
  const traces = new Map<string, { x: number[]; y: number[]; text: string[] }>();
  shown.forEach((f, level) => {
    for (let r = 0; r < contributions.length; r++) {
      const v = values[r]?.[f];
      const key = v === -1 || v === 0 || v === 1 ? String(v) : "other";
      let t = traces.get(key);
      if (!t) traces.set(key, (t = { x: [], y: [], text: [] }));
      t.x.push(round(contributions[r][f]));
      t.y.push(round(level + (rng.next() - 0.5) * 0.6, 3));
      t.text.push(`${input.features[f]} = ${v}`);
    }
  });
  const data: PlotlyTrace[] = [...traces.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, t]) => ({
    type: "scatter",
    mode: "markers",
    name: key === "other" ? "other value" : `value ${key}`,
    x: t.x,
    y: t.y,
    text: t.text,
    hoverinfo: "text+x",
    marker: { color: VALUE_COLORS[key] ?? COLORS.series[4], size: 5, opacity: 0.6 },
  }));
  return {
    data,
    layout: baseLayout(options.title ?? `Contributions of ${contributions.length} test rows`, {
      xaxis: { title: { text: `contribution to the ${input.output}`, zeroline: true } },
      yaxis: { tickmode: "array", tickvals: shown.map((_, i) => i), ticktext: shown.map((f) => input.features[f]), automargin: true, range: [-0.7, shown.length - 0.3] },
      height: Math.max(320, 26 * shown.length + 120),
    }),
  };
}
