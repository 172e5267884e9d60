/**
 * Results that show themselves. A session step returns an immutable result whose
 * `[Symbol.for("Jupyter.display")]()` the Deno kernel calls when it is a cell's last value: a
 * self-contained `text/html` (tables, and figures with plotly.js inlined once per kernel, so it
 * works in classic Notebook, JupyterLab without extensions, VS Code and nbconvert), `text/plain`
 * (terminals, logs) and `application/json` (its key numbers). A result that is one figure also
 * carries the Plotly bundle (VS Code draws it natively). Tables are nodejs-polars DataFrames
 * (`result.table`), shown by their first rows.
 */
import pl from "nodejs-polars";
import { platform } from "../runtime/index.ts";
import type { PlotlyFigure } from "../viz/figure.ts";
import { describeFigure, plotlyPreamble, type MimeBundle } from "../viz/display.ts";
import { figureHtml } from "../viz/html.ts";
import { html, raw, type Markup } from "../viz/markup.ts";

export type DataFrame = ReturnType<typeof pl.DataFrame>;

/** What a result shows, in order. */
export type Part =
  | { kind: "lines"; lines: (string | Markup)[] }
  | { kind: "table"; title: string; frame: DataFrame; limit?: number }
  | { kind: "figure"; figure: PlotlyFigure };

export const lines = (...items: (string | Markup | false | undefined)[]): Part => ({ kind: "lines", lines: items.filter((l): l is string | Markup => Boolean(l)) });
export const table = (title: string, frame: DataFrame, limit = 20): Part => ({ kind: "table", title, frame, limit });
export const figure = (f: PlotlyFigure): Part => ({ kind: "figure", figure: f });

/** Records as a DataFrame (columns in the order of the first record's keys, then any new ones). */
export function frameOf(records: readonly Record<string, unknown>[], columns?: readonly string[]): DataFrame {
  const names = columns ?? [...new Set(records.flatMap((r) => Object.keys(r)))];
  if (records.length === 0) return pl.DataFrame(Object.fromEntries(names.map((n) => [n, [] as string[]])));
  const series = names.map((name) => {
    const values = records.map((r) => r[name] ?? null);
    const kinds = new Set(values.filter((v) => v !== null).map((v) => typeof v));
    if (kinds.size === 1 && kinds.has("number")) return pl.Series(name, values as (number | null)[], pl.Float64);
    if (kinds.size === 1 && kinds.has("boolean")) return pl.Series(name, values as (boolean | null)[], pl.Bool);
    return pl.Series(name, values.map((v) => (v === null ? null : typeof v === "object" ? JSON.stringify(v) : String(v))), pl.Utf8);
  });
  return pl.DataFrame(series);
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isInteger(value) ? value.toLocaleString("en-US").replace(/,/g, value >= 1e4 || value <= -1e4 ? "," : "") : Number(value.toPrecision(5)).toString();
  if (typeof value === "bigint") return value.toString();
  return String(value);
}

function tableMarkup(part: Extract<Part, { kind: "table" }>): Markup {
  const limit = part.limit ?? 20;
  const head = part.frame.head(limit);
  const records = head.toRecords() as Record<string, unknown>[];
  const columns = part.frame.columns;
  const more = part.frame.height > limit ? html`<p class="netsec-note">${part.frame.height.toLocaleString("en-US")} rows × ${columns.length} columns; the first ${limit} shown (the whole table is <code>.table</code>, a polars DataFrame)</p>` : "";
  // numbers right-aligned (digits line up), text left
  const numeric = new Set(columns.filter((c) => records.length > 0 && records.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === "number" || typeof r[c] === "bigint")));
  const cls = (c: string) => (numeric.has(c) ? "num" : "");
  return html`<h4>${part.title}</h4><div class="netsec-scroll"><table class="netsec-table"><thead><tr>${columns.map((c) => html`<th class="${cls(c)}">${c}</th>`)}</tr></thead><tbody>${
    records.map((r) => html`<tr>${columns.map((c) => html`<td class="${cls(c)}">${cellText(r[c])}</td>`)}</tr>`)
  }</tbody></table></div>${more}`;
}

// Table selectors outrank JupyterLab's and nbconvert's `:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td`
// (right-aligns every cell): text left, numbers right.
const STYLE = `.netsec-result{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;font-size:13px;max-width:100%}
.netsec-result h3{margin:.2em 0 .4em;font-size:15px}.netsec-result h4{margin:.8em 0 .3em;font-size:13px}
.netsec-result p{margin:.25em 0}.netsec-result .netsec-note{color:#666;font-size:12px}
.netsec-scroll{overflow-x:auto;max-width:100%}.netsec-table{border-collapse:collapse;font-size:12px}
.netsec-result table.netsec-table th,.netsec-result table.netsec-table td{border:1px solid #ddd;padding:2px 6px;text-align:left;white-space:nowrap}
.netsec-result table.netsec-table th{background:#f5f5f5}.netsec-result table.netsec-table .num{text-align:right;font-variant-numeric:tabular-nums}`;

