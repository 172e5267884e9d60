/**
 * Per-column value distributions, train vs test: one small bar chart per column (shares of each
 * value), laid out on a grid of subplots. The contract's columns take few values ({-1, 0, 1}),
 * so bars of value shares say more than histograms.
 */
import type { Frame } from "../data/frame.ts";
import { baseLayout, COLORS, round, type PlotlyFigure, type PlotlyTrace } from "./figure.ts";

/** Value → count of one column (NaN counted under "missing"), keys sorted numerically. */
export function valueCounts(frame: Frame, column: string): Map<string, number> {
  const c = frame.columns.indexOf(column);
  if (c < 0) throw new RangeError(`no column "${column}" (columns: ${frame.columns.join(", ")})`);
  const width = frame.columns.length;
  const counts = new Map<number, number>();
  let missing = 0;
  for (let r = 0; r < frame.rows; r++) {
    const v = frame.values[r * width + c];
    if (Number.isNaN(v)) missing++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const out = new Map<string, number>();
  for (const v of [...counts.keys()].sort((a, b) => a - b)) out.set(String(v), counts.get(v)!);
  if (missing) out.set("missing", missing);
  return out;
}

export interface DistributionOptions {
  /** Columns to show (default: every column of `train`). */
  columns?: readonly string[];
  /** Subplots per row (default 5). */
  perRow?: number;
  title?: string;
}

function axisName(kind: "x" | "y", index: number): string {
  return index === 0 ? kind : `${kind}${index + 1}`;
}

export function distributionFigure(train: Frame, test: Frame, options: DistributionOptions = {}): PlotlyFigure {
  const columns = options.columns ?? train.columns;
  const perRow = Math.max(1, Math.min(options.perRow ?? 5, columns.length));
  const rows = Math.ceil(columns.length / perRow);
  const data: PlotlyTrace[] = [];
  const layoutAxes: Record<string, { title?: { text: string }; type?: string; range?: number[]; showticklabels?: boolean }> = {};
  const annotations: { text: string; xref: string; yref: string; x: number; y: number; showarrow: boolean; xanchor: string; yanchor: string; font: { size: number } }[] = [];
  columns.forEach((column, i) => {
    const trainCounts = valueCounts(train, column);
    const testCounts = valueCounts(test, column);
    const keys = [...new Set([...trainCounts.keys(), ...testCounts.keys()])];
    const share = (counts: Map<string, number>, total: number) => keys.map((k) => (total ? round((counts.get(k) ?? 0) / total, 4) : 0));
    const xa = axisName("x", i);
    const ya = axisName("y", i);
    data.push(
      { type: "bar", name: "train", legendgroup: "train", showlegend: i === 0, x: keys, y: share(trainCounts, train.rows), xaxis: xa, yaxis: ya, marker: { color: COLORS.train } },
      { type: "bar", name: "test", legendgroup: "test", showlegend: i === 0, x: keys, y: share(testCounts, test.rows), xaxis: xa, yaxis: ya, marker: { color: COLORS.test } },
    );
    layoutAxes[xa.replace("x", "xaxis")] = { type: "category" };
    layoutAxes[ya.replace("y", "yaxis")] = { range: [0, 1], showticklabels: i % perRow === 0 };
    annotations.push({
      text: column,
      xref: `${xa} domain`,
      yref: `${ya} domain`,
      x: 0.5,
      y: 1.02,
      showarrow: false,
      xanchor: "center",
      yanchor: "bottom",
      font: { size: 10 },
    });
  });
  return {
    data,
    layout: baseLayout(options.title ?? "Value shares per column: train vs test", {
      barmode: "group",
      grid: { rows, columns: perRow, pattern: "independent", ygap: 0.5, xgap: 0.15 },
      height: Math.max(300, 160 * rows + 80),
      annotations,
      ...layoutAxes,
    }),
  };
}
