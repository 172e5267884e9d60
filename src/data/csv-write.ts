/**
 * Cells of CSV files written for people (rows refused with their reason: data_validation/invalid/,
 * `netsec predict`'s <output>.invalid.csv): quoted when they hold a comma, quote or line end, and
 * neutralised when a spreadsheet would run them as a formula — a cell that starts with = + - @,
 * tab or carriage return and is not a number gets a leading single quote (OWASP, "CSV
 * Injection"). Numbers, negative ones included (-1 is a feature value), are left as they are, so
 * a file the pipeline reads back keeps its numbers.
 *
 * Also the cells of the data files the pipeline reads back (`csvHeader`, `formatCell`): numbers in
 * their shortest exact form, the header quoted as the seed's.
 */
import { splitCsvLine } from "./csv.ts";

const FORMULA_START = /^[=+\-@\t\r]/;

/** True when `text` is a plain number (what the CSV reader would parse as one). */
function isNumber(text: string): boolean {
  return text.trim() !== "" && Number.isFinite(Number(text));
}

/** The text of a cell with a leading `'` when a spreadsheet would take it for a formula. */
export function neutraliseCell(text: string): string {
  return FORMULA_START.test(text) && !isNumber(text) ? `'${text}` : text;
}

/** A free-text cell, quoted when it holds a comma, quote or line end (not neutralised). */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A cell of a file for people: neutralised, then quoted as needed. */
export function personCell(text: string): string {
  return csvField(neutraliseCell(text));
}

/** A CSV line (as read from a file, no line end) rewritten cell by cell with `personCell`. */
export function personLine(line: string): string {
  return splitCsvLine(line).map(personCell).join(",");
}

/** Format one value for CSV output: missing → empty cell, numbers in their shortest exact form. */
export function formatCell(value: number): string {
  return Number.isNaN(value) ? "" : String(value);
}

function quoteHeader(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The header line in the seed's style (every name quoted). */
export function csvHeader(columns: readonly string[]): string {
  return columns.map(quoteHeader).join(",") + "\n";
}

/** A cell of a table written for people: text, a number, or nothing (an empty cell). */
export type PersonValue = string | number | null | undefined;

/** A whole CSV file for people (the report's downloads): header and every cell through `personCell`. */
export function personCsv(columns: readonly string[], rows: readonly (readonly PersonValue[])[]): string {
  const line = (cells: readonly PersonValue[]) => cells.map((v) => personCell(v === null || v === undefined ? "" : typeof v === "number" ? formatCell(v) : v)).join(",");
  return [line(columns), ...rows.map(line)].join("\n") + "\n";
}
