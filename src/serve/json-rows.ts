/**
 * JSON rows of `POST /predict` into a Frame, one row at a time: the body is scanned once for its
 * outer structure (an array of objects, `{"columns": […], "rows": [[…], …]}`, or one object), and
 * each row is parsed on its own and turned into numbers at once. So a 60 MB body never becomes a
 * 600 MB tree of objects, nesting deeper than `MAX_JSON_DEPTH` is refused before anything is
 * parsed, parsing yields to the event loop every few milliseconds, and at most `MAX_PROBLEMS`
 * problems (plus their count) are kept, each with a short excerpt of its value.
 */
import { parseCell } from "../data/csv.ts";
import { createFrame, type Frame } from "../data/frame.ts";
import { INPUT_LIMITS } from "../data/limits.ts";
import { describeBadByte, firstInvalidUtf8, textStart } from "../data/text.ts";
import { excerpt, quoted, showName } from "../errors.ts";
import { type ErrorDetails, HttpError } from "./http-error.ts";
import { ProblemList, SLICE_MS, yieldToLoop } from "./csv-body.ts";

/** Deepest nesting accepted anywhere in a JSON body (rows need 3: {columns, rows: [[…]]}). */
export const MAX_JSON_DEPTH = 8;

const strict = new TextDecoder("utf-8", { fatal: true });
const QUOTE = 34, BACKSLASH = 92, COMMA = 44, COLON = 58, OPEN_ARRAY = 91, CLOSE_ARRAY = 93, OPEN_OBJECT = 123, CLOSE_OBJECT = 125;

type Span = [start: number, end: number];

function malformed(message: string, offset?: number): HttpError {
  return new HttpError(400, "MALFORMED_JSON", `the body is not valid JSON: ${message}${offset === undefined ? "" : ` (byte offset ${offset})`}`, offset === undefined ? {} : { offset });
}

function isSpace(b: number): boolean {
  return b === 32 || b === 10 || b === 13 || b === 9;
}

function skipSpace(bytes: Uint8Array, i: number): number {
  while (i < bytes.length && isSpace(bytes[i])) i++;
  return i;
}

/** End (exclusive) of the string starting at the quote `bytes[i]`. */
function skipString(bytes: Uint8Array, i: number): number {
  for (let j = i + 1; j < bytes.length; j++) {
    const b = bytes[j];
    if (b === BACKSLASH) j++;
    else if (b === QUOTE) return j + 1;
  }
  throw malformed("a string is not closed", i);
}

/**
 * End (exclusive) of the value starting at `bytes[i]`, inside a container at nesting `depth`
 * (the value's own array or object is level depth + 1). Only the structure is followed here;
 * `JSON.parse` checks the value's own syntax later.
 */
function skipValue(bytes: Uint8Array, i: number, depth: number): number {
  const b = bytes[i];
  if (b === QUOTE) return skipString(bytes, i);
  if (b !== OPEN_ARRAY && b !== OPEN_OBJECT) {
    let j = i;
    while (j < bytes.length && !isSpace(bytes[j]) && bytes[j] !== COMMA && bytes[j] !== CLOSE_ARRAY && bytes[j] !== CLOSE_OBJECT) j++;
    if (j === i) throw malformed("expected a value", i);
    return j;
  }
  let level = depth;
  for (let j = i; j < bytes.length; j++) {
    const c = bytes[j];
    if (c === QUOTE) j = skipString(bytes, j) - 1;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++level > MAX_JSON_DEPTH) throw new HttpError(400, "JSON_TOO_DEEP", `the body nests deeper than ${MAX_JSON_DEPTH} levels (byte offset ${j}): rows are objects or arrays of numbers`, { offset: j, expected: `at most ${MAX_JSON_DEPTH} levels` });
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      if (--level === depth) return j + 1;
    }
  }
  throw malformed("the body ends inside an array or object", i);
}

/** Spans of the elements of the array starting at `bytes[i]` (nesting `depth`), and its end. */
function arrayElements(bytes: Uint8Array, i: number, depth: number): { spans: Span[]; end: number } {
  const spans: Span[] = [];
  let j = skipSpace(bytes, i + 1);
  if (bytes[j] === CLOSE_ARRAY) return { spans, end: j + 1 };
  while (true) {
    const end = skipValue(bytes, j, depth);
    spans.push([j, end]);
    j = skipSpace(bytes, end);
    if (bytes[j] === COMMA) j = skipSpace(bytes, j + 1);
    else if (bytes[j] === CLOSE_ARRAY) return { spans, end: j + 1 };
    else throw malformed("expected ',' or ']' after an array element", j);
  }
}

