/**
 * `netsec monitor`'s work (no output files: the command writes them): read a CSV or a prediction
 * log (JSONL, the service's `--prediction-log` file: one `{"kind": "prediction", "features": {…},
 * "feedback"?: {"label": …}}` per line, and `{"kind": "feedback", …}` lines: see readLog), score the rows with the model, compare them with the
 * model's reference (the same analysis as GET /monitor, over every row of the file instead of a
 * rolling window) and, where rows carry their true label (a target column in the CSV, feedback in
 * the log), add the real precision / recall / F1 of those rows next to CBPE's estimate.
 */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import type { Schema } from "../schema.ts";
import { readCsv } from "../data/csv.ts";
import { createFrame, type Frame } from "../data/frame.ts";
import { loadModelFile } from "../models/model-file.ts";
import { confusionScores } from "../stats/cbpe.ts";
import { analyzeWindow, type MonitorReport } from "./analysis.ts";
import { loadReference, REFERENCE_FILE } from "./reference-file.ts";
import { countRows } from "./window.ts";

export interface MonitorInput {
  kind: "csv" | "prediction log";
  frame: Frame;
  /** 1 = positive, 0 = negative, NaN = not known; per row. */
  labels: Float64Array;
}

export interface OfflineReport extends MonitorReport {
  input: { file: string; kind: MonitorInput["kind"]; rows: number; labelled: number };
  model: { dir: string; version: number; sha256: string };
  /** Real metrics of the labelled rows at the model's threshold (null when none are labelled). */
  actual: { rows: number; precision: number | null; recall: number | null; f1: number | null } | null;
}

function labelOf(schema: Schema, value: unknown): number {
  if (typeof value !== "number" || !schema.target.allowed.includes(value)) return NaN;
  return value === schema.target.positive ? 1 : 0;
}

type LogLine = { kind?: unknown; request_id?: unknown; row?: unknown; features?: Record<string, unknown>; prediction?: unknown; feedback?: { label?: unknown }; label?: unknown; correct?: unknown };

/** What a `{"kind": "feedback"}` line says about one logged row: its true label, or right / wrong. */
interface FeedbackLine {
  label: unknown;
  correct: unknown;
}

const rowKey = (requestId: unknown, row: unknown) => `${String(requestId)}\u0000${String(row)}`;

/** The true label a row's feedback gives: the label itself, or derived from "correct" and the prediction. */
function feedbackLabel(schema: Schema, mark: FeedbackLine, predicted: unknown): number {
  if (mark.label !== undefined) return labelOf(schema, mark.label);
  if (typeof mark.correct !== "boolean" || typeof predicted !== "number" || !schema.target.allowed.includes(predicted)) return NaN;
  return labelOf(schema, mark.correct ? predicted : schema.target.allowed.find((v) => v !== predicted));
}

/**
 * The rows of a prediction log: features by name (null = missing) and the true label where one is
 * known. A label comes from a `{"kind": "feedback", "request_id", "row", "label" | "correct"}` line
 * (what the service appends to a JSONL log on POST /feedback; anywhere in the file, the last one
 * for a row wins) or else from a `"feedback": {"label": …}` object on the prediction line itself
 * (a MongoDB export). Feedback for a row the log does not hold is ignored.
 */
