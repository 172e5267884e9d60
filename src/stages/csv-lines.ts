/**
 * Writing CSV lines fast and in bounded memory: rows of numbers are encoded straight into a byte
 * buffer (no intermediate strings for the usual small integers), formatted as the reader parses
 * them back (missing → empty cell), and written in ~1 MB pieces. Free text (`reason`) is quoted.
 */
import { platform, type FileWriter } from "../runtime/index.ts";
import { csvHeader } from "../data/csv-write.ts";

const SMALL_INTS = new Map<number, string>();
for (let i = -9; i <= 9; i++) SMALL_INTS.set(i, String(i));

/** One row `values[start … start + width)` as a CSV line (no line end). */
export function formatRow(values: Float64Array, start: number, width: number): string {
  let line = "";
  for (let c = 0; c < width; c++) {
    const v = values[start + c];
    if (c > 0) line += ",";
    if (Number.isNaN(v)) continue;
    line += SMALL_INTS.get(v) ?? String(v);
  }
  return line;
}

/** A free-text cell, quoted when it holds a comma, quote or line end (data/csv-write.ts). */
export { csvField } from "../data/csv-write.ts";

const COMMA = 44, LF = 10, MINUS = 45, ZERO = 48;
const BUFFER_BYTES = 1 << 20;
const encoder = new TextEncoder();

/** Collects lines in a byte buffer and writes it when full. */
export class LineWriter {
  private buffer = new Uint8Array(BUFFER_BYTES);
  private used = 0;
  lines = 0;

  private constructor(private readonly writer: FileWriter) {}

  /** Open `path` and write the seed-style quoted header (plus `extra` columns, e.g. "reason"). */
  static async create(path: string, columns: readonly string[]): Promise<LineWriter> {
    const writer = await platform.openWriter(path);
    await writer.write(csvHeader(columns));
    return new LineWriter(writer);
  }

  private ensure(bytes: number): void {
    if (this.used + bytes <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.used + bytes));
    grown.set(this.buffer.subarray(0, this.used));
    this.buffer = grown;
  }

  private putText(text: string): void {
    this.ensure(text.length * 3);
    this.used += encoder.encodeInto(text, this.buffer.subarray(this.used)).written;
  }

  private putNumber(v: number): void {
    if (Number.isNaN(v)) return;
    if (Number.isInteger(v) && v > -10 && v < 10) {
      if (v < 0) {
        this.buffer[this.used++] = MINUS;
        this.buffer[this.used++] = ZERO - v;
      } else this.buffer[this.used++] = ZERO + v;
      return;
    }
    this.putText(String(v));
  }

  private done(): Promise<void> | undefined {
    this.buffer[this.used++] = LF;
    this.lines++;
    return this.used >= BUFFER_BYTES - 4096 ? this.flush() : undefined;
  }

  /**
   * Add a text line. Returns a promise only when the buffer was flushed; await it then:
   * `const flushed = w.line(t); if (flushed) await flushed;` (no await per line otherwise).
   */
  line(text: string): Promise<void> | undefined {
    this.putText(text);
    this.ensure(1);
    return this.done();
  }

  /** Add a row of numbers `values[start … start + width)` (cells equal to `missingCode`, or NaN, are left empty). Returns as `line()`. */
  row(values: ArrayLike<number>, start: number, width: number, missingCode?: number): Promise<void> | undefined {
    this.ensure(width * 24 + 2);
    for (let c = 0; c < width; c++) {
      if (c > 0) this.buffer[this.used++] = COMMA;
      const v = values[start + c];
      if (v !== missingCode) this.putNumber(v);
    }
    this.ensure(1);
    return this.done();
  }

  async flush(): Promise<void> {
    if (!this.used) return;
    const bytes = this.buffer.slice(0, this.used);
    this.used = 0;
    await this.writer.write(bytes);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.writer.close();
  }
}