/** Members `key → value span` of the object starting at `bytes[i]` (top level). */
function objectMembers(bytes: Uint8Array, i: number): { members: Map<string, Span>; end: number } {
  const members = new Map<string, Span>();
  let j = skipSpace(bytes, i + 1);
  if (bytes[j] === CLOSE_OBJECT) return { members, end: j + 1 };
  while (true) {
    if (bytes[j] !== QUOTE) throw malformed("expected a quoted member name", j);
    const keyEnd = skipString(bytes, j);
    const key = parseSpan(bytes, [j, keyEnd]) as string;
    j = skipSpace(bytes, keyEnd);
    if (bytes[j] !== COLON) throw malformed("expected ':' after a member name", j);
    j = skipSpace(bytes, j + 1);
    const end = skipValue(bytes, j, 1);
    members.set(key, [j, end]);
    if (members.size > INPUT_LIMITS.maxColumns) throw new HttpError(422, "TOO_MANY_COLUMNS", `the object has more than ${INPUT_LIMITS.maxColumns} members (the most netsec reads)`, { expected: `at most ${INPUT_LIMITS.maxColumns} columns` });
    j = skipSpace(bytes, end);
    if (bytes[j] === COMMA) j = skipSpace(bytes, j + 1);
    else if (bytes[j] === CLOSE_OBJECT) return { members, end: j + 1 };
    else throw malformed("expected ',' or '}' after an object member", j);
  }
}

function parseSpan(bytes: Uint8Array, [start, end]: Span, row?: number): unknown {
  let text: string;
  try {
    text = strict.decode(bytes.subarray(start, end));
  } catch {
    const at = firstInvalidUtf8(bytes, start, end);
    throw new HttpError(400, "NOT_UTF8", `the body is not UTF-8: ${describeBadByte(bytes, at < 0 ? start : at)}`, { offset: at });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const where = row === undefined ? `byte offset ${start}` : `row ${row} (byte offset ${start})`;
    throw new HttpError(400, "MALFORMED_JSON", `the body is not valid JSON: ${where}: ${excerpt((error as Error).message, 120)}`, { row, offset: start });
  }
}

/** A short description of a JSON value that is not a number, for messages. */
function describeValue(value: unknown): string {
  if (typeof value === "string") return quoted(value);
  if (typeof value === "number") return "a number out of the range of a 64-bit float (e.g. 1e309)";
  if (Array.isArray(value)) return `an array of ${value.length} value${value.length === 1 ? "" : "s"}`;
  if (value && typeof value === "object") return `an object with ${Object.keys(value).length} member${Object.keys(value).length === 1 ? "" : "s"}`;
  return String(value);
}

function cellValue(value: unknown, row: number, column: string, problems: ProblemList<ErrorDetails>): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (value === null) return NaN;
  if (typeof value === "string") {
    const parsed = parseCell(value);
    if (parsed !== undefined) return parsed;
  }
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : NaN;
  const outOfRange = n === Infinity || n === -Infinity;
  problems.push({ row, column, value: describeValue(value), expected: outOfRange ? "a number within ±1.8e308" : "a number (or null for a missing value)" });
  return NaN;
}

