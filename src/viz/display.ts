/**
 * Show figures and tables in the Deno Jupyter kernel. One display bundle per figure:
 * `application/vnd.plotly.v1+json` (VS Code, JupyterLab with the plotly extension draw it),
 * `text/html` with plotly.js inlined from node_modules (classic Notebook, nbconvert HTML export,
 * JupyterLab without the extension — offline, no CDN) and `text/plain` (terminals, tests).
 *
 * plotly.js (~4.8 MB minified, ~1.9 MB gzip+base64: the kernel drops messages over ~8 MB) is inlined into
 * the first HTML output of a kernel session only; later
 * outputs reuse `window.Plotly`. Pass `{ inlinePlotly: "always" }` for outputs that must stand
 * alone (e.g. a notebook whose first plot cell is cleared).
 */
import { platform } from "../runtime/index.ts";
import type { PlotlyFigure } from "./figure.ts";
import { figureHtml, loadCompressedPlotly, plotlyCompressedScriptTag } from "./html.ts";
import { html, join } from "./markup.ts";

export type MimeBundle = Record<string, unknown>;

export interface DisplayOptions {
  /** "once" (default): plotly.js goes into the first HTML output of the session only. */
  inlinePlotly?: "once" | "always" | "never";
}

let plotlyInlined = false;

/** A one-line text description of a figure (the `text/plain` part of its bundle). */
export function describeFigure(figure: PlotlyFigure): string {
  const title = figure.layout.title?.text ?? "figure";
  const traces = figure.data.map((t) => `${t.type}${t.name ? ` "${t.name}"` : ""}`);
  const shown = traces.length > 6 ? [...traces.slice(0, 6), `… ${traces.length - 6} more`] : traces;
  return `Plotly figure "${title}": ${figure.data.length} trace(s): ${shown.join(", ")}`;
}

/**
 * The `<script>` that defines plotly.js for notebook HTML, the first time it is asked for in this
 * kernel (later outputs reuse `window.Plotly`); "" after that.
 */
export async function plotlyPreamble(mode: DisplayOptions["inlinePlotly"] = "once"): Promise<string> {
  if (mode === "never" || (mode === "once" && plotlyInlined)) return "";
  const tag = plotlyCompressedScriptTag(await loadCompressedPlotly());
  if (mode === "once") plotlyInlined = true;
  return tag;
}

/** The display bundle of a figure. */
export async function figureBundle(figure: PlotlyFigure, options: DisplayOptions = {}): Promise<MimeBundle> {
  const preamble = await plotlyPreamble(options.inlinePlotly ?? "once");
  const figureMarkup = preamble ? `${preamble}\n${figureHtml(figure)}` : figureHtml(figure);
  return {
    "application/vnd.plotly.v1+json": { data: figure.data, layout: figure.layout },
    "text/html": figureMarkup,
    "text/plain": describeFigure(figure),
  };
}

/** Send a bundle to the notebook; outside a Jupyter kernel, print its text/plain part instead. */
export async function displayBundle(bundle: MimeBundle): Promise<void> {
  if (await platform.jupyterDisplay(bundle)) return;
  const text = bundle["text/plain"];
  platform.stdoutWrite(`${typeof text === "string" ? text : JSON.stringify(text)}\n`);
}

/** Show a figure now (call once per figure: a cell only shows its last value by itself). */
export async function display(figure: PlotlyFigure, options: DisplayOptions = {}): Promise<void> {
  await displayBundle(await figureBundle(figure, options));
}

/**
 * Show a result as one JSON line (text/plain) plus `application/json`: what a notebook's last cell
 * shows for CI to check. Goes through display (not console.log) so it is not lost when the kernel
 * reports the cell idle before flushing its output (see platform.jupyterDisplay).
 */
export async function showResult(value: Record<string, unknown>): Promise<void> {
  await displayBundle({ "application/json": value, "text/plain": JSON.stringify(value) });
}

/**
 * A small table (array of records) as HTML + text. Columns: `options.columns` in that order, else
 * the keys as the records have them (JS puts integer-like keys such as "1" first: pass `columns`
 * when the order matters).
 */
export function tableBundle(records: readonly Record<string, unknown>[], options: { title?: string; limit?: number; columns?: readonly string[] } = {}): MimeBundle {
  const limit = options.limit ?? 50;
  const rows = records.slice(0, limit);
  const columns = options.columns ? [...options.columns] : [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (v === null || v === undefined ? "" : typeof v === "number" ? String(Number.isInteger(v) ? v : Number(v.toPrecision(6))) : typeof v === "object" ? JSON.stringify(v) : String(v));
  const markup = html`${options.title ? html`<p><b>${options.title}</b></p>` : ""}<table class="netsec-table"><thead><tr>${join(columns.map((c) => html`<th>${c}</th>`))}</tr></thead><tbody>${
    join(rows.map((r) => html`<tr>${join(columns.map((c) => html`<td>${cell(r[c])}</td>`))}</tr>`))
  }</tbody></table>${records.length > limit ? html`<p>${records.length - limit} more rows not shown</p>` : ""}`;
  const tableHtml = String(markup);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join("  ");
  const text = [
    ...(options.title ? [options.title] : []),
    line(columns),
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
    ...(records.length > limit ? [`… ${records.length - limit} more rows`] : []),
  ].join("\n");
  return { "text/html": tableHtml, "text/plain": text };
}

export async function displayTable(records: readonly Record<string, unknown>[], options: { title?: string; limit?: number; columns?: readonly string[] } = {}): Promise<void> {
  await displayBundle(tableBundle(records, options));
}

/** Wrap a bundle so that a cell ending with it shows it (the kernel's display symbol). */
export function displayable(bundle: MimeBundle): { [key: symbol]: () => MimeBundle } {
  return { [Symbol.for("Jupyter.display")]: () => bundle };
}
