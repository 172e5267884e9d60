/**
 * The model worker's message loop, shared by every worker that holds a model (score-worker.ts for
 * batch scoring, predict/explain-worker.ts for `predict --explain`, and the server's explanations,
 * serve/explain-queue.ts): it receives the model JSON once, rebuilds the classifier from it (plain
 * data, nothing executed), then answers each block of transformed rows with P(class 1) (`score`)
 * or with their contributions for the positive class (`explain`: `explainPositive`, the function
 * `LoadedModel.explainFrame` uses, so the numbers are those of one thread). Only web-standard
 * globals are used, so the same code runs as a Deno Web Worker and on a Node worker thread.
 */
import type { Classifier, Explanation, ModelJson } from "../classifier.ts";
import { explainPositive } from "../explain.ts";
import { modelFromJSON } from "../registry.ts";

export type ModelWorkerRequest =
  /**
   * `model`: the model JSON, or its text (a string is copied to the worker in one piece, much
   * faster than cloning a large forest object); `positiveIndex`: the class index of the positive
   * class (explanations speak of it; default 1).
   */
  | { type: "model"; model: ModelJson | string; positiveIndex?: 0 | 1 }
  | { type: "score"; id: number; values: Float64Array; rows: number; cols: number }
  | { type: "explain"; id: number; values: Float64Array; rows: number; cols: number };

/** `values`: the request's buffer, handed back for the next request (no fresh allocation there). */
export type ScoreReply = { id: number; p: Float64Array; values: Float64Array } | { id: number; error: string };
export type ExplainReply = { id: number; contributions: Float64Array; base: number; output: Explanation["output"] } | { id: number; error: string };
export type ModelWorkerReply = ScoreReply | ExplainReply;

/** What a worker module sees of its global scope. */
export interface WorkerScope {
  onmessage: ((event: { data: ModelWorkerRequest }) => void) | null;
  postMessage(message: ModelWorkerReply, transfer?: ArrayBuffer[]): void;
}

/** Installs the message loop on `scope` (a worker module calls it with its `globalThis`). */
export function serveModelWorker(scope: WorkerScope): void {
  let classifier: Classifier | undefined;
  let positive: 0 | 1 = 1;
  let loadError: string | undefined;
  scope.onmessage = (event) => {
    const message = event.data;
    if (message.type === "model") {
      try {
        classifier = modelFromJSON(typeof message.model === "string" ? JSON.parse(message.model) as ModelJson : message.model);
        positive = message.positiveIndex ?? 1;
        loadError = undefined;
      } catch (error) {
        classifier = undefined;
        loadError = (error as Error).message ?? String(error);
      }
      return;
    }
    try {
      if (!classifier) throw new Error(loadError ? `model worker could not load the model: ${loadError}` : `model worker got rows to ${message.type} before its model`);
      const { values, rows, cols } = message;
      if (message.type === "score") {
        const p = classifier.predictProba({ values: values.subarray(0, rows * cols), rows, cols });
        scope.postMessage({ id: message.id, p, values }, [p.buffer as ArrayBuffer, values.buffer as ArrayBuffer]);
      } else {
        const e = explainPositive(classifier, { values: values.subarray(0, rows * cols), rows, cols }, positive);
        scope.postMessage({ id: message.id, contributions: e.contributions, base: e.base, output: e.output }, [e.contributions.buffer as ArrayBuffer]);
      }
    } catch (error) {
      scope.postMessage({ id: message.id, error: (error as Error).message ?? String(error) });
    }
  };
}
