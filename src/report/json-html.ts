/** Rows as a readable HTML table (pure; escaped by the html builder). Columns come in the order given. */
import { html, join, type Markup } from "../viz/markup.ts";
import { personCsv, type PersonValue } from "../data/csv-write.ts";

/** A cell: text, a number (shown with at most 6 significant digits), markup, or nothing (an empty cell, never "null"). */
export type Cell = string | number | Markup | null | undefined;

export function cellMarkup(value: Cell): Markup | string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") return Number.isNaN(value) ? "n/a" : Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  return value;
}

/** A table from a header and rows of cells (arrays: the order is the one written). */
export function rowsTable(columns: readonly string[], rows: readonly (readonly Cell[])[], className?: string): Markup {
  return html`<table${className ? html` class="${className}"` : ""}><thead><tr>${join(columns.map((c) => html`<th>${c}</th>`))}</tr></thead><tbody>${
    join(rows.map((r) => html`<tr>${join(r.map((v) => html`<td>${cellMarkup(v)}</td>`))}</tr>`))
  }</tbody></table>`;
}

/** A table of records, columns in the order of `columns` (not of the records' keys). */
export function recordsTable(records: readonly Record<string, Cell>[], columns: readonly string[]): Markup {
  return rowsTable(columns, records.map((r) => columns.map((c) => r[c])));
}

/** Name/value pairs as a two-column table, in the order given. */
export function pairsTable(pairs: readonly (readonly [string, Cell])[]): Markup {
  return html`<table class="kv"><tbody>${join(pairs.map(([k, v]) => html`<tr><th>${k}</th><td>${cellMarkup(v)}</td></tr>`))}</tbody></table>`;
}

/** Model parameters as `name=value, …` (not JSON). */
export function paramsText(params: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null);
  return entries.length ? entries.map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`).join(", ") : "defaults";
}

/**
 * A link that downloads rows as a CSV file (a data: URL inside the report, so it works offline),
 * written by the one CSV writer for people: a cell a spreadsheet would run as a formula (= + - @,
 * tab, CR) is neutralised.
 */
export function csvDownload(fileName: string, label: string, columns: readonly string[], rows: readonly (readonly PersonValue[])[]): Markup {
  const href = `data:text/csv;charset=utf-8,${encodeURIComponent(personCsv(columns, rows))}`;
  return html`<a class="download" download="${fileName}" href="${href}">${label}</a>`;
}
