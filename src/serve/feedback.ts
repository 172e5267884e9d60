/**
 * `POST /feedback`: an analyst marks served predictions right or wrong. Body: one item or an array
 * (at most MAX_FEEDBACK_ITEMS) of `{request_id, row, label}` (the true target value, or its label
 * from schema.yaml) or `{request_id, row, correct: true|false}`; `request_id` is the
 * `x-request-id` of the /predict response, `row` its 1-based row. The marks land next to the
 * logged rows (prediction-log-sinks.ts). Token: NETSEC_FEEDBACK_TOKEN, like /train's.
 */
import { excerpt } from "../errors.ts";
import type { Schema } from "../schema.ts";
import { HttpError } from "./http-error.ts";
import { type BodyLimits, readBody } from "./limits.ts";
import type { FeedbackItem, FeedbackOutcome, PredictionLog } from "./prediction-log.ts";

export const MAX_FEEDBACK_ITEMS = 10_000;

const EXPECTED = '{"request_id": "<x-request-id of the /predict answer>", "row": <1-based row>, "label": <true class> | "correct": true|false}, or an array of them';

function bad(index: number | undefined, field: string, message: string, value?: unknown): HttpError {
  const where = index === undefined ? "" : `item ${index + 1}: `;
  return new HttpError(422, "FEEDBACK_INVALID", `${where}${message}`, { ...(index === undefined ? {} : { row: index + 1 }), column: field, ...(value === undefined ? {} : { value: excerpt(JSON.stringify(value) ?? String(value)) }), expected: EXPECTED });
}

/** The items of a feedback body, checked against the schema's target (throws 400/422 naming the item and field). */
export function parseFeedback(value: unknown, schema: Schema): FeedbackItem[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new HttpError(422, "FEEDBACK_INVALID", `no feedback items: expected ${EXPECTED}`);
  if (list.length > MAX_FEEDBACK_ITEMS) throw new HttpError(413, "TOO_MANY_ITEMS", `${list.length} feedback items: at most ${MAX_FEEDBACK_ITEMS} per request`);
  const byName = new Map(schema.target.allowed.map((v) => [schema.labelOf(v), v]));
  const labels = schema.target.allowed.map((v) => `${v} (${schema.labelOf(v)})`).join(", ");
  return list.map((raw, i) => {
    const index = Array.isArray(value) ? i : undefined;
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw bad(index, "(item)", `expected an object`, raw);
    const item = raw as Record<string, unknown>;
    const known = new Set(["request_id", "row", "label", "correct"]);
    const extra = Object.keys(item).find((k) => !known.has(k));
    if (extra !== undefined) throw bad(index, extra, `unknown field "${excerpt(extra, 40)}"`);
    if (typeof item.request_id !== "string" || !/^[\w.-]{1,100}$/.test(item.request_id)) throw bad(index, "request_id", "request_id must be the x-request-id of a /predict answer", item.request_id);
    if (typeof item.row !== "number" || !Number.isInteger(item.row) || item.row < 1) throw bad(index, "row", "row must be a whole number from 1 (the row of the /predict answer)", item.row);
    const hasLabel = item.label !== undefined;
    const hasCorrect = item.correct !== undefined;
    if (hasLabel === hasCorrect) throw bad(index, "label", "give either label (the true class) or correct (true/false), not both nor neither");
    if (hasCorrect) {
      if (typeof item.correct !== "boolean") throw bad(index, "correct", "correct must be true or false", item.correct);
      return { request_id: item.request_id, row: item.row, correct: item.correct };
    }
    const label = typeof item.label === "string" && byName.has(item.label) ? byName.get(item.label)! : typeof item.label === "number" && schema.target.allowed.includes(item.label) ? item.label : undefined;
    if (label === undefined) throw bad(index, "label", `label must be one of ${labels}`, item.label);
    return { request_id: item.request_id, row: item.row, label };
  });
}

/** Read, check and record a POST /feedback body; the answer's JSON. */
export async function recordFeedback(request: Request, schema: Schema, limits: BodyLimits, log: PredictionLog | undefined): Promise<FeedbackOutcome & { status: number }> {
  if (!log) throw new HttpError(409, "NO_PREDICTION_LOG", "feedback needs the prediction log: start the server with --prediction-log <mongodb uri | file.jsonl>");
  const type = request.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/json")) throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", `POST /feedback takes application/json: ${EXPECTED}`);
  const bytes = await readBody(request, { ...limits, maxBytes: Math.min(limits.maxBytes, 4 * 1024 * 1024) });
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new HttpError(400, "MALFORMED_JSON", `the body is not valid JSON: ${(error as Error).message}`);
  }
  const items = parseFeedback(body, schema);
  // Rows scored a moment ago may still be in the log's queue: write them first.
  await log.flush();
  const outcome = await log.feedback(items);
  if (outcome.marked === 0) {
    const first = outcome.unknown[0];
    throw new HttpError(404, "NOT_LOGGED", `no logged prediction for request ${first.request_id} row ${first.row}${outcome.unknown.length > 1 ? ` (nor for ${outcome.unknown.length - 1} more)` : ""}: only rows the prediction log kept can be marked (see --prediction-log-share)`, { unknown: outcome.unknown.slice(0, 20) });
  }
  return { status: 200, marked: outcome.marked, unknown: outcome.unknown.slice(0, 100) };
}
