/**
 * The body of `POST /predict` → a features-only Frame in contract order (+ the target column when
 * the client sent it). Accepts CSV (text/csv or a multipart file field) and JSON rows (an array of
 * objects, `{columns, rows}`, or one object). Every refusal is an HttpError naming the row
 * (1-based data row; 0 = the header / column list) and the column.
 */
import { parseCell } from "../data/csv.ts";
import { createFrame, type Frame } from "../data/frame.ts";
import { isNetsecError } from "../errors.ts";
import type { Schema } from "../schema.ts";
import { type ErrorDetails, HttpError } from "./http-error.ts";
import { type BodyLimits, readBody } from "./limits.ts";
import { parseCsvText, type RawLines } from "./csv-body.ts";

export type BodyKind = "csv" | "json" | "multipart";

export interface PredictInput {
  /** The columns as sent, all numeric (NaN = missing). */
  input: Frame;
  /** For CSV bodies: each row's text, to echo it back unchanged. */
  lines?: RawLines;
  /** Features only, in schema order. */
  features: Frame;
}

const MAX_LISTED = 20;
const decoder = new TextDecoder("utf-8");

/** Which parser a content type needs; 415 for anything else (checked before reading the body). */
export function bodyKind(contentType: string | null): BodyKind {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (type === "multipart/form-data") return "multipart";
  if (type === "text/csv" || type === "application/csv" || type === "text/plain") return "csv";
  if (type === "application/json" || type.endsWith("+json")) return "json";
  throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", `content type ${type ? `"${type}"` : "(none)"} is not accepted: send text/csv, multipart/form-data with a CSV file, or application/json rows`, {
    expected: "text/csv, multipart/form-data, application/json",
  });
}

function csvFrame(bytes: Uint8Array, source: string): { frame: Frame; lines: RawLines } {
  try {
    const { frame, problems, lines } = parseCsvText(bytes, source);
    if (problems.length) {
      const listed: ErrorDetails[] = problems.slice(0, MAX_LISTED).map((p) => ({ row: p.row, column: p.column, value: p.value, expected: p.expected }));
      const first = problems[0];
      const where = first.column ? `row ${first.row}, column ${first.column}` : `row ${first.row}`;
      throw new HttpError(422, first.kind === "ragged_row" ? "RAGGED_ROW" : "NOT_A_NUMBER", `${where}: got ${JSON.stringify(first.value)}, expected ${first.expected}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ""}`, { ...listed[0], problems: listed });
    }
    return { frame, lines };
  } catch (error) {
    if (isNetsecError(error, "CSV_INVALID")) throw new HttpError(error.message.includes("is empty") ? 400 : 422, "CSV_INVALID", error.message, { row: 0 });
    throw error;
  }
}

async function multipartFrame(bytes: Uint8Array, contentType: string): Promise<{ frame: Frame; lines: RawLines }> {
  let form: FormData;
  try {
    form = await new Response(bytes as BodyInit, { headers: { "content-type": contentType } }).formData();
  } catch (error) {
    throw new HttpError(400, "MULTIPART_INVALID", `the multipart body could not be read: ${(error as Error).message}`);
  }
  const entries = form.getAll("file");
  if (entries.length === 0) {
    const names = [...new Set(form.keys())];
    const shown = names.slice(0, 3).map((n) => JSON.stringify(n.length > 40 ? `${n.slice(0, 40)}…` : n)).join(", ");
    throw new HttpError(400, "MULTIPART_NO_FILE", `the multipart form has no field named "file"${names.length ? ` (it has ${shown}${names.length > 3 ? ` and ${names.length - 3} more` : ""})` : ""}: send the CSV in a field named "file"`, { expected: 'one field named "file" holding the CSV' });
  }
  if (entries.length > 1) throw new HttpError(400, "MULTIPART_MANY_FILES", `the multipart form has ${entries.length} fields named "file": send one CSV per request`, { expected: 'one field named "file" holding the CSV' });
  const entry = entries[0];
  const isFile = typeof entry !== "string";
  const data = isFile ? new Uint8Array(await (entry as Blob).arrayBuffer()) : new TextEncoder().encode(entry);
  if (data.length === 0) throw new HttpError(400, "EMPTY_BODY", "the uploaded file is empty: expected a CSV with a header line and one line per row");
  return csvFrame(data, isFile && "name" in entry ? String((entry as File).name) : "upload");
}

function cellValue(value: unknown, row: number, column: string, problems: ErrorDetails[]): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (value === null) return NaN;
  if (typeof value === "string") {
    const parsed = parseCell(value);
    if (parsed !== undefined) return parsed;
  }
  problems.push({ row, column, value: JSON.stringify(value) ?? String(value), expected: "a number (or null for a missing value)" });
  return NaN;
}

