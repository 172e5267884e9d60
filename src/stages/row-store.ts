/**
 * `RowStore`: an append-only table of numeric rows kept in fixed-size blocks, so a stream of
 * chunks can be collected without ever copying the whole table into one bigger array (peak memory
 * stays at one copy of the data). Rows can be read back by index and turned into a Frame.
 */
import { createFrame, type Frame } from "../data/frame.ts";

const BLOCK_ROWS = 65_536;

export class RowStore {
  private readonly blocks: Float64Array[] = [];
  private count = 0;

  constructor(readonly columns: readonly string[]) {}

  get rows(): number {
    return this.count;
  }

  get width(): number {
    return this.columns.length;
  }

  /** Append `rows` rows from a row-major array (starting at `offset`). */
  append(values: Float64Array, rows: number, offset = 0): void {
    const width = this.width;
    for (let r = 0; r < rows; r++) this.appendRow(values, offset + r * width);
  }

  /** Append one row read from `values[start … start + width)`. */
  appendRow(values: Float64Array, start: number): void {
    const width = this.width;
    const inBlock = this.count % BLOCK_ROWS;
    if (inBlock === 0) this.blocks.push(new Float64Array(BLOCK_ROWS * width));
    this.blocks[this.blocks.length - 1].set(values.subarray(start, start + width), inBlock * width);
    this.count++;
  }

  /** The block holding row `r` and the offset of the row in it (no copy). */
  locate(r: number): { block: Float64Array; offset: number } {
    return { block: this.blocks[Math.floor(r / BLOCK_ROWS)], offset: (r % BLOCK_ROWS) * this.width };
  }

  get(r: number, c: number): number {
    const { block, offset } = this.locate(r);
    return block[offset + c];
  }

  /** One column as a new array. */
  column(c: number): Float64Array {
    const out = new Float64Array(this.count);
    const width = this.width;
    for (let r = 0; r < this.count; r++) out[r] = this.blocks[Math.floor(r / BLOCK_ROWS)][(r % BLOCK_ROWS) * width + c];
    return out;
  }

  /** The whole table as one Frame (one copy). */
  toFrame(): Frame {
    const width = this.width;
    const values = new Float64Array(this.count * width);
    for (let b = 0; b < this.blocks.length; b++) {
      const rowsHere = Math.min(BLOCK_ROWS, this.count - b * BLOCK_ROWS);
      values.set(this.blocks[b].subarray(0, rowsHere * width), b * BLOCK_ROWS * width);
    }
    return createFrame(this.columns, this.count, values);
  }

  /** The whole table as one Frame, releasing the blocks as they are copied (peak: frame + one block). The store is empty afterwards. */
  drainToFrame(): Frame {
    const width = this.width;
    const values = new Float64Array(this.count * width);
    for (let b = 0; b < this.blocks.length; b++) {
      const rowsHere = Math.min(BLOCK_ROWS, this.count - b * BLOCK_ROWS);
      values.set(this.blocks[b].subarray(0, rowsHere * width), b * BLOCK_ROWS * width);
      this.blocks[b] = EMPTY;
    }
    const frame = createFrame(this.columns, this.count, values);
    this.blocks.length = 0;
    this.count = 0;
    return frame;
  }
}

const EMPTY = new Float64Array(0);