/** A result a notebook cell shows by ending with it. */
export abstract class Shown {
  /** One line: what this is. */
  abstract readonly title: string;
  /** What it shows, in order. */
  protected abstract parts(): Part[];
  /** Its key numbers (the application/json part). */
  abstract toJSON(): unknown;

  /** The MIME bundle (what the kernel sends). */
  async bundle(): Promise<MimeBundle> {
    const parts = this.parts();
    const figures = parts.filter((p): p is Extract<Part, { kind: "figure" }> => p.kind === "figure");
    // In a kernel plotly.js goes out first as an output of its own (~2.6 MB): a cell's result that
    // large can reach a headless client after the kernel said the cell was done, and be lost.
    let preamble = figures.length ? await plotlyPreamble() : "";
    if (preamble && (await platform.jupyterDisplay({ "text/html": preamble, "text/plain": "(plotly.js, inlined once for the figures of this notebook)" }))) preamble = "";
    const body = parts.map((p) => {
      if (p.kind === "lines") return html`${p.lines.map((l) => html`<p>${l}</p>`)}`;
      if (p.kind === "table") return tableMarkup(p);
      // a figure wider than a narrow window (fixed-width layouts) scrolls instead of being cut off
      return html`<div class="netsec-scroll">${raw(figureHtml(p.figure))}</div>`;
    });
    const page = html`<div class="netsec-result"><style>${raw(STYLE)}</style>${raw(preamble)}<h3>${this.title}</h3>${body}</div>`;
    const bundle: MimeBundle = { "text/html": page.toString(), "text/plain": this.toString(), "application/json": JSON.parse(JSON.stringify(this.toJSON() ?? null)) };
    const only = figures.length === 1 && parts.every((p) => p.kind !== "table") ? figures[0].figure : undefined;
    if (only) bundle["application/vnd.plotly.v1+json"] = { data: only.data, layout: only.layout };
    return bundle;
  }

  /**
   * What the kernel calls for a cell's last value. The result goes out as display_data (and the
   * kernel's execute_result is left empty): the Deno kernel can publish a cell's execute_result
   * after its "idle" status, and headless clients (nbclient, CI) stop listening there and lose it;
   * a display_data followed by a short pause is sent before the cell ends. (Returning undefined
   * would send no execute_result from a synchronous method, but from an async one Deno 2.9.6 sends
   * an execute_result without a `data` field, which nbclient fails on: KeyError 'data'.)
   */
  async [Symbol.for("Jupyter.display")](): Promise<MimeBundle> {
    return await this.kernelBundle();
  }

  /** What the display symbol returns: `{}` once the bundle went out as display_data (in a kernel), else the bundle. */
  async kernelBundle(): Promise<MimeBundle> {
    const bundle = await this.bundle();
    return (await platform.jupyterDisplay(bundle)) ? {} : bundle;
  }

  /** Show it now (for a result that is not the cell's last value); outside a kernel, print its text. */
  async show(): Promise<void> {
    if (!(await platform.jupyterDisplay(await this.bundle()))) platform.stdoutWrite(`${this.toString()}\n`);
  }

  toString(): string {
    const out = [this.title];
    for (const p of this.parts()) {
      if (p.kind === "lines") out.push(...p.lines.map((l) => l.toString().replace(/<[^>]+>/g, "")));
      else if (p.kind === "table") out.push(`${p.title}:`, p.frame.head(p.limit ?? 20).toString());
      else out.push(describeFigure(p.figure));
    }
    return out.join("\n");
  }
}

/** One figure as a result (a learning curve, a drift chart of one's own). */
export class FigureResult extends Shown {
  constructor(readonly figure: PlotlyFigure, readonly note?: string) {
    super();
  }

  get title(): string {
    return this.figure.layout.title?.text ?? "figure";
  }

  protected parts(): Part[] {
    return [...(this.note ? [lines(this.note)] : []), figure(this.figure)];
  }

  toJSON(): unknown {
    return { title: this.title, traces: this.figure.data.length };
  }
}

/** A polars DataFrame as a result: its first rows as a table (what `show(df)` gives). */
export class TableResult extends Shown {
  constructor(readonly table: DataFrame, readonly title = "Table", readonly limit = 20) {
    super();
  }

  protected parts(): Part[] {
    return [table(`${this.table.height.toLocaleString("en-US")} rows × ${this.table.width} columns`, this.table, this.limit)];
  }

  toJSON(): unknown {
    return { rows: this.table.height, columns: this.table.columns };
  }
}

/**
 * Anything a notebook computed, as a result that shows itself: a polars DataFrame (its first
 * `limit` rows, as every result's tables) or a Plotly figure (e.g. from the figure functions).
 */
export function show(value: DataFrame | PlotlyFigure, title?: string, limit = 20): Shown {
  if ("layout" in value && Array.isArray(value.data)) return new FigureResult(title ? { ...value, layout: { ...value.layout, title: { text: title } } } : value);
  return new TableResult(value as DataFrame, title, limit);
}
