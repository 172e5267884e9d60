/**
 * The row-chunk plumbing the readers share (CSV, ARFF, MongoDB): a builder that fills row-major
 * Float64 chunks of a fixed row count, and `collectChunks` that joins a stream of them into one
 * Frame. Each reader only parses rows; numbering and chunk boundaries live here.
 */
import { createFrame, type Frame } from "./frame.ts";

export interface CellProblem {
  /** 1-based data row (the header is row 0). */
  row: number;
  /** Column name; undefined when the whole row is wrong (ragged). */
  column?: string;
  value: string;
  expected: string;
  kind: "not_a_number" | "ragged_row";
  /** The raw line, to be written to invalid/ as it was. */
  line: string;
}

export interface NumericChunk {
  /** 1-based data row number of the first row of this chunk. */
  firstRow: number;
  rows: number;
  /** Row-major values, NaN for missing or unparseable cells. */
  values: Float64Array;
  problems: CellProblem[];
}

export class ChunkBuilder {
  /** Cells of the chunk being filled; row `rows` starts at `base`. */
  values: Float64Array;
  rows = 0;
  problems: CellProblem[] = [];
  private firstRow = 1;

  constructor(readonly width: number, readonly chunkRows: number) {
    this.values = new Float64Array(chunkRows * width);
  }

  /** Offset in `values` of the row being filled. */
  get base(): number {
    return this.rows * this.width;
  }

  get full(): boolean {
    return this.rows === this.chunkRows;
  }

  /** Hand over the filled rows as a chunk and start an empty one. */
  take(): NumericChunk {
    const chunk = { firstRow: this.firstRow, rows: this.rows, values: this.values.subarray(0, this.rows * this.width), problems: this.problems };
    this.values = new Float64Array(this.chunkRows * this.width);
    this.firstRow += this.rows;
    this.rows = 0;
    this.problems = [];
    return chunk;
  }
}

/** Join a stream of chunks into one Frame with the given columns, keeping every cell problem. */
export async function collectChunks(columns: readonly string[], chunks: AsyncIterable<NumericChunk>): Promise<{ frame: Frame; problems: CellProblem[] }> {
  const parts: Float64Array[] = [];
  const problems: CellProblem[] = [];
  let rows = 0;
  for await (const chunk of chunks) {
    parts.push(chunk.values);
    for (const p of chunk.problems) problems.push(p);
    rows += chunk.rows;
  }
  const values = new Float64Array(rows * columns.length);
  let offset = 0;
  for (const part of parts) {
    values.set(part, offset);
    offset += part.length;
  }
  return { frame: createFrame(columns, rows, values), problems };
}
