/**
 * `netsec train --feedback <mongodb uri>`: the served rows analysts labelled (POST /feedback on
 * the prediction log) as training data of their own lineage. The labelled rows are split, seeded
 * per (request id, row), into a share that joins the training data and a held-out share the new
 * model is evaluated on apart from the test split.
 */
import { NetsecError } from "../errors.ts";
import type { Schema } from "../schema.ts";
import { platform } from "../runtime/index.ts";
import { createFrame, type Frame } from "../data/frame.ts";
import { isMongoUri, parseMongoUri, type MongoTarget } from "../data/mongo-uri.ts";
import { withMongo } from "../data/mongo.ts";
import { openSource } from "../data/source.ts";
import { dataDigest } from "../data/digest.ts";
import type { Classifier } from "../models/classifier.ts";
import type { Preprocessor } from "../models/preprocessor.ts";
import { classificationMetrics } from "../stats/metrics.ts";
import { classesAt } from "../stats/threshold.ts";

/** Collection of the prediction log when the URI names none. */
export const DEFAULT_LOG_COLLECTION = "predictions";
/** Share of labelled rows held out to evaluate on. */
export const FEEDBACK_HOLDOUT = 0.3;

/** `mongodb://host/db.collection` (or `?db=…&collection=…`) → the target; default collection "predictions". */
export function predictionLogTarget(uri: string): MongoTarget {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)\/([^?.]+)\.([^?]+)(\?.*)?$/i.exec(uri.trim());
  if (match) return parseMongoUri(`${match[1]}/${match[2]}${match[4] ?? ""}`, { collection: decodeURIComponent(match[3]) });
  return parseMongoUri(uri, /[?&]collection=/.test(uri) ? {} : { collection: DEFAULT_LOG_COLLECTION });
}

export interface FeedbackRow {
  request_id: string;
  row: number;
  model_version: string;
  /** Features in contract order (NaN = missing). */
  values: number[];
  /** The analyst's label (a target value). */
  label: number;
}

export interface FeedbackSet {
  /** Where the rows come from, without credentials. */
  location: string;
  /** sha256 of the labelled rows in a canonical form (request id, row, features, label; sorted). */
  sha256: string;
  digest: string;
  train: FeedbackRow[];
  holdout: FeedbackRow[];
}

/** A number in [0, 1) from (request id, row): the same row always falls on the same side. */
function unitHash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 4294967296;
}

interface LoggedDocument {
  request_id?: unknown;
  row?: unknown;
  model_version?: unknown;
  features?: Record<string, unknown>;
  feedback?: { label?: unknown };
}

/** The labelled rows of a prediction log in MongoDB, checked against the contract. */
export async function loadFeedback(uri: string, schema: Schema): Promise<FeedbackSet> {
  if (!isMongoUri(uri)) throw new NetsecError("USAGE", `--feedback: expected the prediction log's mongodb://host/db.collection URI, got ${JSON.stringify(uri.slice(0, 80))}`);
  const target = predictionLogTarget(uri);
  const location = `mongodb://${target.hosts}/${target.db}.${target.collection}`;
  const docs = await withMongo(target, "read the labelled predictions", (client) =>
    client.db(target.db).collection(target.collection).find({ kind: "prediction", "feedback.label": { $exists: true } }, { projection: { _id: 0, request_id: 1, row: 1, model_version: 1, features: 1, feedback: 1 } }).toArray()) as LoggedDocument[];
  const names = schema.featureNames;
  const rows: FeedbackRow[] = docs.map((doc, i) => {
    const where = `${location}, labelled document ${i + 1} (request ${String(doc.request_id)}, row ${String(doc.row)})`;
    const label = doc.feedback?.label;
    if (typeof label !== "number" || !schema.target.allowed.includes(label)) {
      throw new NetsecError("DATA_INVALID", `${where}: feedback.label is ${JSON.stringify(label)}, expected one of ${schema.target.allowed.join(", ")}`, { location: { file: location, row: i + 1, column: "feedback.label", expected: schema.target.allowed.join(" or ") } });
    }
    const values = names.map((name) => {
      const v = doc.features?.[name];
      if (v === null || v === undefined) return NaN;
      if (typeof v !== "number") throw new NetsecError("DATA_INVALID", `${where}: features.${name} is ${JSON.stringify(v)}, expected a number`, { location: { file: location, row: i + 1, column: name, expected: "a number" } });
      return v;
    });
    return { request_id: String(doc.request_id), row: Number(doc.row), model_version: String(doc.model_version ?? ""), values, label };
  });
  rows.sort((a, b) => (a.request_id < b.request_id ? -1 : a.request_id > b.request_id ? 1 : a.row - b.row));
  const canonical = rows.map((r) => `${r.request_id},${r.row},${r.values.map((v) => (Number.isNaN(v) ? "" : v)).join(",")},${r.label}`).join("\n");
  const sha256 = await platform.sha256(canonical);
  const holdout = rows.filter((r) => unitHash(`${r.request_id}:${r.row}`) < FEEDBACK_HOLDOUT);
  const train = rows.filter((r) => unitHash(`${r.request_id}:${r.row}`) >= FEEDBACK_HOLDOUT);
  return { location, sha256, digest: dataDigest(sha256), train, holdout };
}