function jsonFrame(bytes: Uint8Array): Frame {
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new HttpError(400, "MALFORMED_JSON", `the body is not valid JSON: ${(error as Error).message}`);
  }
  const problems: ErrorDetails[] = [];
  let columns: string[];
  let records: unknown[][];
  if (body && typeof body === "object" && !Array.isArray(body) && "columns" in body) {
    const table = body as { columns: unknown; rows?: unknown };
    if (!Array.isArray(table.columns) || !table.columns.every((c) => typeof c === "string") || !Array.isArray(table.rows)) {
      throw new HttpError(400, "JSON_SHAPE", "expected {\"columns\": [names…], \"rows\": [[values…], …]}");
    }
    columns = table.columns as string[];
    records = (table.rows as unknown[]).map((r, i) => {
      if (!Array.isArray(r)) throw new HttpError(422, "JSON_SHAPE", `row ${i + 1}: expected an array of ${columns.length} values`, { row: i + 1 });
      if (r.length !== columns.length) throw new HttpError(422, "RAGGED_ROW", `row ${i + 1}: got ${r.length} values, expected ${columns.length} (one per column)`, { row: i + 1, value: `${r.length} values`, expected: `${columns.length} values` });
      return r;
    });
  } else {
    const objects = Array.isArray(body) ? body : [body];
    const first = objects[0];
    if (!first || typeof first !== "object" || Array.isArray(first)) {
      throw new HttpError(400, "JSON_SHAPE", "expected JSON rows: an array of objects ({column: value}), {\"columns\": […], \"rows\": [[…]]}, or one object");
    }
    columns = Object.keys(first);
    const known = new Set(columns);
    records = objects.map((o, i) => {
      if (!o || typeof o !== "object" || Array.isArray(o)) throw new HttpError(422, "JSON_SHAPE", `row ${i + 1}: expected an object {column: value}`, { row: i + 1 });
      const record = o as Record<string, unknown>;
      const extra = Object.keys(record).find((k) => !known.has(k));
      if (extra !== undefined) throw new HttpError(422, "EXTRA_COLUMN", `row ${i + 1}, column ${extra}: not in the first row's columns`, { row: i + 1, column: extra });
      return columns.map((c) => {
        if (!(c in record)) problems.push({ row: i + 1, column: c, value: "(absent)", expected: "a number (or null for a missing value)" });
        return record[c];
      });
    });
  }
  const values = new Float64Array(records.length * columns.length);
  records.forEach((r, i) => r.forEach((v, c) => (values[i * columns.length + c] = cellValue(v, i + 1, columns[c], problems))));
  if (problems.length) {
    const p = problems[0];
    throw new HttpError(422, "NOT_A_NUMBER", `row ${p.row}, column ${p.column}: got ${p.value}, expected ${p.expected}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ""}`, { ...p, problems: problems.slice(0, MAX_LISTED) });
  }
  return createFrame(columns, records.length, values);
}

function allowedText(values: readonly number[]): string {
  return `one of ${values.join(", ")}`;
}

/** Check columns and values against the contract and pick the features in contract order. */
export function checkAgainstSchema(input: Frame, schema: Schema): Frame {
  const target = schema.target.name;
  const missing = schema.featureNames.filter((n) => !input.columns.includes(n));
  const extra = input.columns.filter((n) => n !== target && !schema.featureNames.includes(n));
  const duplicate = input.columns.find((n, i) => input.columns.indexOf(n) !== i);
  if (duplicate !== undefined) throw new HttpError(422, "DUPLICATE_COLUMN", `row 0 (header), column ${duplicate}: appears twice`, { row: 0, column: duplicate });
  if (missing.length || extra.length) {
    const parts = [
      missing.length ? `missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}` : "",
      extra.length ? `unexpected column${extra.length > 1 ? "s" : ""} ${extra.join(", ")}` : "",
    ].filter(Boolean);
    throw new HttpError(422, missing.length ? "MISSING_COLUMN" : "EXTRA_COLUMN", `row 0 (header), column ${missing[0] ?? extra[0]}: ${parts.join("; ")} (expected the ${schema.featureNames.length} features of ${schema.name}, and ${target} optionally)`, {
      row: 0,
      column: missing[0] ?? extra[0],
      missing,
      extra,
    });
  }
  if (input.rows === 0) throw new HttpError(400, "NO_ROWS", "the input has a header but no data rows");
  const width = input.columns.length;
  const specs = input.columns.map((name) => {
    if (name === target) return { allowed: schema.target.allowed, nullable: true };
    const f = schema.features.find((s) => s.name === name)!;
    return { allowed: f.allowed, nullable: f.nullable };
  });
  const problems: ErrorDetails[] = [];
  for (let r = 0; r < input.rows && problems.length < MAX_LISTED; r++) {
    for (let c = 0; c < width; c++) {
      const v = input.values[r * width + c];
      const spec = specs[c];
      const bad = Number.isNaN(v) ? !spec.nullable : spec.allowed !== undefined && !spec.allowed.includes(v);
      if (bad) {
        problems.push({
          row: r + 1,
          column: input.columns[c],
          value: Number.isNaN(v) ? "(missing)" : String(v),
          expected: Number.isNaN(v) ? "a value (this column may not be missing)" : allowedText(spec.allowed!),
        });
      }
    }
  }
  if (problems.length) {
    const p = problems[0];
    throw new HttpError(422, "OUT_OF_RANGE", `row ${p.row}, column ${p.column}: got ${p.value}, expected ${p.expected}${problems.length > 1 ? ` (and more problems: see "problems")` : ""}`, { ...p, problems });
  }
  const order = schema.featureNames.map((n) => input.columns.indexOf(n));
  const identity = order.length === width && order.every((c, i) => c === i);
  if (identity) return input;
  const features = new Float64Array(input.rows * order.length);
  for (let r = 0; r < input.rows; r++) {
    for (let j = 0; j < order.length; j++) features[r * order.length + j] = input.values[r * width + order[j]];
  }
  return createFrame(schema.featureNames, input.rows, features);
}

/** Read, parse and check the body of a prediction request. */
export async function readPredictInput(request: Request, schema: Schema, limits: BodyLimits): Promise<PredictInput> {
  const contentType = request.headers.get("content-type");
  const kind = bodyKind(contentType);
  const bytes = await readBody(request, limits);
  if (kind === "json") {
    const input = jsonFrame(bytes);
    return { input, features: checkAgainstSchema(input, schema) };
  }
  const { frame, lines } = kind === "multipart" ? await multipartFrame(bytes, contentType ?? "") : csvFrame(bytes, "upload");
  return { input: frame, lines, features: checkAgainstSchema(frame, schema) };
}
