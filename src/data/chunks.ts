/**
 * The row-chunk plumbing the readers share (CSV, ARFF, MongoDB): a builder that fills row-major
 * Float64 chunks of a fixed row count, and `collectChunks` that joins a stream of them into one
 * Frame. Each reader only parses rows; numbering and chunk boundaries live here.
 */
import { createFrame, type Frame } from "./frame.ts";
import { INPUT_LIMITS } from "./limits.ts";

export interface CellProblem {
  /** 1-based data row (the header is row 0). */
  row: number;
  /** Column name; undefined when the whole row is wrong (ragged). */
  column?: string;
  value: string;
  expected: string;
  kind: "not_a_number" | "ragged_row";
  /** The raw line, to be written to invalid/ as it was ("" when the source has no lines, e.g. MongoDB). */
  line: string;
  /** Where the row came from when its row number alone does not say, e.g. `document _id 65f0…`. */
  where?: string;
}

/** A chunk's problems grouped by their row number (in the order they were found). */
export function problemsByRow(problems: readonly CellProblem[]): Map<number, CellProblem[]> {
  const byRow = new Map<number, CellProblem[]>();
  for (const p of problems) {
    const list = byRow.get(p.row);
    if (list) list.push(p);
    else byRow.set(p.row, [p]);
  }
  return byRow;
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

  /** `reuse`: hand over every chunk in the same buffer (valid until the next `take`). */
  constructor(readonly width: number, readonly chunkRows: number, private readonly reuse = false) {
    this.values = new Float64Array(chunkRows * width);
  }

  /** Offset in `values` of the row being filled. */
  get base(): number {
    return this.rows * this.width;
  }

  /** The chunk is full of rows, or of problems (handed over early so problems never pile up). */
  get full(): boolean {
    return this.rows === this.chunkRows || (this.rows > 0 && this.problems.length >= INPUT_LIMITS.maxChunkProblems);
  }

  /** Hand over the filled rows as a chunk and start an empty one. */
  take(): NumericChunk {
    // A chunk handed over early (problems) gets its own exact-size copy and the buffer is reused.
    const early = this.rows < this.chunkRows / 2;
    const values = early ? this.values.slice(0, this.rows * this.width) : this.values.subarray(0, this.rows * this.width);
    const chunk = { firstRow: this.firstRow, rows: this.rows, values, problems: this.problems };
    if (!early && !this.reuse) this.values = new Float64Array(this.chunkRows * this.width);
    this.firstRow += this.rows;
    this.rows = 0;
    this.problems = [];
    return chunk;
  }
}

/**
 * Join a stream of chunks into one Frame with the given columns, keeping the first
 * `INPUT_LIMITS.maxCollectedProblems` cell problems and the count of all of them.
 */
export async function collectChunks(columns: readonly string[], chunks: AsyncIterable<NumericChunk>): Promise<{ frame: Frame; problems: CellProblem[]; problemCount: number }> {
  const parts: Float64Array[] = [];
  const problems: CellProblem[] = [];
  let problemCount = 0;
  let rows = 0;
  for await (const chunk of chunks) {
    parts.push(chunk.values);
    for (const p of chunk.problems) if (problems.length < INPUT_LIMITS.maxCollectedProblems) problems.push(p);
    problemCount += chunk.problems.length;
    rows += chunk.rows;
  }
  const values = new Float64Array(rows * columns.length);
  let offset = 0;
  for (const part of parts) {
    values.set(part, offset);
    offset += part.length;
  }
  return { frame: createFrame(columns, rows, values), problems, problemCount };
}
