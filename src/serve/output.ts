/**
 * Prediction responses in the format the client asked for by `Accept`: JSON (default), CSV (the
 * input columns + `prediction` + `probability`, like `netsec predict`) or an HTML table.
 */
import type { Frame } from "../data/frame.ts";
import { csvHeader } from "../data/csv.ts";
import type { Schema } from "../schema.ts";
import { escapeHtml } from "./pages/html.ts";

export type OutputFormat = "json" | "csv" | "html";

export interface Predictions {
  prediction: ArrayLike<number>;
  probability: ArrayLike<number>;
}

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

export function jsonBody(predictions: Predictions, rows: number, schema: Schema, version: string): string {
  const out = new Array<string>(rows);
  const labels = new Map(schema.target.allowed.map((v) => [v, JSON.stringify(schema.labelOf(v))]));
  for (let r = 0; r < rows; r++) {
    const y = predictions.prediction[r];
    out[r] = `{"row":${r + 1},"prediction":${y},"label":${labels.get(y) ?? '""'},"probability":${round(predictions.probability[r])}}`;
  }
  const head = JSON.stringify({ modelVersion: version, rows, positive: { value: schema.target.positive, label: schema.labelOf(schema.target.positive) }, probabilityOf: schema.labelOf(schema.target.positive) });
  return `${head.slice(0, -1)},"predictions":[${out.join(",")}]}`;
}

export function csvBody(input: Frame, predictions: Predictions): string {
  const width = input.columns.length;
  const cache = new Map<number, string>();
  const cell = (v: number): string => {
    if (Number.isNaN(v)) return "";
    let s = cache.get(v);
    if (s === undefined) {
      s = String(v);
      if (cache.size < 256) cache.set(v, s);
    }
    return s;
  };
  const lines = new Array<string>(input.rows + 1);
  lines[0] = csvHeader([...input.columns, "prediction", "probability"]).slice(0, -1);
  const cells = new Array<string>(width + 2);
  for (let r = 0; r < input.rows; r++) {
    const base = r * width;
    for (let c = 0; c < width; c++) cells[c] = cell(input.values[base + c]);
    cells[width] = cell(predictions.prediction[r]);
    cells[width + 1] = String(round(predictions.probability[r]));
    lines[r + 1] = cells.join(",");
  }
  return lines.join("\n") + "\n";
}

export function htmlBody(input: Frame, predictions: Predictions, schema: Schema, version: string): string {
  const positive = schema.target.positive;
  const head = [...input.columns, "prediction", "probability"].map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const width = input.columns.length;
  const body: string[] = [];
  for (let r = 0; r < input.rows; r++) {
    const cells: string[] = [];
    for (let c = 0; c < width; c++) {
      const v = input.values[r * width + c];
      cells.push(`<td>${Number.isNaN(v) ? "" : v}</td>`);
    }
    const y = predictions.prediction[r];
    cells.push(`<td>${y} (${escapeHtml(schema.labelOf(y))})</td><td>${round(predictions.probability[r])}</td>`);
    body.push(`<tr${y === positive ? ' class="positive"' : ""}>${cells.join("")}</tr>`);
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>netsec predictions</title>
<style>body{font:14px system-ui,sans-serif;margin:1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}tr.positive{background:#fde2e1}</style></head>
<body><p>Model version ${escapeHtml(version)} · ${input.rows} rows · probability = P(${escapeHtml(schema.labelOf(positive))})</p>
<table><thead><tr>${head}</tr></thead><tbody>${body.join("\n")}</tbody></table></body></html>`;
}
