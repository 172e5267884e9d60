/** Records as a readable HTML table (pure). */
import { escapeHtml } from "../viz/html.ts";

function scalar(value: string | number | undefined): string {
  if (value === undefined) return "";
  if (typeof value === "number") return escapeHtml(Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6))));
  return escapeHtml(String(value));
}

export function recordsTable(records: readonly Record<string, string | number | undefined>[], columns: readonly string[]): string {
  return `<table><thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead><tbody>${
    records.map((r) => `<tr>${columns.map((c) => `<td>${scalar(r[c])}</td>`).join("")}</tr>`).join("")
  }</tbody></table>`;
}
