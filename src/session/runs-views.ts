/**
 * The runs side by side (`lab.runs()`), two runs compared (`lab.compare(a, b)`), the rows the
 * model gets wrong (`lab.mistakes()`) and what `lab.gc()` removed — each a result that shows itself.
 */
import type { RunRow } from "../tracking/runs.ts";
import { runTableCells } from "../tracking/runs.ts";
import { baseLayout, COLORS, round, type PlotlyFigure } from "../viz/figure.ts";
import type { GcOutcome } from "../report/gc.ts";
import { figure, frameOf, lines, Shown, table, type DataFrame, type Part } from "./show.ts";

const f4 = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "n/a" : v.toFixed(4));

export class RunsResult extends Shown {
  /** One row per run: time, run folder, data digest, best family and params, CV and test F1, pushed, version, status, where it is recorded. */
  readonly table: DataFrame;

  constructor(readonly rows: RunRow[], readonly sources: string[]) {
    super();
    this.table = frameOf(rows.map((r) => ({ ...runTableCells(r), cv: r.cvScore ?? null, "test f1": r.testF1 ?? null, run: r.runDir ?? "", id: r.id })), ["time", "run", "data", "family", "params", "cv", "test f1", "pushed", "version", "status", "where", "id"]);
  }

  get title(): string {
    return `Runs: ${this.rows.length} (${this.sources.join("; ")})`;
  }

  protected parts(): Part[] {
    const parts: Part[] = [table("Runs, newest first", this.table)];
    const scored = this.rows.filter((r) => r.cvScore !== undefined || r.testF1 !== undefined).slice(0, 40).reverse();
    if (scored.length) parts.push(figure(runsFigure(scored)));
    return parts;
  }

  toJSON(): unknown {
    return this.rows.map((r) => ({ id: r.id, time: r.time, runDir: r.runDir, family: r.family, cv: r.cvScore, testF1: r.testF1, pushed: r.pushed, version: r.modelVersion, where: r.where }));
  }
}

/** CV and test F1 of each run, oldest to newest (pushed runs marked). */
export function runsFigure(rows: readonly RunRow[], title = "CV and test F1 by run"): PlotlyFigure {
  const x = rows.map((r) => r.time.replace("T", " ").slice(0, 19));
  const text = rows.map((r) => `${r.family ?? ""} ${Object.entries(r.params).filter(([k]) => k !== "seed").map(([k, v]) => `${k}=${v}`).join(" ")}`);
  return {
    data: [
      { type: "scatter", mode: "lines+markers", name: "CV (grouped)", x, y: rows.map((r) => (r.cvScore === undefined ? null : round(r.cvScore, 4))), text, marker: { color: COLORS.train } },
      { type: "scatter", mode: "lines+markers", name: "test F1", x, y: rows.map((r) => (r.testF1 === undefined ? null : round(r.testF1, 4))), text, marker: { color: COLORS.test, symbol: rows.map((r) => (r.pushed ? "star" : "circle")), size: rows.map((r) => (r.pushed ? 12 : 7)) } },
    ],
    layout: baseLayout(title, { xaxis: { title: { text: "run" }, type: "category", automargin: true }, yaxis: { title: { text: "score" } }, hovermode: "x unified" }),
  };
}

export interface ComparedRun {
  run: string;
  data?: string;
  family?: string;
  params?: Record<string, unknown>;
  cvGrouped?: number;
  cvLeaky?: number;
  threshold?: number;
  test?: Record<string, number>;
  pushed?: boolean;
  version?: number;
}

export class CompareResult extends Shown {
  /** The two runs side by side, one row per property. */
  readonly table: DataFrame;
  /** The test rows (of the second run) where the two models decide differently. */
  readonly disagreements: DataFrame;

