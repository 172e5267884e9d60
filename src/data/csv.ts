/**
 * Streaming reader and writer for the seed's CSV format: comma-separated, optional quotes (the
 * header is quoted), `\n` or `\r\n` line ends, a UTF-8 BOM tolerated, and the string `na` (any
 * case) or an empty cell meaning a missing value. Cells are parsed straight from bytes into a
 * Float64Array, so a 200 MB file streams in constant memory.
 *
 * Cells that are not numbers and rows with the wrong number of cells are not thrown: they come
 * back as `CellProblem`s with their row and raw line, and the caller (validate, predict) decides.
 * Only problems with the file as a whole throw: missing, empty, wrong delimiter, broken header.
 */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import type { Frame } from "./frame.ts";
import { ChunkBuilder, type CellProblem, collectChunks, type NumericChunk } from "./chunks.ts";

export type { CellProblem, NumericChunk };

export interface CsvReadOptions {
  /** Rows per chunk (default 65 536). */
  chunkRows?: number;
}

const COMMA = 44, QUOTE = 34, LF = 10, CR = 13, SPACE = 32, TAB = 9, MINUS = 45, PLUS = 43, DOT = 46;
const decoder = new TextDecoder();

/** Split one CSV line (no line end) into fields, honouring double quotes. */
export function splitCsvLine(line: string, delimiter = ","): string[] {
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

/** Parse the text of one cell: a number, NaN for missing, or undefined when it is not a number. */
export function parseCell(text: string): number | undefined {
  const t = text.trim();
  if (t === "" || t.toLowerCase() === "na") return NaN;
  const n = Number(t);
  return Number.isNaN(n) || t.toLowerCase().includes("infinity") ? undefined : n;
}

function detectDelimiter(headerLine: string): string | undefined {
  for (const d of [";", "\t", "|"]) if (headerLine.includes(d) && !headerLine.includes(",")) return d;
  return undefined;
}

/**
 * The column names of a header line (no line end), or a CSV_INVALID error naming `source` for an
 * empty header, another delimiter than the comma, or an empty header cell.
 */
export function parseHeaderLine(headerLine: string, source: string): string[] {
  if (headerLine.trim() === "") {
    throw new NetsecError("CSV_INVALID", `${source} is empty: expected a header line naming the columns, then one line per row`, { location: { file: source, row: 0 } });
  }
  const delimiter = detectDelimiter(headerLine);
  if (delimiter) {
    const shown = delimiter === "\t" ? "tab" : `'${delimiter}'`;
    throw new NetsecError("CSV_INVALID", `${source}: the header is separated by ${shown}, expected ',' (comma-separated values)`, { location: { file: source, row: 0, expected: "comma-separated header" } });
  }
  const columns = splitCsvLine(headerLine).map((c) => c.trim());
  const blank = columns.findIndex((c) => c === "");
  if (blank >= 0) {
    throw new NetsecError("CSV_INVALID", `${source}: header cell ${blank + 1} is empty, expected a column name`, { location: { file: source, row: 0 } });
  }
  return columns;
}

/**
 * One data line `bytes[start, end)` (line end excluded) into `out[base …]`, one value per column:
 * plain numbers take a byte-level fast path; anything else (quotes, `na`, exponents) goes through
 * `splitCsvLine`/`parseCell`, and a ragged row or a non-numeric cell becomes a `CellProblem` of
 * 1-based data row `row` (its cells NaN).
 */
export function parseCsvRow(bytes: Uint8Array, start: number, end: number, columns: readonly string[], out: Float64Array, base: number, row: number, problems: CellProblem[]): void {
  if (parsePlainNumbers(bytes, start, end, columns.length, out, base)) return;
  const line = decoder.decode(bytes.subarray(start, end));
  const width = columns.length;
  const fields = splitCsvLine(line);
  if (fields.length !== width) {
    out.fill(NaN, base, base + width);
    problems.push({ row, value: `${fields.length} cells`, expected: `${width} cells (one per header column)`, kind: "ragged_row", line });
    return;
  }
  for (let c = 0; c < width; c++) {
    const parsed = parseCell(fields[c]);
    if (parsed === undefined) {
      out[base + c] = NaN;
      problems.push({ row, column: columns[c], value: fields[c], expected: "a number (or empty / na for a missing value)", kind: "not_a_number", line });
    } else out[base + c] = parsed;
  }
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

  /** Open a CSV file and read its header. Throws a NetsecError for a missing or empty file or a broken header. */
  static async open(path: string): Promise<CsvFile> {
    const info = await platform.stat(path);
    if (!info) throw new NetsecError("FILE_NOT_FOUND", `file not found: ${path}`, { location: { file: path } });
    if (!info.isFile) throw new NetsecError("CSV_INVALID", `${path} is not a file`, { location: { file: path } });
    let head = new Uint8Array(0);
    let lineEnd = -1;
    for await (const chunk of platform.readChunks(path, 64 * 1024)) {
      const joined = new Uint8Array(head.length + chunk.length);
      joined.set(head);
      joined.set(chunk, head.length);
      head = joined;
      lineEnd = head.indexOf(LF);
      if (lineEnd >= 0 || head.length > 4 << 20) break;
    }
    let start = 0;
    if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) start = 3; // UTF-8 BOM
    const end = lineEnd >= 0 ? lineEnd : head.length;
    let headerLine = decoder.decode(head.subarray(start, end));
    if (headerLine.endsWith("\r")) headerLine = headerLine.slice(0, -1);
    const columns = parseHeaderLine(headerLine, path);
    return new CsvFile(path, columns, lineEnd >= 0 ? lineEnd + 1 : head.length);
  }

  /** Stream the data rows as numeric chunks. */
  async *chunks(options: CsvReadOptions = {}): AsyncGenerator<NumericChunk> {
    const out = new ChunkBuilder(this.columns.length, options.chunkRows ?? 65_536);
    let row = 0; // data rows seen so far
    let skip = this.headerBytes;
    let carry: Uint8Array | undefined;

    const parseLine = (bytes: Uint8Array, start: number, end: number): void => {
      if (end > start && bytes[end - 1] === CR) end--;
      // Blank lines are skipped (a trailing newline, or an empty last line).
      let blank = true;
      for (let i = start; i < end; i++) if (bytes[i] !== SPACE && bytes[i] !== TAB) { blank = false; break; }
      if (blank) return;
      row++;
      const base = out.base;
      parseCsvRow(bytes, start, end, this.columns, out.values, base, row, out.problems);
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
      let bytes = chunk;
      if (carry) {
        bytes = new Uint8Array(carry.length + chunk.length);
        bytes.set(carry);
        bytes.set(chunk, carry.length);
        carry = undefined;
      }
      let start = 0;
      while (true) {
        const lf = bytes.indexOf(LF, start);
        if (lf < 0) break;
        parseLine(bytes, start, lf);
        start = lf + 1;
        if (out.full) yield out.take();
      }
      if (start < bytes.length) carry = bytes.slice(start);
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

/** Rows `[from, to)` of a frame as CSV text (no header). */
export function csvRows(frame: Frame, from = 0, to = frame.rows): string {
  const width = frame.columns.length;
  const lines: string[] = [];
  for (let r = from; r < to; r++) {
    const cells = new Array<string>(width);
    for (let c = 0; c < width; c++) cells[c] = formatCell(frame.values[r * width + c]);
    lines.push(cells.join(","));
  }
  return lines.length ? lines.join("\n") + "\n" : "";
}

/** Write a frame as CSV in chunks (bounded memory for large frames). */
export async function writeCsv(path: string, frame: Frame): Promise<void> {
  const writer = await platform.openWriter(path);
  try {
    await writer.write(csvHeader(frame.columns));
    const step = 20_000;
    for (let from = 0; from < frame.rows; from += step) await writer.write(csvRows(frame, from, Math.min(frame.rows, from + step)));
  } finally {
    await writer.close();
  }
}
