/**
 * Plotly figure JSON: the plain data every `src/viz` function returns. Kept as data (no plotly.js
 * import) so figures can be tested as values, sent to a notebook as
 * `application/vnd.plotly.v1+json`, or inlined in an HTML report.
 */
export type PlotlyValue = string | number | boolean | null | PlotlyValue[] | { [key: string]: PlotlyValue | undefined };

/** One trace: `type` is a plotly trace type (bar, scatter, heatmap, box …). */
export interface PlotlyTrace {
  type: string;
  name?: string;
  x?: PlotlyValue[];
  y?: PlotlyValue[];
  z?: PlotlyValue[][];
  xaxis?: string;
  yaxis?: string;
  [key: string]: PlotlyValue | undefined;
}

export interface PlotlyLayout {
  title?: { text: string };
  [key: string]: PlotlyValue | undefined;
}

export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout: PlotlyLayout;
}

/** Colours used across figures so "train" and "test" (or "new" and "pushed") look the same everywhere. */
export const COLORS = {
  train: "#1f77b4",
  test: "#ff7f0e",
  ok: "#2ca02c",
  bad: "#d62728",
  neutral: "#7f7f7f",
  series: ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"],
} as const;

/** The layout keys every figure shares. */
export function baseLayout(title: string, extra: PlotlyLayout = {}): PlotlyLayout {
  return {
    title: { text: title },
    margin: { l: 60, r: 20, t: 50, b: 50 },
    legend: { orientation: "h", y: -0.2 },
    ...extra,
  };
}

/** Round for display so figure JSON stays small and stable (no 17-digit floats). */
export function round(value: number, digits = 6): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * Indices of the points of a curve worth drawing: above `keepAll` points, a point is dropped when
 * it is within `step` (in the units of the [0, 1] axes) of the last kept one on every series; the
 * first and last points are always kept. A 1,800-point ROC curve keeps its shape with a few
 * hundred points, and the report stays small and quick to draw.
 */
export function thinCurve(series: readonly (readonly number[])[], options: { keepAll?: number; step?: number } = {}): number[] {
  const n = Math.min(...series.map((s) => s.length));
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= (options.keepAll ?? 400)) return all;
  const step = options.step ?? 0.002;
  const kept = [0];
  for (let i = 1; i < n - 1; i++) {
    const last = kept[kept.length - 1];
    if (series.some((s) => Math.abs(s[i] - s[last]) > step)) kept.push(i);
  }
  kept.push(n - 1);
  return kept;
}
