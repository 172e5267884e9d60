/**
 * Prediction responses in the format the client asked for by `Accept`: JSON (default), CSV (the
 * input columns + `prediction` + `probability`, like `netsec predict`; with explanations also the
 * `contribution:<feature>` columns and `contribution:base`) or an HTML table.
 */
import type { Frame } from "../data/frame.ts";
import { csvHeader, formatCell } from "../data/csv-write.ts";
import { type RawLines, yieldToLoop } from "./csv-body.ts";
import type { GroupedPrediction as Scores } from "../models/model-file.ts";
import { describeOutput, type PositiveExplanation } from "../models/explain.ts";
import { contributionColumns } from "../predict/predict-file.ts";
import type { Schema } from "../schema.ts";
import { html, raw } from "../viz/markup.ts";

export type OutputFormat = "json" | "csv" | "html";


const TYPES: Record<string, OutputFormat> = {
  "application/json": "json",
  "text/csv": "csv",
  "application/csv": "csv",
  "text/html": "html",
  "application/xhtml+xml": "html",
};

/** The best format for an Accept header (q-values honoured; JSON when nothing matches). */
export function negotiate(accept: string | null): OutputFormat {
  if (!accept) return "json";
  let best: { format: OutputFormat; q: number } | undefined;
  for (const part of accept.split(",")) {
    const [type, ...params] = part.trim().toLowerCase().split(";");
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    const format = TYPES[type.trim()] ?? (type.trim() === "*/*" || type.trim() === "application/*" ? "json" : undefined);
    if (format && q > 0 && (!best || q > best.q)) best = { format, q };
  }
  return best?.format ?? "json";
}

/** Round a probability for output (6 decimals are plenty and keep bodies small). */
function round(p: number): number {
  return Math.round(p * 1e6) / 1e6;
}

/** What a prediction response may add: the threshold used and the rows' explanations. */
export interface ResponseExtras {
  threshold?: number;
  explanation?: PositiveExplanation;
  /** The schema's feature names (the contribution columns' order). */
  features?: readonly string[];
}

/** Longest the formatting of one answer holds the event loop before a turn (ms): large answers are built in slices. */
const FORMAT_SLICE_MS = 8;

/** Checked every 256 rows: true once FORMAT_SLICE_MS have passed since the last turn. */
class Pacer {
  #last = performance.now();
  due(r: number): boolean {
    return (r & 255) === 255 && performance.now() - this.#last > FORMAT_SLICE_MS;
  }
  async turn(): Promise<void> {
    await yieldToLoop();
    this.#last = performance.now();
  }
}

/** Row r's contributions as a JSON object {feature: value}. */
function contributionsJson(e: PositiveExplanation, r: number, features: readonly string[]): string {
  const parts = new Array<string>(e.features);
  for (let f = 0; f < e.features; f++) parts[f] = `${JSON.stringify(features[f])}:${e.contributions[r * e.features + f]}`;
  return `{${parts.join(",")}}`;
}

export async function jsonBody(scores: Scores, schema: Schema, version: string, extras: ResponseExtras = {}): Promise<string> {
  const pacer = new Pacer();
  const rows = scores.group.length;
  const tails = new Array<string>(scores.distinct);
  const e = extras.explanation;
  for (let i = 0; i < scores.distinct; i++) {
    const y = scores.prediction[i];
    tails[i] = `,"prediction":${y},"label":${JSON.stringify(schema.labelOf(y))},"probability":${round(scores.probability[i])}${e ? "" : "}"}`;
  }
  const out = new Array<string>(rows);
  for (let r = 0; r < rows; r++) {
    out[r] = `{"row":${r + 1}${tails[scores.group[r]]}`;
    if (e) out[r] += `,"contributions":${contributionsJson(e, r, schema.featureNames)}}`;
    if (pacer.due(r)) await pacer.turn();
  }
  const positive = schema.target.positive;
  const positiveLabel = schema.labelOf(positive);
  const head = JSON.stringify({
    modelVersion: version,
    rows,
    positive: { value: positive, label: positiveLabel },
    probabilityOf: positiveLabel,
    ...(extras.threshold === undefined ? {} : { threshold: extras.threshold }),
    ...(e ? { explanation: { output: describeOutput(e.output, positiveLabel), base: e.base, sumsTo: `base + the contributions of a row = its ${describeOutput(e.output, positiveLabel)}` } } : {}),
  });
  return `${head.slice(0, -1)},"predictions":[${out.join(",")}]}`;
}

