/**
 * One entry for `--data`: a `.csv` path, an `.arff` path, or a `mongodb://` / `mongodb+srv://`
 * URI (`?db=…&collection=…` in the URI or `{db, collection}` options; defaults `netsec` /
 * `phishing`). `openSource` returns a streaming `DataSource`; `readSourceFrame` reads it whole.
 *
 * A file with a header and no rows is not an error here: the frame has `rows === 0` (and
 * `chunks()` yields nothing), so the caller decides what an empty data set means.
 */
import { createFrame, type Frame } from "./frame.ts";
import type { CellProblem } from "./csv.ts";
import { type ChunkOptions, type DataSource, openFileSource } from "./file-source.ts";
import { isMongoUri, type MongoSourceOptions, openMongoSource } from "./mongo.ts";

export type { ChunkOptions, DataSource, SourceKind } from "./file-source.ts";
export { fileStem } from "./file-source.ts";

export type SourceOptions = MongoSourceOptions;

/** Open a CSV file, an ARFF file or a MongoDB collection. Headers are read now, rows on `chunks()`. */
export function openSource(spec: string, options: SourceOptions = {}): Promise<DataSource> {
  return isMongoUri(spec) ? openMongoSource(spec.trim(), options) : openFileSource(spec);
}

export interface SourceTable {
  frame: Frame;
  problems: CellProblem[];
  /** Same as the source's. */
  name: string;
  describe: string;
  kind: DataSource["kind"];
}

/** Read a whole source into one Frame (columns as the source gives them) plus its cell problems. */
export async function readSourceFrame(spec: string | DataSource, options: SourceOptions & ChunkOptions = {}): Promise<SourceTable> {
  const source = typeof spec === "string" ? await openSource(spec, options) : spec;
  const parts: Float64Array[] = [];
  const problems: CellProblem[] = [];
  let rows = 0;
  for await (const chunk of source.chunks(options)) {
    parts.push(chunk.values);
    for (const p of chunk.problems) problems.push(p);
    rows += chunk.rows;
  }
  const values = new Float64Array(rows * source.columns.length);
  let offset = 0;
  for (const part of parts) {
    values.set(part, offset);
    offset += part.length;
  }
  return { frame: createFrame(source.columns, rows, values), problems, name: source.name, describe: source.describe, kind: source.kind };
}
