/**
 * `Frame`: the in-memory table of netsec. Numbers only (the contract is numeric), row-major in one
 * Float64Array, NaN for a missing value. Small, dependency-free and fast to pass to workers;
 * `toPolars()` in `polars.ts` turns one into a nodejs-polars DataFrame for notebooks.
 */
export interface Frame {
  readonly columns: readonly string[];
  readonly rows: number;
  /** Row-major: value of row r, column c is `values[r * columns.length + c]`. */
  readonly values: Float64Array;
}

export function createFrame(columns: readonly string[], rows: number, values = new Float64Array(rows * columns.length)): Frame {
  if (values.length !== rows * columns.length) {
    throw new RangeError(`frame of ${rows} rows × ${columns.length} columns needs ${rows * columns.length} values, got ${values.length}`);
  }
  return { columns, rows, values };
}

export function columnIndex(frame: Frame, name: string): number {
  const index = frame.columns.indexOf(name);
  if (index < 0) throw new RangeError(`no column "${name}" (columns: ${frame.columns.join(", ")})`);
  return index;
}

/** A copy of one column. */
export function getColumn(frame: Frame, name: string | number): Float64Array {
  const c = typeof name === "number" ? name : columnIndex(frame, name);
  const width = frame.columns.length;
  const out = new Float64Array(frame.rows);
  for (let r = 0; r < frame.rows; r++) out[r] = frame.values[r * width + c];
  return out;
}

/** Rows by index, in the given order. */
export function takeRows(frame: Frame, indices: ArrayLike<number>): Frame {
  const width = frame.columns.length;
  const out = new Float64Array(indices.length * width);
  for (let i = 0; i < indices.length; i++) {
    const start = indices[i] * width;
    out.set(frame.values.subarray(start, start + width), i * width);
  }
  return createFrame(frame.columns, indices.length, out);
}

/** Columns by name, in the given order. */
export function selectColumns(frame: Frame, names: readonly string[]): Frame {
  const map = names.map((n) => columnIndex(frame, n));
  const width = frame.columns.length;
  const out = new Float64Array(frame.rows * names.length);
  for (let r = 0; r < frame.rows; r++) {
    for (let j = 0; j < map.length; j++) out[r * names.length + j] = frame.values[r * width + map[j]];
  }
  return createFrame(names, frame.rows, out);
}

/** Concatenate frames with the same columns. */
export function concatFrames(frames: readonly Frame[]): Frame {
  if (frames.length === 0) throw new RangeError("concatFrames needs at least one frame");
  const columns = frames[0].columns;
  const rows = frames.reduce((n, f) => n + f.rows, 0);
  const out = new Float64Array(rows * columns.length);
  let offset = 0;
  for (const f of frames) {
    if (f.columns.join("\u0000") !== columns.join("\u0000")) throw new RangeError("concatFrames: frames have different columns");
    out.set(f.values, offset);
    offset += f.values.length;
  }
  return createFrame(columns, rows, out);
}

/** Rows as plain objects (for notebooks, JSON and small tables). */
export function toRecords(frame: Frame, limit = frame.rows): Record<string, number | null>[] {
  const width = frame.columns.length;
  const n = Math.min(limit, frame.rows);
  const records: Record<string, number | null>[] = [];
  for (let r = 0; r < n; r++) {
    const record: Record<string, number | null> = {};
    for (let c = 0; c < width; c++) {
      const v = frame.values[r * width + c];
      record[frame.columns[c]] = Number.isNaN(v) ? null : v;
    }
    records.push(record);
  }
  return records;
}