async function readLog(path: string, schema: Schema): Promise<MonitorInput> {
  const features = schema.featureNames;
  const values: number[] = [];
  const predictions: LogLine[] = [];
  const marks = new Map<string, FeedbackLine>();
  const lines = (await platform.readTextFile(path)).split("\n");
  const where = (i: number, column?: string) => ({ location: { file: path, row: i + 1, ...(column ? { column } : {}) } });
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let doc: LogLine;
    try {
      doc = JSON.parse(line);
    } catch (error) {
      throw new NetsecError("DATA_INVALID", `${path}, line ${i + 1}: not JSON (${(error as Error).message}); expected one prediction-log entry per line`, where(i));
    }
    if (doc?.kind === "feedback") {
      if (typeof doc.request_id !== "string" || !Number.isInteger(doc.row)) throw new NetsecError("DATA_INVALID", `${path}, line ${i + 1}: a feedback line needs "request_id" (text) and "row" (a whole number); expected {"kind": "feedback", "request_id": "…", "row": 1, "label": ${schema.target.positive}}`, where(i));
      marks.set(rowKey(doc.request_id, doc.row), { label: doc.label, correct: doc.correct });
      return;
    }
    if (doc?.kind !== undefined && doc.kind !== "prediction") return; // other entries of the log
    const row = doc?.features;
    if (!row || typeof row !== "object") throw new NetsecError("DATA_INVALID", `${path}, line ${i + 1}: no "features" object; expected {"kind": "prediction", "features": {"${features[0]}": …, …}}`, where(i));
    for (const name of features) {
      const v = row[name];
      if (v === null || v === undefined) values.push(NaN);
      else if (typeof v === "number") values.push(v);
      else throw new NetsecError("DATA_INVALID", `${path}, line ${i + 1}, feature ${name}: got ${JSON.stringify(v).slice(0, 40)}, expected a number or null`, where(i, name));
    }
    predictions.push(doc);
  });
  const labels = predictions.map((doc) => {
    const mark = doc.request_id === undefined ? undefined : marks.get(rowKey(doc.request_id, doc.row));
    return mark ? feedbackLabel(schema, mark, doc.prediction) : labelOf(schema, doc.feedback?.label);
  });
  return { kind: "prediction log", frame: createFrame(features, labels.length, Float64Array.from(values)), labels: Float64Array.from(labels) };
}

export async function readMonitorInput(path: string, schema: Schema): Promise<MonitorInput> {
  const info = await platform.stat(path);
  if (!info?.isFile) throw new NetsecError("FILE_NOT_FOUND", `no file ${path} (give a CSV of feature columns or a prediction log, .jsonl)`, { location: { file: path } });
  if (/\.(jsonl|ndjson)$/i.test(path)) return readLog(path, schema);
  const { frame } = await readCsv(path);
  const absent = schema.featureNames.filter((n) => !frame.columns.includes(n));
  if (absent.length) {
    throw new NetsecError("DATA_INVALID", `${path} has no column${absent.length > 1 ? "s" : ""} ${absent.slice(0, 5).join(", ")}${absent.length > 5 ? ` and ${absent.length - 5} more` : ""}: expected the ${schema.featureNames.length} feature columns of ${schema.source} (the target column is optional)`, { location: { file: path, column: absent[0] } });
  }
  const t = frame.columns.indexOf(schema.target.name);
  const labels = new Float64Array(frame.rows).fill(NaN);
  if (t >= 0) for (let r = 0; r < frame.rows; r++) labels[r] = labelOf(schema, frame.values[r * frame.columns.length + t]);
  return { kind: "csv", frame, labels };
}

export async function monitorFile(path: string, modelDir: string, schema: Schema): Promise<OfflineReport> {
  const model = await loadModelFile(modelDir, { schema });
  const reference = await loadReference(modelDir, model.features);
  if (!reference) throw new NetsecError("MODEL_INVALID", `the model in ${modelDir} (version ${model.version}) has no ${REFERENCE_FILE}: it was pushed before netsec wrote one; push a new model with \`netsec train\``, { location: { file: `${modelDir}/${REFERENCE_FILE}` } });
  const input = await readMonitorInput(path, schema);
  if (input.frame.rows === 0) throw new NetsecError("DATA_INVALID", `${path} holds no rows to monitor`, { location: { file: path } });
  const probability = model.predictFrame(input.frame).probability;
  const report = analyzeWindow(reference, countRows(reference, input.frame, probability, path));
  const real = { tp: 0, fp: 0, fn: 0, tn: 0 };
  let labelled = 0;
  input.labels.forEach((y, r) => {
    if (Number.isNaN(y)) return;
    labelled++;
    const decided = probability[r]! >= model.threshold;
    if (decided) y ? real.tp++ : real.fp++;
    else y ? real.fn++ : real.tn++;
  });
  const scores = confusionScores(real);
  const orNull = (v: number) => (Number.isNaN(v) ? null : v);
  return {
    input: { file: path, kind: input.kind, rows: input.frame.rows, labelled },
    model: { dir: modelDir, version: model.version, sha256: model.sha256 },
    actual: labelled ? { rows: labelled, precision: orNull(scores.precision), recall: orNull(scores.recall), f1: orNull(scores.f1) } : null,
    ...report,
  };
}
