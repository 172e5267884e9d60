/**
 * Streaming reader and writer for the seed's CSV format: comma-separated, optional quotes (the
 * header is quoted), `\n` or `\r\n` line ends, a UTF-8 BOM tolerated, and the string `na` (any
 * case) or an empty cell meaning a missing value. Cells are parsed straight from bytes into a
 * Float64Array, so a 200 MB file streams in constant memory.
 *
 * Cells that are not numbers and rows with the wrong number of cells are not thrown: they come
 * back as `CellProblem`s with their row and raw line, and the caller (validate, predict) decides.
 * Only problems with the file as a whole throw: missing, empty, wrong delimiter, broken header,
 * not UTF-8 (UTF-16, binary, a bad byte: named with its offset), CR-only line ends, a line over
 * `INPUT_LIMITS.maxLineBytes`, more than `INPUT_LIMITS.maxColumns` columns.
 */
import { platform } from "../runtime/index.ts";
import { NetsecError, quoted } from "../errors.ts";
import type { Frame } from "./frame.ts";
import { ChunkBuilder, type CellProblem, collectChunks, type NumericChunk } from "./chunks.ts";
import { INPUT_LIMITS } from "./limits.ts";
import { afterCarry, describeBadByte, firstInvalidUtf8, textStart, unclosedQuote } from "./text.ts";

export type { CellProblem, NumericChunk };

export interface CsvReadOptions {
  /** Rows per chunk (default 65 536). */
  chunkRows?: number;
  /**
   * Fill the same buffer for every chunk (a chunk's `values` are valid until the next one is
   * asked for): for readers that copy what they need from each chunk, so reading a file leaves
   * no garbage the size of the file behind (at 800k rows × 31 columns, 200 MB of Float64 chunks).
   */
  reuseBuffer?: boolean;
}

const COMMA = 44, QUOTE = 34, LF = 10, CR = 13, SPACE = 32, TAB = 9, MINUS = 45, PLUS = 43, DOT = 46;
const decoder = new TextDecoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/** Where a line starts in the whole input, for messages ("byte offset …"). */
export interface LineOrigin {
  /** Offset of `bytes[0]` in the file or body. */
  base: number;
  /** The file or "upload", for messages. */
  source: string;
}

function csvError(source: string, message: string, row?: number): NetsecError {
  return new NetsecError("CSV_INVALID", `${source}: ${message}`, { location: { file: source, row } });
}

