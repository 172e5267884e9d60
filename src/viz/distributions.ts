/**
 * Per-column value distributions, train vs test: one small bar chart per column (shares of each
 * value, or of each histogram bin for columns without allowed values), laid out on a grid of
 * subplots, drawn from the splits' profiles (src/stages/profile.ts). The contract's columns take
 * few values ({-1, 0, 1}), so bars of value shares say more than histograms.
 */
import type { Frame } from "../data/frame.ts";
import type { ColumnProfile, SplitProfile } from "../stages/profile.ts";
import { baseLayout, COLORS, round, type PlotlyFigure, type PlotlyTrace } from "./figure.ts";

/** A split's profile from a frame (notebooks exploring rows of their own): value counts per column, missing apart. */
export function frameProfile(frame: Frame, columns: readonly string[] = frame.columns): SplitProfile {
  const width = frame.columns.length;
  return {
    rows: frame.rows,
    columns: columns.map((name) => {
      const c = frame.columns.indexOf(name);
      if (c < 0) throw new RangeError(`no column "${name}" (columns: ${frame.columns.join(", ")})`);
      const counts = new Map<number, number>();
      let missing = 0;
      for (let r = 0; r < frame.rows; r++) {
        const v = frame.values[r * width + c];
        if (Number.isNaN(v)) missing++;
        else counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      const bins = [...counts.keys()].sort((a, b) => a - b);
      return { name, kind: "values" as const, bins, counts: bins.map((v) => counts.get(v)!), missing };
    }),
  };
}

/** Bin label → count of one column profile ("missing" last, when any). */
function countsOf(column: ColumnProfile): Map<string, number> {
  const out = new Map<string, number>();
  column.bins.forEach((b, i) => out.set(column.kind === "values" ? String(b) : String(round(b, 4)), column.counts[i]));
  if (column.missing) out.set("missing", column.missing);
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

/** Value shares (or histogram shares) of every column, train beside test, from their profiles. */
export function distributionFigure(train: SplitProfile, test: SplitProfile, options: DistributionOptions = {}): PlotlyFigure {
  const byName = (p: SplitProfile) => new Map(p.columns.map((c) => [c.name, c]));
  const trainColumns = byName(train), testColumns = byName(test);
  const columns = (options.columns ?? train.columns.map((c) => c.name)).filter((c) => trainColumns.has(c) && testColumns.has(c));
  const perRow = Math.max(1, Math.min(options.perRow ?? 5, columns.length));
  const rows = Math.ceil(columns.length / perRow);
  const data: PlotlyTrace[] = [];
  const layoutAxes: Record<string, { title?: { text: string }; type?: string; range?: number[]; showticklabels?: boolean }> = {};
  const annotations: { text: string; xref: string; yref: string; x: number; y: number; showarrow: boolean; xanchor: string; yanchor: string; font: { size: number } }[] = [];
  columns.forEach((column, i) => {
    const trainCounts = countsOf(trainColumns.get(column)!);
    const testCounts = countsOf(testColumns.get(column)!);
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
