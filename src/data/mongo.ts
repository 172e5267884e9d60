/**
 * MongoDB as a data source and sink, through the official `mongodb` driver.
 *
 * - `openMongoSource` reads a collection streamed in batches (`find` with `batchSize`, `_id`
 *   projected away). Column order: the caller's columns (schema.yaml order) followed by any other
 *   field of the first document, else the first document's field order. Values are coerced to
 *   numbers; a missing field or `null` is a missing value; anything else that is not a number is a
 *   `CellProblem` naming the document's 1-based index in the stream and the field.
 * - `pushData` loads a CSV/ARFF file into a collection with `insertMany({ordered: false})` in
 *   batches. Every row gets a deterministic `_id` (sha256 of its field/value pairs plus the
 *   occurrence number of that identical row in the file), so duplicate rows of the data stay
 *   separate documents and a second run inserts nothing (duplicate-key errors are counted as
 *   "already present").
 *
 * An unreachable server fails within ~3 s (`serverSelectionTimeoutMS`) with MONGO_UNREACHABLE
 * naming the host; messages never show credentials.
 */
import { type Collection, type Document, MongoBulkWriteError, MongoClient, MongoError, MongoParseError } from "mongodb";
import { excerpt, NetsecError, quoted } from "../errors.ts";
import { INPUT_LIMITS } from "./limits.ts";
import { platform } from "../runtime/index.ts";
import { parseCell, type NumericChunk } from "./csv.ts";
import { type ChunkOptions, type DataSource, openFileSource } from "./file-source.ts";
import { ChunkBuilder } from "./chunks.ts";
import { type MongoTarget, parseMongoUri, scrub } from "./mongo-uri.ts";

export { isMongoUri, parseMongoUri, redactUri, type MongoTarget } from "./mongo-uri.ts";

export const SELECTION_TIMEOUT_MS = 3000;

export interface MongoOptions {
  db?: string;
  collection?: string;
  /** Documents per round trip (find batchSize / insertMany batch). Default 1000. */
  batchSize?: number;
}

export interface MongoSourceOptions extends MongoOptions {
  /** Column order to use (e.g. schema.columns); other fields of the first document follow. */
  columns?: readonly string[];
}

function where(target: MongoTarget): string {
  return `MongoDB at ${target.hosts} (${target.redacted})`;
}

/** Turn a driver error into a NetsecError a person can act on (no credentials in it). */
export function mongoError(error: unknown, target: MongoTarget, action: string): NetsecError {
  if (error instanceof NetsecError) return error;
  const message = scrub(error instanceof Error ? error.message : String(error), target);
  const name = error instanceof Error ? error.name : "";
  if (error instanceof MongoParseError) {
    return new NetsecError("CONFIG_INVALID", `invalid MongoDB connection string ${target.redacted}: ${message}`);
  }
  if (/ServerSelection|Network|TopologyClosed/.test(name)) {
    return new NetsecError(
      "MONGO_UNREACHABLE",
      `cannot reach ${where(target)} while trying to ${action}: ${message || "no server answered"}. Is the server running and the host:port right? (scripts/services.sh start runs FerretDB on 127.0.0.1:27117)`,
    );
  }
  const code = error instanceof MongoError ? error.code : undefined;
  if (code === 18 || code === 13) {
    return new NetsecError("MONGO_FAILED", `${where(target)} refused to ${action}: ${message} (check the user, password and authSource in the URI)`);
  }
  return new NetsecError("MONGO_FAILED", `${where(target)} failed to ${action}: ${message}`, { cause: error });
}

function newClient(target: MongoTarget, action: string): MongoClient {
  try {
    const timeouts = target.hasSelectionTimeout ? {} : { serverSelectionTimeoutMS: SELECTION_TIMEOUT_MS, connectTimeoutMS: SELECTION_TIMEOUT_MS };
    return new MongoClient(target.clientUri, timeouts);
  } catch (error) {
    throw mongoError(error, target, action);
  }
}

/** Connect (fails within ~3 s when no server answers) and run `fn`; the client is always closed. */
export async function withMongo<T>(target: MongoTarget, action: string, fn: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = newClient(target, action);
  try {
    await client.connect();
    return await fn(client);
  } catch (error) {
    throw mongoError(error, target, action);
  } finally {
    await client.close().catch(() => {});
  }
}

