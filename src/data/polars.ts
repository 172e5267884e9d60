/**
 * Frame ↔ nodejs-polars DataFrame, for notebooks (display, quick exploration with the polars
 * API). Works under Deno (the npm package's native addon loads with `deno jupyter` and `deno run`)
 * and Node. Missing values (NaN in a Frame) become polars nulls and back. Only notebooks and
 * `src/mod.ts` import this file, so the CLI and the server never load the native addon.
 */
import pl from "nodejs-polars";
import { createFrame, type Frame } from "./frame.ts";

export type PolarsDataFrame = ReturnType<typeof pl.DataFrame>;

/** One Float64 column per Frame column; NaN → null. */
export function toPolars(frame: Frame): PolarsDataFrame {
  const width = frame.columns.length;
  const series = frame.columns.map((name, c) => {
    const values: (number | null)[] = new Array(frame.rows);
    for (let r = 0; r < frame.rows; r++) {
      const v = frame.values[r * width + c];
      values[r] = Number.isNaN(v) ? null : v;
    }
    return pl.Series(name, values, pl.Float64);
  });
  return pl.DataFrame(series);
}

/** A numeric DataFrame back to a Frame (nulls → NaN). Non-numeric columns are refused. */
export function fromPolars(df: PolarsDataFrame): Frame {
  const columns = df.columns;
  const rows = df.height;
  const values = new Float64Array(rows * columns.length);
  columns.forEach((name, c) => {
    const series = df.getColumn(name);
    if (!series.isNumeric()) throw new TypeError(`column "${name}" is ${String(series.dtype).replace(/^DataType\((.*)\)$/, "$1")}, not numeric`);
    const data = series.cast(pl.Float64).toArray() as (number | null)[];
    for (let r = 0; r < rows; r++) values[r * columns.length + c] = data[r] ?? NaN;
  });
  return createFrame(columns, rows, values);
}

/**
 * A display bundle for a DataFrame: HTML table (first rows) and text. `Deno.jupyter` shows
 * polars' own bundle blank in VS Code and `console.log(df)` prints `{}` under Deno, so notebooks
 * use this (see docs/notebooks.md).
 */
export function polarsBundle(df: PolarsDataFrame, rows = 20): Record<string, string> {
  const head = df.head(rows);
  const more = df.height > rows ? `<p>${df.height} rows × ${df.width} columns, first ${rows} shown</p>` : "";
  return { "text/html": head.toHTML() + more, "text/plain": head.toString() };
}
