/**
 * The body of `POST /predict` → a features-only Frame in contract order (+ the target column when
 * the client sent it). Accepts CSV (text/csv or a multipart file field) and JSON rows (an array of
 * objects, `{columns, rows}`, or one object). Every refusal is an HttpError naming the row
 * (1-based data row; 0 = the header / column list) and the column.
 */
import { createFrame, type Frame } from "../data/frame.ts";
import { checkValue, columnRule } from "../data/row-check.ts";
import { excerpt, isNetsecError, listNames, quoted, showName } from "../errors.ts";
import type { Schema } from "../schema.ts";
import { type ErrorDetails, HttpError } from "./http-error.ts";
import { type BodyLimits, readBody } from "./limits.ts";
import { MAX_PROBLEMS, parseCsvText, type RawLines } from "./csv-body.ts";
import { parseJsonRows } from "./json-rows.ts";
import { parseMultipart } from "./multipart.ts";

export type BodyKind = "csv" | "json" | "multipart";

export interface PredictInput {
  /** The columns as sent, all numeric (NaN = missing). */
  input: Frame;
  /** For CSV bodies: each row's text, to echo it back unchanged. */
  lines?: RawLines;
  /** Features only, in schema order. */
  features: Frame;
}

/** Which parser a content type needs; 415 for anything else (checked before reading the body). */
export function bodyKind(contentType: string | null): BodyKind {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (type === "multipart/form-data") return "multipart";
  if (type === "text/csv" || type === "application/csv" || type === "text/plain") return "csv";
  if (type === "application/json" || type.endsWith("+json")) return "json";
  throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", `content type ${type ? quoted(type) : "(none)"} is not accepted: send text/csv, multipart/form-data with a CSV file, or application/json rows`, {
    expected: "text/csv, multipart/form-data, application/json",
  });
}

async function csvFrame(bytes: Uint8Array, source: string): Promise<{ frame: Frame; lines: RawLines }> {
  try {
    const { frame, problems, problemCount, lines } = await parseCsvText(bytes, source);
    if (problemCount) {
      const listed: ErrorDetails[] = problems.map((p) => ({ row: p.row, column: p.column === undefined ? undefined : excerpt(p.column), value: excerpt(p.value), expected: p.expected }));
      const first = problems[0];
      const where = first.column ? `row ${first.row}, column ${showName(first.column)}` : `row ${first.row}`;
      const more = problemCount > 1 ? ` (and ${problemCount - 1} more problems; the first ${listed.length} are listed)` : "";
      throw new HttpError(422, first.kind === "ragged_row" ? "RAGGED_ROW" : "NOT_A_NUMBER", `${where}: got ${quoted(first.value)}, expected ${first.expected}${more}`, { ...listed[0], problems: listed, problemCount });
    }
    return { frame, lines };
  } catch (error) {
    if (isNetsecError(error, "CSV_INVALID")) throw new HttpError(error.message.includes("is empty") ? 400 : 422, "CSV_INVALID", error.message, { row: error.location?.row ?? 0 });
    throw error;
  }
}

async function multipartFrame(bytes: Uint8Array, contentType: string): Promise<{ frame: Frame; lines: RawLines }> {
  const parts = parseMultipart(bytes, contentType);
  const entries = parts.filter((p) => p.name === "file");
  if (entries.length === 0) {
    const names = [...new Set(parts.map((p) => p.name))];
    throw new HttpError(400, "MULTIPART_NO_FILE", `the multipart form has no field named "file"${names.length ? ` (it has ${names.slice(0, 3).map((n) => quoted(n)).join(", ")}${names.length > 3 ? ` and ${names.length - 3} more` : ""})` : ""}: send the CSV in a field named "file"`, { expected: 'one field named "file" holding the CSV' });
  }
  if (entries.length > 1) throw new HttpError(400, "MULTIPART_MANY_FILES", `the multipart form has ${entries.length} fields named "file": send one CSV per request`, { expected: 'one field named "file" holding the CSV' });
  const entry = entries[0];
  if (entry.body.length === 0) throw new HttpError(400, "EMPTY_BODY", "the uploaded file is empty: expected a CSV with a header line and one line per row");
  return csvFrame(entry.body, entry.filename !== undefined ? `upload ${quoted(entry.filename)}` : "upload");
}

/** Check columns and values against the contract and pick the features in contract order. */
export function checkAgainstSchema(input: Frame, schema: Schema): Frame {
  const target = schema.target.name;
  const have = new Set<string>();
  let duplicate: string | undefined;
  for (const name of input.columns) {
    if (have.has(name)) {
      duplicate = name;
      break;
    }
    have.add(name);
  }
  if (duplicate !== undefined) throw new HttpError(422, "DUPLICATE_COLUMN", `row 0 (header), column ${showName(duplicate)}: appears twice`, { row: 0, column: excerpt(duplicate) });
  const known = new Set(schema.featureNames);
  const missing = schema.featureNames.filter((n) => !have.has(n));
  const extra = input.columns.filter((n) => n !== target && !known.has(n));
  if (missing.length || extra.length) {
    const parts = [
      missing.length ? `missing column${missing.length > 1 ? "s" : ""} ${listNames(missing)}` : "",
      extra.length ? `unexpected column${extra.length > 1 ? "s" : ""} ${listNames(extra)}` : "",
    ].filter(Boolean);
    const first = missing[0] ?? extra[0];
    throw new HttpError(422, missing.length ? "MISSING_COLUMN" : "EXTRA_COLUMN", `row 0 (header), column ${showName(first)}: ${parts.join("; ")} (expected the ${schema.featureNames.length} features of ${schema.name}, and ${target} optionally)`, {
      row: 0,
      column: excerpt(first),
      missing: missing.slice(0, MAX_PROBLEMS),
      extra: extra.slice(0, MAX_PROBLEMS).map((n) => excerpt(n)),
      missingCount: missing.length,
      extraCount: extra.length,
    });
  }
  if (input.rows === 0) throw new HttpError(400, "NO_ROWS", "the input has a header but no data rows");
  const width = input.columns.length;
  // The one value check (data/row-check.ts); the target may be missing here (it is not scored).
  const specs = input.columns.map((name) => {
    if (name === target) return columnRule(schema.target, { nullable: true, integer: false });
    return columnRule(schema.features.find((s) => s.name === name)!, { integer: false });
  });
  const problems: ErrorDetails[] = [];
  for (let r = 0; r < input.rows && problems.length < MAX_PROBLEMS; r++) {
    for (let c = 0; c < width; c++) {
      const v = input.values[r * width + c];
      const spec = specs[c];
      if (checkValue(spec, v) !== "ok") {
        problems.push({
          row: r + 1,
          column: input.columns[c],
          value: Number.isNaN(v) ? "(missing)" : String(v),
          expected: Number.isNaN(v) ? "a value (this column may not be missing)" : spec.expectedText!,
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

/** Read, parse and check the body of a prediction request (`largeTurn`: see readBody). */
export async function readPredictInput(request: Request, schema: Schema, limits: BodyLimits, largeTurn?: () => Promise<void>): Promise<PredictInput> {
  const contentType = request.headers.get("content-type");
  const kind = bodyKind(contentType);
  const bytes = await readBody(request, limits, largeTurn);
  if (kind === "json") {
    const input = await parseJsonRows(bytes);
    return { input, features: checkAgainstSchema(input, schema) };
  }
  const { frame, lines } = kind === "multipart" ? await multipartFrame(bytes, contentType ?? "") : await csvFrame(bytes, "upload");
  return { input: frame, lines, features: checkAgainstSchema(frame, schema) };
}