/** Split one CSV line (no line end) into fields, honouring double quotes. */
export function splitCsvLine(line: string, delimiter = ","): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const fields: string[] = [];
  let field = "";
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (inQuotes) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else field += ch;
    } else if (ch === '"') inQuotes = true;
    else if (ch === delimiter) {
      fields.push(field);
      field = "";
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

/** Parse the text of one cell: a number, NaN for missing, or undefined when it is not a number (or out of range, e.g. 1e309). */
export function parseCell(text: string): number | undefined {
  const t = text.trim();
  if (t === "" || (t.length === 2 && t.toLowerCase() === "na")) return NaN;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** What a cell that `parseCell` refused should have been: says so when it is a number out of range. */
export function expectedNumber(text: string, missing = "empty / na"): string {
  const n = Number(text.trim());
  return n === Infinity || n === -Infinity
    ? `a number within ±1.8e308 (this one is out of the range of a 64-bit float)`
    : `a number (or ${missing} for a missing value)`;
}

function detectDelimiter(headerLine: string): string | undefined {
  for (const d of [";", "\t", "|"]) if (headerLine.includes(d) && !headerLine.includes(",")) return d;
  return undefined;
}

function crOnly(source: string): NetsecError {
  return new NetsecError("CSV_INVALID", `${source}: the lines end with a carriage return only (CR, classic Mac OS line ends): expected \\n or \\r\\n line ends`, { location: { file: source, row: 0, expected: "LF or CRLF line ends" } });
}

/**
 * The column names of a header line (no line end), or a CSV_INVALID error naming `source` for an
 * empty header, another delimiter than the comma, an empty header cell or too many columns.
 */
export function parseHeaderLine(headerLine: string, source: string): string[] {
  if (headerLine.trim() === "") {
    throw new NetsecError("CSV_INVALID", `${source} is empty: expected a header line naming the columns, then one line per row`, { location: { file: source, row: 0 } });
  }
  const open = unclosedQuote(headerLine);
  if (open) {
    throw new NetsecError("CSV_INVALID", `${source}: header cell ${open.cell} (${quoted(open.text)}) opens a quote the header line does not close: a line break inside a quoted column name is not supported (netsec reads one line per row); remove the line break from the name`, { location: { file: source, row: 0, value: open.text, expected: "column names on one line" } });
  }
  if (headerLine.includes("\r")) throw crOnly(source);
  const delimiter = detectDelimiter(headerLine);
  if (delimiter) {
    const shown = delimiter === "\t" ? "tab" : `'${delimiter}'`;
    throw new NetsecError("CSV_INVALID", `${source}: the header is separated by ${shown}, expected ',' (comma-separated values)`, { location: { file: source, row: 0, expected: "comma-separated header" } });
  }
  let commas = 0;
  for (let i = headerLine.indexOf(","); i >= 0 && commas < INPUT_LIMITS.maxColumns; i = headerLine.indexOf(",", i + 1)) commas++;
  if (commas >= INPUT_LIMITS.maxColumns) {
    throw new NetsecError("CSV_INVALID", `${source}: the header has more than ${INPUT_LIMITS.maxColumns} columns (the most netsec reads); expected the columns of schema.yaml`, { location: { file: source, row: 0, expected: `at most ${INPUT_LIMITS.maxColumns} columns` } });
  }
  const columns = splitCsvLine(headerLine).map((c) => c.trim());
  const blank = columns.findIndex((c) => c === "");
  if (blank >= 0) {
    throw new NetsecError("CSV_INVALID", `${source}: header cell ${blank + 1} is empty, expected a column name`, { location: { file: source, row: 0 } });
  }
  return columns;
}

/**
 * The header of a CSV held in `bytes` (the start of a file, or a whole upload): encoding checked
 * (UTF-8, BOM skipped; UTF-16, binary and bad bytes refused), the first non-blank line parsed.
 * `end` is the offset of the first data line. `complete`: `bytes` is the whole input (else a
 * header without a line end within `maxLineBytes` is refused as too long).
 */
export function parseCsvHeader(bytes: Uint8Array, source: string, complete = true): { columns: string[]; end: number } {
  const head = textStart(bytes);
  if ("refused" in head) throw csvError(source, `not a UTF-8 CSV file: ${head.refused}`, 0);
  let start = head.start;
  let line: Uint8Array = new Uint8Array(0);
  while (start < bytes.length) {
    let lf = bytes.indexOf(LF, start);
    if (lf < 0) {
      const cr = bytes.indexOf(CR, start);
      if (cr >= 0 && cr < bytes.length - 1) throw crOnly(source);
      if (bytes.length - start > INPUT_LIMITS.maxLineBytes || !complete) {
        throw csvError(source, `the header line is longer than ${INPUT_LIMITS.maxLineBytes} bytes with no line end: expected a header line naming the columns, then one line per row`, 0);
      }
      lf = bytes.length;
    }
    if (lf - start > INPUT_LIMITS.maxLineBytes) throw csvError(source, `the header line is longer than ${INPUT_LIMITS.maxLineBytes} bytes: expected a header line naming the columns`, 0);
    line = bytes.subarray(start, lf > start && bytes[lf - 1] === CR ? lf - 1 : lf);
    start = lf + 1;
    let blank = true;
    for (let i = 0; i < line.length; i++) if (line[i] !== SPACE && line[i] !== TAB) { blank = false; break; }
    if (!blank) break;
  }
  const bad = firstInvalidUtf8(line);
  if (bad >= 0) throw csvError(source, `the header is not UTF-8: ${describeBadByte(line, bad, line.byteOffset - bytes.byteOffset)}`, 0);
  return { columns: parseHeaderLine(decoder.decode(line), source), end: Math.min(start, bytes.length) };
}

/**
 * One data line `bytes[start, end)` (line end excluded) into `out[base …]`, one value per column:
 * plain numbers take a byte-level fast path; anything else (quotes, `na`, exponents) goes through
 * `splitCsvLine`/`parseCell`, and a ragged row or a non-numeric cell becomes a `CellProblem` of
 * 1-based data row `row` (its cells NaN). A line over `maxLineBytes` or with bytes that are not
 * UTF-8 throws CSV_INVALID (with the byte offset, from `origin`).
 */
/**
 * Where parseCsvRow puts problems: an array, or a sink that keeps only some (`full`: it keeps no
 * more, so only their number is wanted — `count(n)` — and no problem objects are made).
 */
export interface ProblemSink {
  push(problem: CellProblem): unknown;
  readonly full?: boolean;
  count?(n: number): void;
}

export function parseCsvRow(bytes: Uint8Array, start: number, end: number, columns: readonly string[], out: Float64Array, base: number, row: number, problems: ProblemSink, origin: LineOrigin = { base: 0, source: "input" }): void {
  if (end - start > INPUT_LIMITS.maxLineBytes) throw csvError(origin.source, `row ${row} (byte offset ${origin.base + start}) is longer than ${INPUT_LIMITS.maxLineBytes} bytes: expected one short line per row`, row);
  if (parsePlainNumbers(bytes, start, end, columns.length, out, base)) return;
  let line: string;
  try {
    line = strictDecoder.decode(bytes.subarray(start, end));
  } catch {
    const at = firstInvalidUtf8(bytes, start, end);
    throw csvError(origin.source, `row ${row}: ${describeBadByte(bytes, at < 0 ? start : at, origin.base)}`, row);
  }
  const width = columns.length;
  const fields = splitCsvLine(line);
  const countOnly = problems.full === true && problems.count !== undefined;
  if (fields.length !== width) {
    out.fill(NaN, base, base + width);
    if (countOnly) problems.count!(1);
    else problems.push({ row, value: `${fields.length} cells`, expected: `${width} cells (one per header column)`, kind: "ragged_row", line });
    return;
  }
  let bad = 0;
  for (let c = 0; c < width; c++) {
    const parsed = parseCell(fields[c]);
    if (parsed === undefined) {
      out[base + c] = NaN;
      if (countOnly) bad++;
      else problems.push({ row, column: columns[c], value: fields[c], expected: expectedNumber(fields[c]), kind: "not_a_number", line });
    } else out[base + c] = parsed;
  }
  if (bad) problems.count!(bad);
}

/** Parse a line of plain numbers without quotes. Returns false to ask for the slow path. */
function parsePlainNumbers(bytes: Uint8Array, start: number, end: number, width: number, out: Float64Array, base: number): boolean {
  let col = 0;
  let i = start;
  while (true) {
    if (col >= width) return false;
    // one field: [spaces] [sign] digits [. digits] [spaces]
    while (i < end && bytes[i] === SPACE) i++;
    let sign = 1;
    if (bytes[i] === MINUS) { sign = -1; i++; } else if (bytes[i] === PLUS) i++;
    let value = 0;
    let digits = 0;
    while (i < end) {
      const b = bytes[i] - 48;
      if (b < 0 || b > 9) break;
      value = value * 10 + b;
      digits++;
      i++;
    }
    if (bytes[i] === DOT && i < end) {
      i++;
      let scale = 1;
      while (i < end) {
        const b = bytes[i] - 48;
        if (b < 0 || b > 9) break;
        scale /= 10;
        value += b * scale;
        digits++;
        i++;
      }
      // Decimal fractions accumulate rounding error: let Number() parse them exactly.
      if (scale !== 1) return false;
    }
    while (i < end && bytes[i] === SPACE) i++;
    if (i < end && bytes[i] !== COMMA) return false; // letters, quotes, exponents, 'na': slow path
    if (digits === 0) {
      if (sign === -1) return false;
      out[base + col] = NaN; // empty cell
    } else out[base + col] = sign * value;
    col++;
    if (i >= end) break;
    i++; // comma
    if (i === end) {
      // trailing comma: an empty last cell
      if (col >= width) return false;
      out[base + col] = NaN;
      col++;
      break;
    }
  }
  return col === width;
}

export class CsvFile {
  private constructor(
    readonly path: string,
    readonly columns: string[],
    private readonly headerBytes: number,
  ) {}

  /** Open a CSV file and read its header. Throws a NetsecError for a missing or empty file, a broken header, or text that is not UTF-8. */
  static async open(path: string): Promise<CsvFile> {
    const info = await platform.stat(path);
    if (!info) throw new NetsecError("FILE_NOT_FOUND", `file not found: ${path}`, { location: { file: path } });
    if (!info.isFile) throw new NetsecError("CSV_INVALID", `${path} is not a file`, { location: { file: path } });
    let head = new Uint8Array(0);
    let complete = true;
    for await (const chunk of platform.readChunks(path, 64 * 1024)) {
      const joined = new Uint8Array(head.length + chunk.length);
      joined.set(head);
      joined.set(chunk, head.length);
      head = joined;
      complete = head.length >= info.size;
      // Enough once a non-blank line has ended (or the header is too long anyway).
      if (head.length > INPUT_LIMITS.maxLineBytes + 3 || /[^\s]/.test(decoder.decode(head.subarray(0, Math.max(0, head.lastIndexOf(LF)))))) break;
    }
    const { columns, end } = parseCsvHeader(head, path, complete);
    return new CsvFile(path, columns, end);
  }

  /** Stream the data rows as numeric chunks. */
  async *chunks(options: CsvReadOptions = {}): AsyncGenerator<NumericChunk> {
    const out = new ChunkBuilder(this.columns.length, options.chunkRows ?? 65_536, options.reuseBuffer);
    let row = 0; // data rows seen so far
    let skip = this.headerBytes;
    let carry: Uint8Array | undefined;
    const origin: LineOrigin = { base: this.headerBytes, source: this.path };

    const parseLine = (bytes: Uint8Array, start: number, end: number): void => {
      if (end > start && bytes[end - 1] === CR) end--;
      // Blank lines are skipped (a trailing newline, or an empty last line).
      let blank = true;
      for (let i = start; i < end; i++) if (bytes[i] !== SPACE && bytes[i] !== TAB) { blank = false; break; }
      if (blank) return;
      row++;
      const base = out.base;
      parseCsvRow(bytes, start, end, this.columns, out.values, base, row, out.problems, origin);
      out.rows++;
    };

    for await (let chunk of platform.readChunks(this.path)) {
      if (skip > 0) {
        if (chunk.length <= skip) {
          skip -= chunk.length;
          continue;
        }
        chunk = chunk.subarray(skip);
        skip = 0;
      }
      const bytes = afterCarry(carry, chunk);
      carry = undefined;
      let start = 0;
      while (true) {
        const lf = bytes.indexOf(LF, start);
        if (lf < 0) break;
        parseLine(bytes, start, lf);
        start = lf + 1;
        if (out.full) yield out.take();
      }
      if (start < bytes.length) {
        carry = bytes.slice(start);
        if (carry.length > INPUT_LIMITS.maxLineBytes) {
          throw csvError(this.path, `row ${row + 1} (byte offset ${origin.base + start}) is longer than ${INPUT_LIMITS.maxLineBytes} bytes: expected one short line per row`, row + 1);
        }
      }
      origin.base += start;
    }
    if (carry) parseLine(carry, 0, carry.length);
    if (out.rows > 0) yield out.take();
  }


}

export interface CsvTable {
  frame: Frame;
  problems: CellProblem[];
}

/** Read a whole CSV file into a Frame (columns as in the file) plus the cell problems found. */
export async function readCsv(path: string, options: CsvReadOptions = {}): Promise<CsvTable> {
  const file = await CsvFile.open(path);
  return collectChunks(file.columns, file.chunks(options));
}
