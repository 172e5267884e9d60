/**
 * One entry for `--data`: a `.csv` path, an `.arff` path, or a `mongodb://` / `mongodb+srv://`
 * URI (`?db=…&collection=…` in the URI or `{db, collection}` options; defaults `netsec` /
 * `phishing`). `openSource` returns a streaming `DataSource`; `readSourceFrame` reads it whole.
 *
 * A file with a header and no rows is not an error here: the frame has `rows === 0` (and
 * `chunks()` yields nothing), so the caller decides what an empty data set means.
 */
import type { Frame } from "./frame.ts";
import { collectChunks } from "./chunks.ts";
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
  const { frame, problems } = await collectChunks(source.columns, source.chunks(options));
  return { frame, problems, name: source.name, describe: source.describe, kind: source.kind };
}