/** A field value as a number: NaN for missing; undefined when it is not a number. */
export function coerceValue(value: unknown): number | undefined {
  if (value === undefined || value === null) return NaN;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string") return parseCell(value);
  if (typeof value === "object" && ["Decimal128", "Long", "Double", "Int32"].includes((value as { _bsontype?: string })._bsontype ?? "")) {
    return parseCell(String(value));
  }
  return undefined;
}

/** A field value as text for a problem record (at most INPUT_LIMITS.maxValueChars characters). */
function showValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "string" ? value : JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > INPUT_LIMITS.maxValueChars ? text.slice(0, INPUT_LIMITS.maxValueChars) : text;
}

/** `document _id 65f0c…` (ObjectId as hex, strings quoted and cut). */
export function describeDocument(id: unknown): string {
  if (id === undefined) return "a document without _id";
  const hex = (id as { toHexString?: () => string }).toHexString?.();
  if (hex) return `document _id ${hex}`;
  return `document _id ${typeof id === "string" ? quoted(id) : excerpt(showValue(id))}`;
}

async function emptyCollectionError(client: MongoClient, target: MongoTarget): Promise<NetsecError> {
  const names = (await client.db(target.db).listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  const found = names.includes(target.collection);
  const what = found ? "is empty" : `does not exist (collections in ${target.db}: ${names.length ? names.join(", ") : "none"})`;
  return new NetsecError("DATA_INVALID", `collection ${target.db}.${target.collection} on ${where(target)} ${what}; load data with: netsec push-data --input <csv|arff> --mongo-uri <uri> --db ${target.db} --collection ${target.collection}`);
}

async function* readDocuments(target: MongoTarget, columns: readonly string[], batchSize: number, options: ChunkOptions): AsyncGenerator<NumericChunk> {
  const width = columns.length;
  const out = new ChunkBuilder(width, options.chunkRows ?? Math.max(batchSize, 10_000));
  const index = new Map(columns.map((c, i) => [c, i]));
  const client = newClient(target, `read ${target.db}.${target.collection}`);
  let row = 0;
  try {
    await client.connect();
    // `_id` is read to name a document whose fields are not numbers; it is not a column.
    const cursor = client.db(target.db).collection(target.collection).find({}, { batchSize });
    for await (const doc of cursor) {
      row++;
      const base = out.base;
      out.values.fill(NaN, base, base + width);
      for (const key of Object.keys(doc)) {
        const c = key === "_id" && !index.has("_id") ? undefined : index.get(key);
        if (c === undefined) continue; // a field the first document did not have
        const v = coerceValue(doc[key]);
        if (v === undefined) {
          const value = showValue(doc[key]);
          const n = Number(value);
          const expected = n === Infinity || n === -Infinity ? "a number within ±1.8e308" : "a number (or null / missing for a missing value)";
          out.problems.push({ row, column: key, value, expected, kind: "not_a_number", line: "", where: describeDocument(doc._id) });
        } else if (v === Infinity || v === -Infinity) {
          out.problems.push({ row, column: key, value: String(v), expected: "a finite number", kind: "not_a_number", line: "", where: describeDocument(doc._id) });
        } else out.values[base + c] = v;
      }
      out.rows++;
      if (out.full) yield out.take();
    }
    if (out.rows > 0) yield out.take();
  } catch (error) {
    throw mongoError(error, target, `read ${target.db}.${target.collection}`);
  } finally {
    await client.close().catch(() => {});
  }
}

/** Open a collection as a DataSource: connects once now to learn the columns, then once per `chunks()`. */
export async function openMongoSource(uri: string, options: MongoSourceOptions = {}): Promise<DataSource> {
  const target = parseMongoUri(uri, options);
  const batchSize = options.batchSize ?? 1000;
  const fields = await withMongo(target, `read ${target.db}.${target.collection}`, async (client) => {
    const first = await client.db(target.db).collection(target.collection).findOne({}, { projection: { _id: 0 } });
    if (!first) throw await emptyCollectionError(client, target);
    return Object.keys(first);
  });
  const given = options.columns ?? [];
  const columns = [...given, ...fields.filter((f) => !given.includes(f))];
  return {
    kind: "mongodb",
    name: target.collection,
    columns,
    describe: `MongoDB ${target.redacted} collection ${target.db}.${target.collection}`,
    chunks: (chunkOptions = {}) => readDocuments(target, columns, batchSize, chunkOptions),
  };
}

export interface PushDataOptions extends MongoOptions {
  /** A .csv or .arff file. */
  input: string;
  uri: string;
  /** Called after each batch with the rows handled so far. */
  onProgress?: (rowsDone: number) => void;
}

export interface PushDataResult {
  input: string;
  target: string;
  db: string;
  collection: string;
  /** Data rows read from the file. */
  rows: number;
  inserted: number;
  alreadyPresent: number;
  /** Rows not pushed (wrong number of cells); listed in `warnings`. */
  skipped: number;
  warnings: string[];
}

async function insertBatch(collection: Collection<Document>, docs: Document[]): Promise<number> {
  try {
    return (await collection.insertMany(docs, { ordered: false })).insertedCount;
  } catch (error) {
    if (error instanceof MongoBulkWriteError) {
      const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      if (errors.every((e) => e.code === 11000)) return error.insertedCount;
    }
    throw error;
  }
}

/** Load a CSV/ARFF file into a collection, idempotently (see the module comment). */
export async function pushData(options: PushDataOptions): Promise<PushDataResult> {
  const target = parseMongoUri(options.uri, options);
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new NetsecError("USAGE", `batch size must be a positive integer, got ${batchSize}`);
  const source = await openFileSource(options.input);
  if (source.kind === "mongodb") throw new NetsecError("USAGE", "push-data reads a .csv or .arff file");
  const result: PushDataResult = { input: options.input, target: target.redacted, db: target.db, collection: target.collection, rows: 0, inserted: 0, alreadyPresent: 0, skipped: 0, warnings: [] };
  const { columns } = source;
  const width = columns.length;
  const sortedColumns = columns.map((c, i) => [c, i] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const sortedNames = JSON.stringify(sortedColumns.map(([name]) => name));
  const seen = new Map<string, number>();
  return await withMongo(target, `write to ${target.db}.${target.collection}`, async (client) => {
    const collection = client.db(target.db).collection(target.collection);
    for await (const chunk of source.chunks({ chunkRows: batchSize })) {
      const bad = new Map<number, Map<string, string>>();
      const ragged = new Set<number>();
      for (const p of chunk.problems) {
        if (p.kind === "ragged_row" || p.column === undefined) ragged.add(p.row);
        else (bad.get(p.row) ?? bad.set(p.row, new Map()).get(p.row)!).set(p.column, p.value.trim());
      }
      const docs: Document[] = [];
      for (let r = 0; r < chunk.rows; r++) {
        const rowNumber = chunk.firstRow + r;
        if (ragged.has(rowNumber)) {
          result.skipped++;
          if (result.warnings.length < 20) result.warnings.push(`${options.input} row ${rowNumber}: wrong number of cells, not pushed`);
          continue;
        }
        const raw = bad.get(rowNumber);
        const doc: Document = {};
        for (let c = 0; c < width; c++) {
          const v = chunk.values[r * width + c];
          // Keep a cell that is not a number as its text, so validation downstream still sees it.
          doc[columns[c]] = raw?.get(columns[c]) ?? (Number.isNaN(v) ? null : v);
        }
        // Identity = field/value pairs in name order (column order does not matter) + occurrence.
        const key = JSON.stringify(sortedColumns.map(([name]) => doc[name]));
        const occurrence = (seen.get(key) ?? 0) + 1;
        seen.set(key, occurrence);
        docs.push({ _id: await platform.sha256(`${sortedNames}${key}#${occurrence}`), ...doc });
      }
      result.rows += chunk.rows;
      if (docs.length > 0) {
        const inserted = await insertBatch(collection, docs);
        result.inserted += inserted;
        result.alreadyPresent += docs.length - inserted;
      }
      options.onProgress?.(result.rows);
    }
    return result;
  });
}
