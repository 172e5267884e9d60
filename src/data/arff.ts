/**
 * Streaming reader for ARFF files (Weka's format, used by the original UCI "Phishing Websites"
 * download): `@relation`, `@attribute <name> <type>`, `@data`, `%` comment lines, `?` for a
 * missing value, dense rows (`1,-1,0`) and sparse rows (`{0 1, 3 -1}`, unlisted values are 0).
 *
 * netsec's data is numeric, so attributes must be `numeric` / `real` / `integer` or nominal with
 * numeric labels (`{ -1,0,1 }`, as in the UCI file); `string`, `date`, `relational` and nominal
 * labels that are not numbers are refused when the header is read. Rows come out in the same
 * chunk shape as `CsvFile` (`NumericChunk`), and bad cells / rows are `CellProblem`s with their
 * 1-based data row (comment and blank lines do not count), not exceptions. A value outside an
 * attribute's declared nominal set is kept as read: checking allowed values is the contract's job.
 */
import { platform } from "../runtime/index.ts";
import { excerpt, NetsecError, quoted, showName } from "../errors.ts";
import { expectedNumber, parseCell, type CellProblem, type CsvReadOptions, type NumericChunk } from "./csv.ts";
import { ChunkBuilder } from "./chunks.ts";
import { INPUT_LIMITS } from "./limits.ts";
import { afterCarry, describeBadByte, firstInvalidUtf8, textStart } from "./text.ts";

export interface ArffAttribute {
  name: string;
  type: "numeric" | "nominal";
  /** Declared nominal values (as numbers), for nominal attributes. */
  nominal?: number[];
}

const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Lines of a text file, streamed; `\r\n` and `\n` endings, a UTF-8 BOM dropped. UTF-16, binary
 * files, bytes that are not UTF-8 and lines over `INPUT_LIMITS.maxLineBytes` are refused
 * (ARFF_INVALID naming the line and byte offset).
 */
async function* readLines(path: string): AsyncGenerator<string> {
  let carry: Uint8Array | undefined;
  let offset = 0; // file offset of bytes[0]
  let lineNumber = 0;
  let first = true;
  const decodeLine = (bytes: Uint8Array, start: number, end: number): string => {
    lineNumber++;
    if (end - start > INPUT_LIMITS.maxLineBytes) throw arffError(path, lineNumber, `the line is longer than ${INPUT_LIMITS.maxLineBytes} bytes (byte offset ${offset + start})`);
    if (end > start && bytes[end - 1] === 13) end--;
    try {
      return strictDecoder.decode(bytes.subarray(start, end));
    } catch {
      const at = firstInvalidUtf8(bytes, start, end);
      throw arffError(path, lineNumber, describeBadByte(bytes, at < 0 ? start : at, offset));
    }
  };
  for await (const chunk of platform.readChunks(path)) {
    const bytes = afterCarry(carry, chunk);
    carry = undefined;
    let start = 0;
    if (first) {
      first = false;
      const head = textStart(bytes);
      if ("refused" in head) throw new NetsecError("ARFF_INVALID", `${path}: not a UTF-8 ARFF file: ${head.refused}`, { location: { file: path } });
      start = head.start;
    }
    while (true) {
      const lf = bytes.indexOf(10, start);
      if (lf < 0) break;
      yield decodeLine(bytes, start, lf);
      start = lf + 1;
    }
    if (start < bytes.length) {
      carry = bytes.slice(start);
      if (carry.length > INPUT_LIMITS.maxLineBytes) throw arffError(path, lineNumber + 1, `the line is longer than ${INPUT_LIMITS.maxLineBytes} bytes (byte offset ${offset + start})`);
    }
    offset += start;
  }
  if (carry && carry.length) yield decodeLine(carry, 0, carry.length);
}

/** Strip one pair of matching single or double quotes. */
function unquote(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && (t[0] === "'" || t[0] === '"') && t[t.length - 1] === t[0]) return t.slice(1, -1).replaceAll(`\\${t[0]}`, t[0]);
  return t;
}

