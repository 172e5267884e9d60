/**
 * `parseCsvText`: CSV from an uploaded body (bytes or text) into a Frame, with the rules of
 * `src/data/csv.ts` (its header check and row parser: comma-separated, quoted header, UTF-8 with
 * or without BOM, empty or `na` = missing, line and column limits). Problems come back as the
 * first `MAX_PROBLEMS` `CellProblem`s with their 1-based row plus the count of all of them, so
 * a body of bad cells costs no more memory than a good one. Parsing yields to the event loop
 * every few milliseconds, so a large body never holds up other requests (`/health`) for long.
 */
import { type CellProblem, type LineOrigin, parseCsvHeader, parseCsvRow } from "../data/csv.ts";
import { createFrame, type Frame } from "../data/frame.ts";

/** Where each data row's text is in the uploaded bytes (to echo rows back as they were sent). */
export interface RawLines {
  bytes: Uint8Array;
  /** Byte offset of row r's first byte; `end[r]` is one past its last (line end excluded). */
  start: Uint32Array;
  end: Uint32Array;
}

export interface ParsedCsv {
  /** The rows (none when there are problems: the upload is refused then). */
  frame: Frame;
  /** The first MAX_PROBLEMS problems. */
  problems: CellProblem[];
  /** All problems found. */
  problemCount: number;
  lines: RawLines;
}

/** Problems kept per request (the rest are counted). */
export const MAX_PROBLEMS = 20;
/** Longest stretch of parsing between two yields to the event loop (ms). */
export const SLICE_MS = 2;

const LF = 10, CR = 13, SPACE = 32, TAB = 9;
const encoder = new TextEncoder();

/** Keeps the first `cap` problems and counts the rest. */
export class ProblemList<P = CellProblem> {
  items: P[] = [];
  total = 0;
  constructor(readonly cap = MAX_PROBLEMS) {}
  get full(): boolean {
    return this.items.length >= this.cap;
  }
  push(problem: P): void {
    this.total++;
    if (this.items.length < this.cap) this.items.push(problem);
  }
  count(n: number): void {
    this.total += n;
  }
}

/** Let other requests in: a macrotask turn of the event loop. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Parse an uploaded CSV. Throws a NetsecError("CSV_INVALID") for a missing or broken header, a line too long, or text that is not UTF-8. */
export async function parseCsvText(input: Uint8Array | string, source = "upload"): Promise<ParsedCsv> {
  const bytes = typeof input === "string" ? encoder.encode(input) : input;
  const header = parseCsvHeader(bytes, source);
  const columns = header.columns;
  let start = header.end;
  const width = columns.length;
  // Room for the rows as they come (at most one per 2 bytes a cell); once a problem is found the
  // answer is a refusal, so later rows are only checked (into one scratch row), never stored.
  const most = Math.ceil((bytes.length - start) / (2 * width) + 1);
  let values = new Float64Array(Math.max(16, Math.min(most, 1 << 16)) * width);
  const scratch = new Float64Array(width);
  const problems = new ProblemList();
  const origin: LineOrigin = { base: 0, source };
  let rows = 0;
  let lineStart = new Uint32Array(values.length / width);
  let lineEnd = new Uint32Array(values.length / width);
  let sliceStart = performance.now();
  while (start < bytes.length) {
    let end = bytes.indexOf(LF, start);
    if (end < 0) end = bytes.length;
    const next = end + 1;
    if (end > start && bytes[end - 1] === CR) end--;
    let isBlank = true;
    for (let i = start; i < end; i++) if (bytes[i] !== SPACE && bytes[i] !== TAB) { isBlank = false; break; }
    if (!isBlank) {
      const keep = problems.total === 0;
      if (keep && (rows + 1) * width > values.length) {
        const grown = new Float64Array(Math.min(values.length * 2, Math.max(most, rows + 1) * width));
        grown.set(values);
        values = grown;
        const starts = new Uint32Array(values.length / width), ends = new Uint32Array(values.length / width);
        starts.set(lineStart);
        ends.set(lineEnd);
        lineStart = starts;
        lineEnd = ends;
      }
      if (keep) {
        lineStart[rows] = start;
        lineEnd[rows] = end;
      }
      rows++;
      if (keep) parseCsvRow(bytes, start, end, columns, values, (rows - 1) * width, rows, problems, origin);
      else parseCsvRow(bytes, start, end, columns, scratch, 0, rows, problems, origin);
      if (((rows & 1023) === 0 || end - start > 4096) && performance.now() - sliceStart > SLICE_MS) {
        await yieldToLoop();
        sliceStart = performance.now();
      }
    }
    start = next;
  }
  if (problems.total) values = new Float64Array(0); // refused: the rows are not needed
  const kept = problems.total ? 0 : rows;
  return {
    frame: createFrame(columns, kept, values.subarray(0, kept * width)),
    problems: problems.items,
    problemCount: problems.total,
    lines: { bytes, start: lineStart.subarray(0, kept), end: lineEnd.subarray(0, kept) },
  };
}
