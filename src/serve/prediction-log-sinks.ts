/**
 * Where the prediction log writes: a MongoDB collection (`--prediction-log
 * mongodb://host/db.collection`, FerretDB in the tests) or a local JSONL file (any other value).
 * Feedback lands next to the logged rows: in MongoDB on the logged row's document (`feedback`
 * field), in a JSONL file as a `{"kind":"feedback",…}` line after them.
 */
import { MongoClient } from "mongodb";
import { platform } from "../runtime/index.ts";
import type { FileWriter } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import { isMongoUri, scrub, type MongoTarget } from "../data/mongo-uri.ts";
import { predictionLogTarget } from "../stages/feedback-data.ts";
import type { FeedbackItem, FeedbackMark, FeedbackOutcome, LabelContract, PredictionDocument, PredictionLogSink } from "./prediction-log-types.ts";

export { DEFAULT_LOG_COLLECTION, predictionLogTarget } from "../stages/feedback-data.ts";

/** The value a feedback item's mark stores: the true label (given, or derived from right/wrong). */
export function feedbackMark(item: FeedbackItem, predicted: number | undefined, schema: LabelContract, at: string): FeedbackMark | undefined {
  let label = item.label;
  if (label === undefined) {
    if (predicted === undefined || item.correct === undefined) return undefined;
    label = item.correct ? predicted : schema.target.allowed.find((v) => v !== predicted)!;
  }
  return { label, label_name: schema.labelOf(label), correct: predicted === undefined ? item.correct ?? false : predicted === label, at };
}

const mongoDescription = (target: MongoTarget) => `mongodb://${target.hosts}/${target.db}.${target.collection}`;

export class MongoLogSink implements PredictionLogSink {
  readonly description: string;
  readonly #client: MongoClient;
  readonly #target: MongoTarget;

  constructor(uri: string) {
    this.#target = predictionLogTarget(uri);
    this.description = mongoDescription(this.#target);
    // Short timeouts: a dead or blackholed server fails the write in seconds (the rows are then
    // dropped and counted), and the driver never holds more than a few connections.
    this.#client = new MongoClient(this.#target.clientUri, {
      ...(this.#target.hasSelectionTimeout ? {} : { serverSelectionTimeoutMS: 3000, connectTimeoutMS: 3000 }),
      socketTimeoutMS: 10_000,
      maxPoolSize: 2,
    });
  }

  get #collection() {
    return this.#client.db(this.#target.db).collection<PredictionDocument>(this.#target.collection);
  }

  async write(documents: PredictionDocument[]): Promise<void> {
    try {
      await this.#collection.insertMany(documents.map((d) => ({ ...d })), { ordered: false });
    } catch (error) {
      throw new Error(scrub((error as Error)?.message ?? String(error), this.#target));
    }
  }

  async feedback(items: FeedbackItem[], schema: LabelContract, at: string): Promise<FeedbackOutcome> {
    const ids = [...new Set(items.map((i) => i.request_id))];
    const found = await this.#collection.find({ kind: "prediction", request_id: { $in: ids } }, { projection: { request_id: 1, row: 1, prediction: 1 } }).toArray();
    const predicted = new Map(found.map((d) => [`${d.request_id}\u0000${d.row}`, d.prediction]));
    const unknown: FeedbackItem[] = [];
    let marked = 0;
    for (const item of items) {
      const prediction = predicted.get(`${item.request_id}\u0000${item.row}`);
      const mark = prediction === undefined ? undefined : feedbackMark(item, prediction, schema, at);
      if (!mark) {
        unknown.push(item);
        continue;
      }
      const result = await this.#collection.updateMany({ kind: "prediction", request_id: item.request_id, row: item.row }, { $set: { feedback: mark } });
      if (result.matchedCount > 0) marked += 1;
      else unknown.push(item);
    }
    return { marked, unknown };
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

export class JsonlLogSink implements PredictionLogSink {
  readonly description: string;
  #writer: Promise<FileWriter> | undefined;

  constructor(readonly path: string) {
    this.description = path;
  }

  #open(): Promise<FileWriter> {
    this.#writer ??= platform.openWriter(this.path, { append: true });
    return this.#writer;
  }

  async write(documents: PredictionDocument[]): Promise<void> {
    const writer = await this.#open();
    await writer.write(documents.map((d) => `${JSON.stringify(d)}\n`).join(""));
  }

  async writeLines(text: string): Promise<void> {
    const writer = await this.#open();
    await writer.write(text);
  }

  /** Appended as lines; whether the row was logged is for the reader to find out. */
  async feedback(items: FeedbackItem[], schema: LabelContract, at: string): Promise<FeedbackOutcome> {
    const writer = await this.#open();
    const lines = items.map((item) => JSON.stringify({ kind: "feedback", request_id: item.request_id, row: item.row, ...(item.label !== undefined ? { label: item.label, label_name: schema.labelOf(item.label) } : {}), ...(item.correct !== undefined ? { correct: item.correct } : {}), at }));
    await writer.write(`${lines.join("\n")}\n`);
    return { marked: items.length, unknown: [] };
  }

  async close(): Promise<void> {
    if (this.#writer) await (await this.#writer).close();
  }
}

/** `--prediction-log`: a MongoDB URI, or a path to a JSONL file. */
export function openPredictionLogSink(spec: string): PredictionLogSink {
  describePredictionLogSink(spec);
  return isMongoUri(spec) ? new MongoLogSink(spec) : new JsonlLogSink(spec);
}

/** What `spec` writes to, safe to print, without opening it; its errors are the sink's. */
export function describePredictionLogSink(spec: string): string {
  if (isMongoUri(spec)) return mongoDescription(predictionLogTarget(spec));
  if (!spec.trim()) throw new NetsecError("USAGE", "--prediction-log: expected a mongodb:// URI or a path to a .jsonl file");
  return spec;
}
