/**
 * `RowStore`: an append-only table of numeric rows kept in fixed-size blocks, so a stream of
 * chunks can be collected without copying the whole table into one bigger array. While every
 * value is a small integer (the contract's -1/0/1) or missing, rows are stored as Int8 (1 byte a
 * cell instead of 8; missing = -128); the first other value converts the store to Float64 once.
 */
import { createFrame, type Frame } from "../data/frame.ts";
import { formatRow, type LineWriter } from "./csv-lines.ts";

const BLOCK_ROWS = 65_536;
/** Int8 code of a missing value. */
export const INT8_MISSING = -128;

type Block = Int8Array | Float64Array;

export class RowStore {
  private blocks: Block[] = [];
  private count = 0;
  private compact = true;

  constructor(readonly columns: readonly string[]) {}

  get rows(): number {
    return this.count;
  }

  get width(): number {
    return this.columns.length;
  }

  /** "int8" while every value stored is a small integer or missing, else "float64". */
  get encoding(): "int8" | "float64" {
    return this.compact ? "int8" : "float64";
  }

  /** Append `rows` rows from a row-major array (starting at `offset`). */
  append(values: Float64Array, rows: number, offset = 0): void {
    const width = this.width;
    for (let r = 0; r < rows; r++) this.appendRow(values, offset + r * width);
  }

  /** Append one row read from `values[start … start + width)`. */
  appendRow(values: Float64Array, start: number): void {
    const width = this.width;
    if (this.compact) {
      for (let c = 0; c < width; c++) {
        const v = values[start + c];
        if (!Number.isNaN(v) && !(Number.isInteger(v) && v > INT8_MISSING && v <= 127)) {
          this.toFloat64();
          break;
        }
      }
    }
    const inBlock = this.count % BLOCK_ROWS;
    if (inBlock === 0) this.blocks.push(this.compact ? new Int8Array(BLOCK_ROWS * width) : new Float64Array(BLOCK_ROWS * width));
    const block = this.blocks[this.blocks.length - 1];
    const at = inBlock * width;
    if (block instanceof Float64Array) block.set(values.subarray(start, start + width), at);
    else {
      for (let c = 0; c < width; c++) {
        const v = values[start + c];
        block[at + c] = Number.isNaN(v) ? INT8_MISSING : v;
      }
    }
    this.count++;
  }

  /** Switch to Float64 storage (converting the rows stored so far). */
  toFloat64(): void {
    if (!this.compact) return;
    this.blocks = this.blocks.map((block) => Float64Array.from(block, (v) => (v === INT8_MISSING ? NaN : v)));
    this.compact = false;
  }

  /**
   * The block holding row `r` and the row's offset in it (no copy). Values are Int8 codes
   * (missing = INT8_MISSING) when `encoding` is "int8"; compare rows of stores with the same encoding.
   */
  locate(r: number): { block: Block; offset: number } {
    return { block: this.blocks[Math.floor(r / BLOCK_ROWS)], offset: (r % BLOCK_ROWS) * this.width };
  }

  get(r: number, c: number): number {
    const { block, offset } = this.locate(r);
    const v = block[offset + c];
    return this.compact && v === INT8_MISSING ? NaN : v;
  }

  /** Row `r` as a CSV line (missing → empty cell). */
  formatRow(r: number): string {
    const { block, offset } = this.locate(r);
    if (block instanceof Float64Array) return formatRow(block, offset, this.width);
    let line = "";
    for (let c = 0; c < this.width; c++) {
      const v = block[offset + c];
      if (c > 0) line += ",";
      if (v !== INT8_MISSING) line += v;
    }
    return line;
  }

  /** Write row `r` to a CSV line writer (returns as `LineWriter.row`). */
  writeRow(r: number, writer: LineWriter): Promise<void> | undefined {
    const { block, offset } = this.locate(r);
    return writer.row(block, offset, this.width, this.compact ? INT8_MISSING : undefined);
  }

  /** One column as a new array (NaN = missing). */
  column(c: number): Float64Array {
    return this.columnInto(c, new Float64Array(this.count), 0);
  }

  /** Copy column `c` into `out` from `offset` on (NaN = missing); returns `out`. */
  columnInto(c: number, out: Float64Array, offset: number): Float64Array {
    const width = this.width;
    for (let b = 0, r = 0; b < this.blocks.length; b++) {
      const block = this.blocks[b];
      const rowsHere = Math.min(BLOCK_ROWS, this.count - b * BLOCK_ROWS);
      for (let i = 0; i < rowsHere; i++, r++) {
        const v = block[i * width + c];
        out[offset + r] = this.compact && v === INT8_MISSING ? NaN : v;
      }
    }
    return out;
  }

  /** The whole table as one Frame, releasing the blocks as they are copied. The store is empty afterwards. */
  drainToFrame(): Frame {
    const width = this.width;
    const values = new Float64Array(this.count * width);
    for (let b = 0; b < this.blocks.length; b++) {
      const rowsHere = Math.min(BLOCK_ROWS, this.count - b * BLOCK_ROWS);
      const block = this.blocks[b];
      const base = b * BLOCK_ROWS * width;
      for (let i = 0; i < rowsHere * width; i++) {
        const v = block[i];
        values[base + i] = this.compact && v === INT8_MISSING ? NaN : v;
      }
      this.blocks[b] = EMPTY;
    }
    const frame = createFrame(this.columns, this.count, values);
    this.blocks = [];
    this.count = 0;
    return frame;
  }
}

const EMPTY = new Float64Array(0);