  constructor(readonly a: ComparedRun, readonly b: ComparedRun, disagreements: Record<string, unknown>[], readonly scored: { rows: number; pa: Float64Array; pb: Float64Array; agree: Uint8Array }) {
    super();
    const metrics = [...new Set([...Object.keys(a.test ?? {}), ...Object.keys(b.test ?? {})])];
    const row = (property: string, va: unknown, vb: unknown) => ({ property, a: va === undefined ? "" : typeof va === "number" ? f4(va) : typeof va === "object" ? JSON.stringify(va) : String(va), b: vb === undefined ? "" : typeof vb === "number" ? f4(vb) : typeof vb === "object" ? JSON.stringify(vb) : String(vb), same: JSON.stringify(va) === JSON.stringify(vb) ? "" : "≠" });
    this.table = frameOf([
      row("run", a.run, b.run),
      row("data", a.data, b.data),
      row("family", a.family, b.family),
      row("params", a.params, b.params),
      row("CV (grouped)", a.cvGrouped, b.cvGrouped),
      row("CV (leaky)", a.cvLeaky, b.cvLeaky),
      row("threshold", a.threshold, b.threshold),
      ...metrics.map((m) => row(`test ${m}`, a.test?.[m], b.test?.[m])),
      row("pushed", a.pushed, b.pushed),
      row("version", a.version, b.version),
    ], ["property", "a", "b", "same"]);
    this.disagreements = frameOf(disagreements, disagreements.length ? undefined : ["source row", "label", "a", "b", "P(a)", "P(b)"]);
  }

  get title(): string {
    return `Compare: a = ${this.a.run}, b = ${this.b.run}; they disagree on ${this.disagreements.height.toLocaleString("en-US")} of ${this.scored.rows.toLocaleString("en-US")} test rows of b`;
  }

  protected parts(): Part[] {
    const { pa, pb, agree } = this.scored;
    const point = (keep: number) => {
      const xs: number[] = [], ys: number[] = [];
      for (let i = 0; i < pa.length; i++) if (agree[i] === keep) xs.push(round(pa[i], 4)), ys.push(round(pb[i], 4));
      return { xs, ys };
    };
    const same = point(1), differ = point(0);
    return [
      table("Side by side", this.table, 40),
      table("Rows where their predictions disagree", this.disagreements),
      figure({
        data: [
          { type: "scattergl", mode: "markers", name: "same prediction", x: same.xs, y: same.ys, marker: { color: COLORS.neutral, size: 4, opacity: 0.4 } },
          { type: "scattergl", mode: "markers", name: "different prediction", x: differ.xs, y: differ.ys, marker: { color: COLORS.bad, size: 6 } },
        ],
        layout: baseLayout("P(positive) of each test row: run a against run b", { xaxis: { title: { text: "run a" }, range: [0, 1] }, yaxis: { title: { text: "run b" }, range: [0, 1] } }),
      }),
    ];
  }

  toJSON(): unknown {
    return { a: this.a, b: this.b, disagree: this.disagreements.height, of: this.scored.rows };
  }
}

export class MistakesResult extends Shown {
  constructor(readonly table: DataFrame, readonly of: number, readonly threshold: number, readonly note: string) {
    super();
  }

  get title(): string {
    return `Mistakes: ${this.table.height.toLocaleString("en-US")} of ${this.of.toLocaleString("en-US")} test rows wrong at threshold ${f4(this.threshold)}`;
  }

  protected parts(): Part[] {
    return [lines(this.note), table("Wrong rows, most confident first", this.table)];
  }

  toJSON(): unknown {
    return { wrong: this.table.height, of: this.of, threshold: this.threshold };
  }
}

export class GcResult extends Shown {
  readonly table: DataFrame;

  constructor(readonly outcome: GcOutcome) {
    super();
    this.table = frameOf([...outcome.removed.map((run) => ({ run, action: "removed", why: "" })), ...outcome.kept.map((k) => ({ run: k.run, action: "kept", why: k.why }))], ["run", "action", "why"]);
  }

  get title(): string {
    return `gc: removed ${this.outcome.removed.length} run folder(s) (${(this.outcome.bytes / 2 ** 20).toFixed(1)} MB), kept ${this.outcome.kept.length}${this.outcome.dryRun ? " (dry run: nothing removed)" : ""}`;
  }

  protected parts(): Part[] {
    return [table("Run folders", this.table, 40)];
  }

  toJSON(): unknown {
    return this.outcome;
  }
}
