/**
 * `parseCsvText`: CSV from an uploaded body (bytes or text) into a Frame, with the cell rules of
 * `src/data/csv.ts` (its header check and row parser: comma-separated, quoted header, BOM
 * tolerated, empty or `na` = missing). Problems come back as `CellProblem`s with their 1-based
 * row, like `CsvFile.chunks()`.
 */
import { type CellProblem, parseCsvRow, parseHeaderLine } from "../data/csv.ts";
import { createFrame, type Frame } from "../data/frame.ts";

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

const LF = 10, CR = 13, SPACE = 32, TAB = 9;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

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
  const columns = parseHeaderLine(headerLine, source);
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
      parseCsvRow(bytes, start, end, columns, values, base, rows, problems);
    }
    start = next;
  }
  return {
    frame: createFrame(columns, rows, values.slice(0, rows * width)),
    problems,
    lines: { bytes, start: lineStart.subarray(0, rows), end: lineEnd.subarray(0, rows) },
  };
}
