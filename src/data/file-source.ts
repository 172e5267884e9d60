/**
 * `DataSource`: what every source (CSV file, ARFF file, MongoDB collection) gives the pipeline —
 * a name, the columns, a human description and a stream of numeric chunks. This file opens the
 * file kinds; `source.ts` adds MongoDB and picks one from a `--data` spec.
 */
import { fileSha256 } from "./digest.ts";
import { NetsecError } from "../errors.ts";
import { platform } from "../runtime/index.ts";
import { ArffFile } from "./arff.ts";
import { CsvFile, type CsvReadOptions, type NumericChunk } from "./csv.ts";

export type SourceKind = "csv" | "arff" | "mongodb";

export type ChunkOptions = CsvReadOptions;

export interface DataSource {
  kind: SourceKind;
  /** Stem for `feature_store/<name>.csv`: the file name without extension, or the collection name. */
  name: string;
  /** Column names in the order the values come in. */
  columns: string[];
  /** One line for logs, summaries and run tags (credentials redacted), e.g. "CSV file data/x.csv". */
  describe: string;
  /** Stream the rows. May be called more than once; each call reads the source again. */
  chunks(options?: ChunkOptions): AsyncIterable<NumericChunk>;
  /** sha256 of what the rows are read from (a file's bytes); undefined when there is no cheap one (a database). */
  digest?(): Promise<string>;
}

/** File name without directory and extension: `a/b/Training Dataset.arff` → `Training Dataset`. */
export function fileStem(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Decide CSV or ARFF: by extension, else by the first non-comment line (`@relation` → ARFF). */
async function sniffKind(path: string): Promise<"csv" | "arff"> {
  const lower = path.toLowerCase();
  if (lower.endsWith(".arff")) return "arff";
  if (lower.endsWith(".csv")) return "csv";
  for await (const chunk of platform.readChunks(path, 4096)) {
    const text = new TextDecoder().decode(chunk).replace(/^\uFEFF/, "");
    for (const line of text.split("\n")) {
      const t = line.trim();
      if (t === "" || t.startsWith("%")) continue;
      return t.toLowerCase().startsWith("@relation") ? "arff" : "csv";
    }
    break;
  }
  return "csv";
}

/** Open a CSV or ARFF file as a DataSource (reads the header now, the rows on `chunks()`). */
export async function openFileSource(path: string): Promise<DataSource> {
  const info = await platform.stat(path);
  if (!info) {
    throw new NetsecError("FILE_NOT_FOUND", `data file not found: ${path} (expected a .csv or .arff file, or a mongodb:// URI)`, { location: { file: path } });
  }
  const kind = info.isFile ? await sniffKind(path) : "csv";
  if (kind === "arff") {
    const file = await ArffFile.open(path);
    return { kind, name: fileStem(path), columns: file.columns, describe: `ARFF file ${path} (@relation ${file.relation})`, chunks: (options) => file.chunks(options), digest: () => fileSha256(path) };
  }
  const file = await CsvFile.open(path);
  return { kind, name: fileStem(path), columns: file.columns, describe: `CSV file ${path}`, chunks: (options) => file.chunks(options), digest: () => fileSha256(path) };
}