/** `name rest`: the name may be quoted and contain spaces. */
function splitName(text: string): [string, string] {
  const t = text.trim();
  if (t[0] === "'" || t[0] === '"') {
    const end = t.indexOf(t[0], 1);
    if (end > 0) return [t.slice(1, end), t.slice(end + 1).trim()];
  }
  const space = t.search(/\s/);
  return space < 0 ? [t, ""] : [t.slice(0, space), t.slice(space).trim()];
}

function isSkippable(line: string): boolean {
  const t = line.trimStart();
  return t === "" || t[0] === "%";
}

function arffError(path: string, lineNumber: number, message: string): NetsecError {
  return new NetsecError("ARFF_INVALID", `${path}, line ${lineNumber}: ${message}`, { location: { file: path } });
}

function parseAttribute(path: string, lineNumber: number, rest: string): ArffAttribute {
  const [name, typeText] = splitName(rest);
  if (!name) throw arffError(path, lineNumber, "@attribute without a name, expected '@attribute <name> <type>'");
  if (!typeText) throw arffError(path, lineNumber, `@attribute ${showName(name)} has no type, expected numeric, real, integer or {v1,v2,…}`);
  const lower = typeText.toLowerCase();
  if (lower === "numeric" || lower === "real" || lower === "integer") return { name, type: "numeric" };
  if (typeText.startsWith("{")) {
    const close = typeText.lastIndexOf("}");
    if (close < 0) throw arffError(path, lineNumber, `@attribute ${showName(name)}: nominal values are not closed by '}'`);
    const labels = splitQuoted(typeText.slice(1, close)).map(unquote);
    const nominal = labels.map((label) => parseCell(label));
    const bad = labels.filter((_, i) => nominal[i] === undefined || Number.isNaN(nominal[i]));
    if (bad.length > 0) {
      throw arffError(path, lineNumber, `@attribute ${showName(name)} has non-numeric nominal values {${bad.slice(0, 5).map((b) => excerpt(b)).join(", ")}${bad.length > 5 ? `, … ${bad.length - 5} more` : ""}}: netsec reads numeric data only (expected labels such as -1, 0, 1)`);
    }
    return { name, type: "nominal", nominal: nominal as number[] };
  }
  throw arffError(path, lineNumber, `@attribute ${showName(name)} has type ${quoted(typeText)}: netsec reads numeric data only (expected numeric, real, integer or numeric nominal values {…})`);
}

export class ArffFile {
  private constructor(
    readonly path: string,
    readonly relation: string,
    readonly attributes: ArffAttribute[],
    /** Number of lines up to and including `@data`. */
    private readonly headerLines: number,
  ) {}

  get columns(): string[] {
    return this.attributes.map((a) => a.name);
  }

  /** Open an ARFF file and read its header. Throws ARFF_INVALID for a missing, empty or broken header. */
  static async open(path: string): Promise<ArffFile> {
    const info = await platform.stat(path);
    if (!info) throw new NetsecError("FILE_NOT_FOUND", `file not found: ${path}`, { location: { file: path } });
    if (!info.isFile) throw new NetsecError("ARFF_INVALID", `${path} is not a file`, { location: { file: path } });
    let relation: string | undefined;
    const attributes: ArffAttribute[] = [];
    const names = new Set<string>();
    let lineNumber = 0;
    let sawData = false;
    for await (const line of readLines(path)) {
      lineNumber++;
      if (isSkippable(line)) continue;
      const t = line.trim();
      const keyword = t.split(/\s/, 1)[0].toLowerCase();
      const rest = t.slice(keyword.length).trim();
      if (keyword === "@relation") relation = unquote(rest);
      else if (keyword === "@attribute") {
        const attribute = parseAttribute(path, lineNumber, rest);
        if (names.has(attribute.name)) throw arffError(path, lineNumber, `@attribute ${showName(attribute.name)} is declared twice`);
        if (attributes.length >= INPUT_LIMITS.maxColumns) throw arffError(path, lineNumber, `more than ${INPUT_LIMITS.maxColumns} @attribute lines (the most netsec reads)`);
        names.add(attribute.name);
        attributes.push(attribute);
      } else if (keyword === "@data") {
        sawData = true;
        break;
      } else {
        throw arffError(path, lineNumber, `unexpected ${quoted(t, 60)} in the header, expected @relation, @attribute, @data or a % comment`);
      }
    }
    if (lineNumber === 0) throw new NetsecError("ARFF_INVALID", `${path} is empty: expected an ARFF header (@relation, @attribute …, @data) and data rows`, { location: { file: path } });
    if (relation === undefined) throw arffError(path, 1, "no @relation line: this does not look like an ARFF file");
    if (attributes.length === 0) throw arffError(path, lineNumber, "no @attribute lines before @data");
    if (!sawData) throw arffError(path, lineNumber, "no @data line: the header never ends");
    return new ArffFile(path, relation, attributes, lineNumber);
  }