const cellText = (v: number) => (Number.isNaN(v) ? "" : String(v));

/**
 * The training data plus the feedback rows meant for training, as one CSV file at `out`: a CSV
 * source is copied byte for byte and the rows appended in its column order; another source (ARFF,
 * MongoDB) is written out as CSV first.
 */
export async function writeDataWithFeedback(data: string, rows: FeedbackRow[], schema: Schema, out: string): Promise<void> {
  const names = schema.featureNames;
  const line = (columns: readonly string[], r: FeedbackRow) => columns.map((c) => (c === schema.target.name ? String(r.label) : cellText(r.values[names.indexOf(c)] ?? NaN))).join(",");
  const writer = await platform.openWriter(out);
  try {
    if (!isMongoUri(data) && /\.csv$/i.test(data)) {
      const text = await platform.readTextFile(data);
      const header = text.slice(0, text.indexOf("\n") < 0 ? text.length : text.indexOf("\n")).replace(/\r$/, "");
      const columns = header.split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
      await writer.write(text.endsWith("\n") || text.length === 0 ? text : `${text}\n`);
      for (const r of rows) await writer.write(`${line(columns, r)}\n`);
    } else {
      const source = await openSource(data);
      const columns = [...source.columns];
      await writer.write(`${columns.join(",")}\n`);
      for await (const chunk of source.chunks()) {
        const width = columns.length;
        const lines: string[] = [];
        for (let r = 0; r < chunk.rows; r++) lines.push(Array.from(chunk.values.subarray(r * width, (r + 1) * width), cellText).join(","));
        await writer.write(`${lines.join("\n")}\n`);
      }
      for (const r of rows) await writer.write(`${line(columns, r)}\n`);
    }
  } finally {
    await writer.close();
  }
}

export interface FeedbackEvaluation {
  rows: number;
  /** Rows per true class. */
  classes: Record<string, number>;
  /** Scalar metrics at the model's threshold (absent with no rows). */
  metrics?: Record<string, number>;
}

/** The new model on the held-out feedback rows, at its decision threshold. */
export function evaluateOnFeedback(rows: FeedbackRow[], schema: Schema, preprocessor: Preprocessor, model: Classifier, threshold: number): FeedbackEvaluation {
  const classes: Record<string, number> = {};
  for (const r of rows) classes[String(r.label)] = (classes[String(r.label)] ?? 0) + 1;
  if (rows.length === 0) return { rows: 0, classes };
  const columns = [...schema.featureNames, schema.target.name];
  const width = columns.length;
  const values = new Float64Array(rows.length * width);
  rows.forEach((r, i) => {
    values.set(r.values, i * width);
    values[i * width + width - 1] = r.label;
  });
  const frame: Frame = createFrame(columns, rows.length, values);
  const { x, y } = preprocessor.transformFrame(frame);
  const positive = schema.positiveIndex;
  const p1 = model.predictProba(x);
  const probPositive = Float64Array.from(p1, (p) => (positive === 1 ? p : 1 - p));
  const m = classificationMetrics(y!, classesAt(probPositive, positive, threshold), probPositive, positive);
  const { accuracy, precision, recall, f1, f1_macro, roc_auc, pr_auc, log_loss } = m;
  return { rows: rows.length, classes, metrics: { accuracy, precision, recall, f1, f1_macro, roc_auc, pr_auc, log_loss } };
}
