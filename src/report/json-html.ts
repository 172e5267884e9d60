/** Plain JSON as readable HTML tables (for contract results, summaries, comparisons). Pure. */
import { escapeHtml } from "../viz/html.ts";
import type { Json } from "./find.ts";

const MAX_ROWS = 25;

function scalar(value: Json): string {
  if (value === null) return "<i>null</i>";
  if (typeof value === "number") return escapeHtml(Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6))));
  if (typeof value === "boolean") return value ? "<b>true</b>" : "false";
  return escapeHtml(String(value));
}

const isRecord = (v: Json): v is { [key: string]: Json } => typeof v === "object" && v !== null && !Array.isArray(v);

export function jsonHtml(value: Json, depth = 0): string {
  if (!isRecord(value) && !Array.isArray(value)) return scalar(value);
  if (depth >= 4) return `<code>${escapeHtml(JSON.stringify(value).slice(0, 300))}</code>`;
  if (Array.isArray(value)) {
    if (value.length === 0) return "<i>none</i>";
    if (value.every((v) => !isRecord(v) && !Array.isArray(v))) {
      const shown = value.slice(0, 50).map(scalar).join(", ");
      return value.length > 50 ? `${shown}, … (${value.length} in all)` : shown;
    }
    if (value.every(isRecord)) {
      const rows = value.slice(0, MAX_ROWS) as { [key: string]: Json }[];
      const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
      return `<table><thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead><tbody>${
        rows.map((r) => `<tr>${columns.map((c) => `<td>${r[c] === undefined ? "" : jsonHtml(r[c], depth + 1)}</td>`).join("")}</tr>`).join("")
      }</tbody></table>${value.length > MAX_ROWS ? `<p class="note">… ${value.length - MAX_ROWS} more</p>` : ""}`;
    }
    return `<ol>${value.slice(0, MAX_ROWS).map((v) => `<li>${jsonHtml(v, depth + 1)}</li>`).join("")}</ol>`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return "<i>empty</i>";
  return `<table class="kv"><tbody>${entries.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${jsonHtml(v, depth + 1)}</td></tr>`).join("")}</tbody></table>`;
}

export function recordsTable(records: readonly Record<string, string | number | undefined>[], columns: readonly string[]): string {
  return `<table><thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead><tbody>${
    records.map((r) => `<tr>${columns.map((c) => `<td>${r[c] === undefined ? "" : scalar(r[c] as Json)}</td>`).join("")}</tr>`).join("")
  }</tbody></table>`;
}