  /** Stream the data rows as numeric chunks (same shape as `CsvFile.chunks`). */
  async *chunks(options: CsvReadOptions = {}): AsyncGenerator<NumericChunk> {
    const out = new ChunkBuilder(this.attributes.length, options.chunkRows ?? 65_536);
    let row = 0;
    let lineNumber = 0;
    for await (const line of readLines(this.path)) {
      lineNumber++;
      if (lineNumber <= this.headerLines || isSkippable(line)) continue;
      row++;
      const t = line.trim();
      if (t.startsWith("{")) this.parseSparse(t, line, row, out.values, out.base, out.problems);
      else this.parseDense(t, line, row, out.values, out.base, out.problems);
      out.rows++;
      if (out.full) yield out.take();
    }
    if (out.rows > 0) yield out.take();
  }

  private cell(text: string, column: number, row: number, line: string, problems: CellProblem[]): number {
    const raw = unquote(text);
    if (raw === "?") return NaN;
    const parsed = raw === "" ? undefined : parseCell(raw);
    if (parsed === undefined || Number.isNaN(parsed)) {
      problems.push({ row, column: this.attributes[column].name, value: raw, expected: expectedNumber(raw, "?"), kind: "not_a_number", line });
      return NaN;
    }
    return parsed;
  }

  private parseDense(text: string, line: string, row: number, out: Float64Array, base: number, problems: CellProblem[]): void {
    const width = this.attributes.length;
    const fields = text.includes("'") || text.includes('"') ? splitQuoted(text) : text.split(",");
    // ARFF 3.5 instance weight: a trailing `{w}` field.
    if (fields.length === width + 1 && /^\s*\{.*\}\s*$/.test(fields[width])) fields.pop();
    if (fields.length !== width) {
      out.fill(NaN, base, base + width);
      problems.push({ row, value: `${fields.length} values`, expected: `${width} values (one per @attribute)`, kind: "ragged_row", line });
      return;
    }
    for (let c = 0; c < width; c++) out[base + c] = this.cell(fields[c], c, row, line, problems);
  }

  private parseSparse(text: string, line: string, row: number, out: Float64Array, base: number, problems: CellProblem[]): void {
    const width = this.attributes.length;
    out.fill(0, base, base + width);
    const close = text.indexOf("}");
    const body = text.slice(1, close < 0 ? undefined : close).trim();
    if (body === "") return;
    for (const entry of splitQuoted(body)) {
      const [indexText, valueText] = splitName(entry);
      const index = Number(indexText);
      if (!Number.isInteger(index) || index < 0 || index >= width) {
        out.fill(NaN, base, base + width);
        problems.push({ row, value: entry.trim(), expected: `sparse entries "<index 0-${width - 1}> <value>"`, kind: "ragged_row", line });
        return;
      }
      out[base + index] = this.cell(valueText, index, row, line, problems);
    }
  }
}

/** Split on commas outside single or double quotes (quotes kept, `unquote` removes them). */
function splitQuoted(text: string): string[] {
  const fields: string[] = [];
  let quote = "";
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = "";
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === ",") {
      fields.push(text.slice(start, i));
      start = i + 1;
    }
  }
  fields.push(text.slice(start));
  return fields;
}