/** Numbers of a growing table, row by row; `discard()`: later rows go to one scratch row. */
class Table {
  values: Float64Array<ArrayBuffer>;
  rows = 0;
  #scratch = false;
  constructor(readonly width: number, readonly expectedRows: number) {
    this.values = new Float64Array(Math.max(1, Math.min(expectedRows, 1 << 16)) * width);
  }
  /** The request will be refused: stop keeping rows (memory stays at what was kept so far). */
  discard(): void {
    if (this.#scratch) return;
    this.#scratch = true;
    this.values = new Float64Array(this.width);
  }
  row(): number {
    if (this.#scratch) return 0;
    if ((this.rows + 1) * this.width > this.values.length) {
      const grown = new Float64Array(Math.min(this.values.length * 2, Math.max(this.expectedRows, this.rows + 1) * this.width));
      grown.set(this.values);
      this.values = grown;
    }
    return this.rows++ * this.width;
  }
}

/** Parse a JSON rows body (see the module comment) into a Frame, or throw an HttpError. */
export async function parseJsonRows(bytes: Uint8Array): Promise<Frame> {
  const head = textStart(bytes);
  if ("refused" in head) throw new HttpError(400, "NOT_UTF8", `the body is not UTF-8 JSON: ${head.refused}`);
  const first = skipSpace(bytes, head.start);
  let columns: string[];
  let spans: Span[];
  let end: number;
  let kind: "objects" | "arrays";
  if (bytes[first] === OPEN_ARRAY) {
    ({ spans, end } = arrayElements(bytes, first, 1));
    kind = "objects";
    if (spans.length === 0) throw new HttpError(400, "JSON_SHAPE", "expected JSON rows: an array of objects ({column: value}), {\"columns\": […], \"rows\": [[…]]}, or one object");
    columns = [];
  } else if (bytes[first] === OPEN_OBJECT) {
    const object = objectMembers(bytes, first);
    end = object.end;
    if (object.members.has("columns")) {
      const names = parseSpan(bytes, object.members.get("columns")!);
      const rowsSpan = object.members.get("rows");
      if (!Array.isArray(names) || !names.every((c) => typeof c === "string") || !rowsSpan || bytes[rowsSpan[0]] !== OPEN_ARRAY) {
        throw new HttpError(400, "JSON_SHAPE", "expected {\"columns\": [names…], \"rows\": [[values…], …]}");
      }
      columns = names as string[];
      spans = arrayElements(bytes, rowsSpan[0], 2).spans;
      kind = "arrays";
    } else {
      // One object: one row.
      spans = [[first, end]];
      kind = "objects";
      columns = [];
    }
  } else {
    throw new HttpError(400, "JSON_SHAPE", "expected JSON rows: an array of objects ({column: value}), {\"columns\": […], \"rows\": [[…]]}, or one object");
  }
  if (skipSpace(bytes, end) !== bytes.length) throw malformed("unexpected text after the rows", skipSpace(bytes, end));

  const problems = new ProblemList<ErrorDetails>();
  let table: Table | undefined;
  let known: Set<string> | undefined;
  let slice = performance.now();
  for (let i = 0; i < spans.length; i++) {
    const row = i + 1;
    const value = parseSpan(bytes, spans[i], row);
    if (kind === "arrays") {
      table ??= new Table(columns.length, spans.length);
      if (!Array.isArray(value)) throw new HttpError(422, "JSON_SHAPE", `row ${row}: expected an array of ${columns.length} values`, { row });
      if (value.length !== columns.length) throw new HttpError(422, "RAGGED_ROW", `row ${row}: got ${value.length} values, expected ${columns.length} (one per column)`, { row, value: `${value.length} values`, expected: `${columns.length} values` });
      const base = table.row();
      for (let c = 0; c < columns.length; c++) table.values[base + c] = cellValue(value[c], row, columns[c], problems);
    } else {
      if (!value || typeof value !== "object" || Array.isArray(value)) {
        if (row === 1) throw new HttpError(400, "JSON_SHAPE", "expected JSON rows: an array of objects ({column: value}), {\"columns\": […], \"rows\": [[…]]}, or one object");
        throw new HttpError(422, "JSON_SHAPE", `row ${row}: expected an object {column: value}`, { row });
      }
      const record = value as Record<string, unknown>;
      if (!table) {
        columns = Object.keys(record);
        if (columns.length > INPUT_LIMITS.maxColumns) throw new HttpError(422, "TOO_MANY_COLUMNS", `row 1 has more than ${INPUT_LIMITS.maxColumns} columns (the most netsec reads)`, { row: 1 });
        known = new Set(columns);
        table = new Table(columns.length, spans.length);
      }
      for (const key in record) {
        if (!known!.has(key)) throw new HttpError(422, "EXTRA_COLUMN", `row ${row}, column ${showName(key)}: not in the first row's columns`, { row, column: excerpt(key) });
      }
      const base = table.row();
      for (let c = 0; c < columns.length; c++) {
        const name = columns[c];
        if (!Object.hasOwn(record, name)) {
          problems.push({ row, column: name, value: "(absent)", expected: "a number (or null for a missing value)" });
          table.values[base + c] = NaN;
        } else table.values[base + c] = cellValue(record[name], row, name, problems);
      }
    }
    if (problems.total) table?.discard();
    if ((i & 255) === 255 && performance.now() - slice > SLICE_MS) {
      await yieldToLoop();
      slice = performance.now();
    }
  }
  if (problems.total) {
    const p = problems.items[0];
    throw new HttpError(422, "NOT_A_NUMBER", `row ${p.row}, column ${showName(p.column!)}: got ${p.value}, expected ${p.expected}${problems.total > 1 ? ` (and ${problems.total - 1} more problems; the first ${problems.items.length} are listed)` : ""}`, {
      ...p,
      column: excerpt(p.column!),
      problems: problems.items.map((q) => ({ ...q, column: excerpt(q.column!) })),
      problemCount: problems.total,
    });
  }
  const rows = table?.rows ?? 0;
  return createFrame(columns, rows, (table?.values ?? new Float64Array(0)).subarray(0, rows * columns.length));
}
