/**
 * Writing CSV lines fast and in bounded memory: numbers formatted as the reader parses them back
 * (missing → empty cell), a buffered line writer, and quoting for free-text cells (`reason`).
 */
import { platform, type FileWriter } from "../runtime/index.ts";
import { csvHeader } from "../data/csv.ts";

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

/** A free-text cell, quoted when it holds a comma, quote or line end. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Collects lines and writes them in ~1 MB pieces. */
export class LineWriter {
  private buffer: string[] = [];
  private size = 0;
  lines = 0;

  private constructor(private readonly writer: FileWriter) {}

  /** Open `path` and write the seed-style quoted header. */
  static async create(path: string, columns: readonly string[]): Promise<LineWriter> {
    const writer = await platform.openWriter(path);
    await writer.write(csvHeader(columns));
    return new LineWriter(writer);
  }

  /** Add a line; returns a promise only when the buffer was flushed (await it then: `const p = w.line(t); if (p) await p;`). */
  line(text: string): Promise<void> | undefined {
    this.buffer.push(text);
    this.size += text.length + 1;
    this.lines++;
    return this.size >= 1 << 20 ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (!this.buffer.length) return;
    const text = this.buffer.join("\n") + "\n";
    this.buffer = [];
    this.size = 0;
    await this.writer.write(text);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.writer.close();
  }
}
