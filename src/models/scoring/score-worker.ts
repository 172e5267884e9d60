/**
 * Batch scoring worker (a Web Worker under Deno, started by parallel-scorer.ts through
 * `platform.createWorker`): receives the model JSON once, rebuilds the classifier from it (plain
 * data, nothing executed), then answers every block of rows with P(class 1). Only web-standard
 * globals are used here.
 */
import type { Classifier, ModelJson } from "../classifier.ts";
import { modelFromJSON } from "../registry.ts";

export type ScoreRequest =
  | { type: "model"; model: ModelJson }
  | { type: "score"; id: number; values: Float64Array; rows: number; cols: number };

/** `values`: the request's buffer, handed back for the next request (no fresh allocation there). */
export type ScoreReply = { id: number; p: Float64Array; values: Float64Array } | { id: number; error: string };

const scope = globalThis as unknown as {
  onmessage: ((event: { data: ScoreRequest }) => void) | null;
  postMessage(message: ScoreReply, transfer?: ArrayBuffer[]): void;
};

let classifier: Classifier | undefined;
let loadError: string | undefined;

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === "model") {
    try {
      classifier = modelFromJSON(message.model);
    } catch (error) {
      loadError = (error as Error).message ?? String(error);
    }
    return;
  }
  try {
    if (!classifier) throw new Error(loadError ? `score worker could not load the model: ${loadError}` : "score worker got rows before its model");
    const { values, rows, cols } = message;
    const p = classifier.predictProba({ values: values.subarray(0, rows * cols), rows, cols });
    scope.postMessage({ id: message.id, p, values }, [p.buffer as ArrayBuffer, values.buffer as ArrayBuffer]);
  } catch (error) {
    scope.postMessage({ id: message.id, error: (error as Error).message ?? String(error) });
  }
};