const encoder = new TextEncoder();
const COMMA = 44, LF = 10;

/**
 * The input rows + `prediction` + `probability`, as CSV bytes. With `lines` (a CSV upload) each
 * row is echoed exactly as it was sent; otherwise (JSON rows) the parsed values are written.
 */
export async function csvBody(input: Frame, scores: Scores, lines?: RawLines, extras: ResponseExtras = {}): Promise<Uint8Array> {
  const pacer = new Pacer();
  const e = extras.explanation;
  const tails = new Array<Uint8Array>(scores.distinct);
  for (let i = 0; i < scores.distinct; i++) tails[i] = encoder.encode(`,${scores.prediction[i]},${round(scores.probability[i])}${e ? "" : "\n"}`);
  // With explanations every row gets its own tail (contributions, then the base).
  let explained: Uint8Array[] | undefined;
  if (e) {
    explained = new Array<Uint8Array>(input.rows);
    for (let r = 0; r < input.rows; r++) {
      explained[r] = encoder.encode(`,${Array.from(e.contributions.subarray(r * e.features, (r + 1) * e.features)).join(",")},${e.base}\n`);
      if (pacer.due(r)) await pacer.turn();
    }
  }
  const header = encoder.encode(csvHeader([...input.columns, "prediction", "probability", ...(e ? contributionColumns(extras.features ?? []) : [])]));
  const width = input.columns.length;
  const rowBytes: Uint8Array[] | undefined = lines ? undefined : new Array<Uint8Array>(input.rows);
  let size = header.length;
  for (let r = 0; r < input.rows; r++) {
    if (rowBytes) {
      const cells = new Array<string>(width);
      for (let c = 0; c < width; c++) cells[c] = formatCell(input.values[r * width + c]);
      rowBytes[r] = encoder.encode(cells.join(","));
      size += rowBytes[r].length;
    } else size += lines!.end[r] - lines!.start[r];
    size += tails[scores.group[r]].length + (explained ? explained[r].length : 0);
    if (pacer.due(r)) await pacer.turn();
  }
  const out = new Uint8Array(size);
  out.set(header);
  let offset = header.length;
  for (let r = 0; r < input.rows; r++) {
    const row = rowBytes ? rowBytes[r] : lines!.bytes.subarray(lines!.start[r], lines!.end[r]);
    out.set(row, offset);
    offset += row.length;
    const tail = tails[scores.group[r]];
    out.set(tail, offset);
    offset += tail.length;
    if (explained) {
      out.set(explained[r], offset);
      offset += explained[r].length;
    }
  }
  return out;
}

export function htmlBody(input: Frame, scores: Scores, schema: Schema, version: string): string {
  const positive = schema.target.positive;
  const head = [...input.columns, "prediction", "probability"].map((c) => String(html`<th>${c}</th>`)).join("");
  const labels = new Map(schema.target.allowed.map((v) => [v, String(html`${schema.labelOf(v)}`)]));
  const width = input.columns.length;
  const body: string[] = [];
  for (let r = 0; r < input.rows; r++) {
    // cells are numbers (no markup possible); names and labels went through the html builder
    const cells: string[] = [];
    for (let c = 0; c < width; c++) {
      const v = input.values[r * width + c];
      cells.push(`<td>${Number.isNaN(v) ? "" : v}</td>`);
    }
    const y = scores.prediction[scores.group[r]];
    cells.push(`<td>${y} (${labels.get(y) ?? ""})</td><td>${round(scores.probability[scores.group[r]])}</td>`);
    body.push(`<tr${y === positive ? ' class="positive"' : ""}>${cells.join("")}</tr>`);
  }
  return String(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>netsec predictions</title>
<style>body{font:14px system-ui,sans-serif;margin:1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}tr.positive{background:#fde2e1}</style></head>
<body><p>Model version ${version} · ${input.rows} rows · probability = P(${schema.labelOf(positive)})</p>
<table><thead><tr>${raw(head)}</tr></thead><tbody>${raw(body.join("\n"))}</tbody></table></body></html>`);
}
