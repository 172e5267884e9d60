/**
 * Explanations for `POST /predict?explain=true`, bounded (issue 22): TreeSHAP costs about one tree
 * walk per tree per distinct row (4 ms a row on the default 100-tree forest, bench/RESULTS.md), so
 * one request of 100,000 distinct rows is minutes of CPU. Here
 * - the cost, distinct rows × trees (a linear model counts as one tree), is checked before any
 *   work (before scoring: distinct rows are counted only up to the cap) against `maxExplainCost` (limits.ts DEFAULT_LIMITS, 200,000: 2,000 distinct rows of a 100-tree forest,
 *   about 8 s of CPU): above it a 422 EXPLAIN_TOO_COSTLY names the cost, the cap and how many rows
 *   would fit;
 * - the explanation runs on a model worker (explain-queue.ts); where none can start, the distinct
 *   rows are explained here in slices of about SLICE_MS each (`explainInSlices`), with a turn of
 *   the event loop between slices, so /health and small requests are answered meanwhile;
 * - the work stops at the next slice once the client has gone (the request's signal aborted).
 */
import { type Frame, takeRows } from "../data/frame.ts";
import type { PositiveExplanation } from "../models/explain.ts";
import type { GroupedPrediction } from "../models/model-file.ts";
import { yieldToLoop } from "./csv-body.ts";
import { HttpError } from "./http-error.ts";
import type { ServingModel } from "./model-store.ts";

/** Time one slice of explanation may hold the event loop (ms, aimed at). */
export const EXPLAIN_SLICE_MS = 8;

/** Trees of the served model (the tree families' `state.trees.roots`); 1 for a model without trees. */
export function explainTrees(model: ServingModel): number {
  const roots = (model as { file?: { model?: { state?: { trees?: { roots?: unknown } } } } }).file?.model?.state?.trees?.roots;
  return Array.isArray(roots) && roots.length > 0 ? roots.length : 1;
}

/**
 * 422 EXPLAIN_TOO_COSTLY when distinct rows × trees is over `maxCost`; `atLeast`: `distinctRows`
 * is a lower bound (the count stopped once it was over the cap).
 */
export function checkExplainCost(model: ServingModel, distinctRows: number, maxCost: number, atLeast = false): void {
  const trees = explainTrees(model);
  const cost = distinctRows * trees;
  if (cost <= maxCost) return;
  const fit = Math.max(0, Math.floor(maxCost / trees));
  throw new HttpError(
    422,
    "EXPLAIN_TOO_COSTLY",
    `explaining ${atLeast ? "at least " : ""}${distinctRows} distinct rows with ${trees} trees costs ${atLeast ? "at least " : ""}${cost} (distinct rows × trees), over this server's cap of ${maxCost}: ` +
      `send at most ${fit} distinct rows with explain=true (the rest without it), or start the server with a larger --max-explain-cost`,
    { cost, limit: maxCost, distinctRows, trees, maxDistinctRows: fit, ...(atLeast ? { atLeast: true } : {}) },
  );
}

/**
 * The cost check before scoring: counts distinct rows only until there are more than the cap
 * allows, so a request far over it (100,000 distinct rows) is refused after a few thousand rows
 * were looked at, without scoring them all first.
 */
export function precheckExplainCost(model: ServingModel, frame: Frame, maxCost: number): void {
  const most = Math.floor(maxCost / explainTrees(model));
  const width = frame.columns.length;
  const values = frame.values;
  // 32-bit hashes of the rows: two distinct rows that collide count once, so the count never
  // exceeds the true one (the exact check after scoring still applies).
  const seen = new Set<number>();
  for (let r = 0; r < frame.rows; r++) {
    let h = 0x811c9dc5;
    for (let i = r * width, end = i + width; i < end; i++) {
      const v = values[i];
      h = Math.imul(h ^ (Number.isNaN(v) ? 0x7ff8 : Math.round(v * 1024) | 0), 0x01000193);
    }
    seen.add(h >>> 0);
    if (seen.size > most) return checkExplainCost(model, seen.size, maxCost, r < frame.rows - 1);
  }
}

/**
 * The explanation of every row of `frame` (its distinct rows explained once, `scores.group`),
 * computed in slices that yield; throws 499 CLIENT_CLOSED when `signal` aborts meanwhile.
 */
export async function explainInSlices(model: ServingModel, frame: Frame, scores: Pick<GroupedPrediction, "group" | "distinct">, signal?: AbortSignal): Promise<PositiveExplanation> {
  const explainFrame = model.explainFrame!.bind(model);
  const first = new Int32Array(scores.distinct).fill(-1);
  for (let r = 0; r < frame.rows; r++) if (first[scores.group[r]] < 0) first[scores.group[r]] = r;
  let perSlice = 1;
  let done = 0;
  let features = 0;
  let distinctValues = new Float64Array(0);
  let head: Omit<PositiveExplanation, "contributions" | "rows"> | undefined;
  while (done < scores.distinct) {
    if (signal?.aborted) throw new HttpError(499, "CLIENT_CLOSED", `the client closed the connection: explanation abandoned after ${done} of ${scores.distinct} distinct rows`);
    const end = Math.min(scores.distinct, done + perSlice);
    const started = performance.now();
    const part = explainFrame(takeRows(frame, first.subarray(done, end)));
    const ms = performance.now() - started;
    if (!head) {
      head = { output: part.output, features: part.features, base: part.base };
      features = part.features;
      distinctValues = new Float64Array(scores.distinct * features);
    }
    distinctValues.set(part.contributions, done * features);
    done = end;
    // Aim the next slice at EXPLAIN_SLICE_MS from what this one took (at most 4× more rows at once).
    perSlice = Math.max(1, Math.min(perSlice * 4, Math.floor((perSlice * EXPLAIN_SLICE_MS) / Math.max(ms, 0.05))));
    if (done < scores.distinct) await yieldToLoop();
  }
  if (!head) {
    const empty = explainFrame(takeRows(frame, []));
    return { ...empty, rows: frame.rows };
  }
  const contributions = new Float64Array(frame.rows * features);
  for (let r = 0; r < frame.rows; r++) {
    const g = scores.group[r];
    contributions.set(distinctValues.subarray(g * features, (g + 1) * features), r * features);
  }
  return { ...head, rows: frame.rows, contributions };
}
