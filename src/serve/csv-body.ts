/**
 * `parseCsvText`: CSV from an uploaded body (bytes or text) into a Frame, with the cell rules of
 * `src/data/csv.ts` (comma-separated, quoted header, BOM tolerated, empty or `na` = missing,
 * `splitCsvLine`/`parseCell` for anything that is not a plain integer). Problems come back as
 * `CellProblem`s with their 1-based row, like `CsvFile.chunks()`.
 */
import { type CellProblem, parseCell, splitCsvLine } from "../data/csv.ts";
import { createFrame, type Frame } from "../data/frame.ts";
import { NetsecError } from "../errors.ts";

/** Where each data row's text is in the uploaded bytes (to echo rows back as they were sent). */
export interface RawLines {
  bytes: Uint8Array;
  /** Byte offset of row r's first byte; `end[r]` is one past its last (line end excluded). */
  start: Uint32Array;
  end: Uint32Array;
}

export interface ParsedCsv {
  frame: Frame;
  problems: CellProblem[];
  lines: RawLines;
}

const COMMA = 44, LF = 10, CR = 13, SPACE = 32, TAB = 9, MINUS = 45, PLUS = 43;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Parse a line of plain integers into `out[base…]`; false when the slow path is needed. */
function parseIntegers(bytes: Uint8Array, start: number, end: number, width: number, out: Float64Array, base: number): boolean {
  let col = 0;
  let i = start;
  while (col < width) {
    let sign = 1;
    if (bytes[i] === MINUS) { sign = -1; i++; } else if (bytes[i] === PLUS) i++;
    let value = 0;
    let digits = 0;
    while (i < end) {
      const d = bytes[i] - 48;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
      digits++;
      i++;
    }
    if (digits === 0 || digits > 15) return false;
    out[base + col++] = sign * value;
    if (i === end) return col === width;
    if (bytes[i] !== COMMA) return false;
    i++;
  }
  return false;
}

/** Parse an uploaded CSV. Throws a NetsecError("CSV_INVALID") for a missing or broken header. */
export function parseCsvText(input: Uint8Array | string, source = "upload"): ParsedCsv {
  const bytes = typeof input === "string" ? encoder.encode(input) : input;
  let start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  // Header: the first non-blank line.
  let headerLine = "";
  while (start < bytes.length) {
    let lf = bytes.indexOf(LF, start);
    if (lf < 0) lf = bytes.length;
    headerLine = decoder.decode(bytes.subarray(start, lf)).replace(/\r$/, "");
    start = lf + 1;
    if (headerLine.trim() !== "") break;
  }
  if (headerLine.trim() === "") {
    throw new NetsecError("CSV_INVALID", `${source} is empty: expected a header line naming the columns, then one line per row`, { location: { file: source, row: 0 } });
  }
  for (const d of [";", "\t", "|"]) {
    if (headerLine.includes(d) && !headerLine.includes(",")) {
      throw new NetsecError("CSV_INVALID", `${source}: the header is separated by ${d === "\t" ? "tab" : `'${d}'`}, expected ',' (comma-separated values)`, { location: { file: source, row: 0, expected: "comma-separated header" } });
    }
  }
  const columns = splitCsvLine(headerLine).map((c) => c.trim());
  const blank = columns.findIndex((c) => c === "");
  if (blank >= 0) throw new NetsecError("CSV_INVALID", `${source}: header cell ${blank + 1} is empty, expected a column name`, { location: { file: source, row: 0 } });

  const width = columns.length;
  let values = new Float64Array(Math.max(16, Math.ceil((bytes.length - start) / (2 * width) + 1)) * width);
  const problems: CellProblem[] = [];
  let rows = 0;
  let lineStart = new Uint32Array(values.length / width);
  let lineEnd = new Uint32Array(values.length / width);
  while (start < bytes.length) {
    let end = bytes.indexOf(LF, start);
    if (end < 0) end = bytes.length;
    const next = end + 1;
    if (end > start && bytes[end - 1] === CR) end--;
    let isBlank = true;
    for (let i = start; i < end; i++) if (bytes[i] !== SPACE && bytes[i] !== TAB) { isBlank = false; break; }
    if (!isBlank) {
      if ((rows + 1) * width > values.length) {
        const grown = new Float64Array(values.length * 2);
        grown.set(values);
        values = grown;
        const starts = new Uint32Array(values.length / width), ends = new Uint32Array(values.length / width);
        starts.set(lineStart);
        ends.set(lineEnd);
        lineStart = starts;
        lineEnd = ends;
      }
      lineStart[rows] = start;
      lineEnd[rows] = end;
      const base = rows * width;
      rows++;
      if (!parseIntegers(bytes, start, end, width, values, base)) {
        const line = decoder.decode(bytes.subarray(start, end));
        const fields = splitCsvLine(line);
        if (fields.length !== width) {
          values.fill(NaN, base, base + width);
          problems.push({ row: rows, value: `${fields.length} cells`, expected: `${width} cells (one per header column)`, kind: "ragged_row", line });
        } else {
          for (let c = 0; c < width; c++) {
            const parsed = parseCell(fields[c]);
            if (parsed === undefined) {
              values[base + c] = NaN;
              problems.push({ row: rows, column: columns[c], value: fields[c], expected: "a number (or empty / na for a missing value)", kind: "not_a_number", line });
            } else values[base + c] = parsed;
          }
        }
      }
    }
    start = next;
  }
  return {
    frame: createFrame(columns, rows, values.slice(0, rows * width)),
    problems,
    lines: { bytes, start: lineStart.subarray(0, rows), end: lineEnd.subarray(0, rows) },
  };
}
