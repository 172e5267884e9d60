/**
 * Explanation worker (a Web Worker under Deno, started by explain-rows.ts through
 * `platform.createWorker`): receives the model JSON once, rebuilds the classifier from it (plain
 * data, nothing executed), then answers every block of transformed rows with their contributions
 * for the positive class — `explainPositive`, the function `LoadedModel.explainFrame` uses, so the
 * numbers are the same as in one thread. Only web-standard globals are used here.
 */
import type { Classifier, Explanation, ModelJson } from "../models/classifier.ts";
import { modelFromJSON } from "../models/registry.ts";
import { explainPositive } from "../models/explain.ts";

export type ExplainRequest =
  | { type: "model"; model: ModelJson; positiveIndex: 0 | 1 }
  | { type: "explain"; id: number; values: Float64Array; rows: number; cols: number };

export type ExplainReply =
  | { id: number; contributions: Float64Array; base: number; output: Explanation["output"] }
  | { id: number; error: string };

const scope = globalThis as unknown as {
  onmessage: ((event: { data: ExplainRequest }) => void) | null;
  postMessage(message: ExplainReply, transfer?: ArrayBuffer[]): void;
};

let classifier: Classifier | undefined;
let positive: 0 | 1 = 1;
let loadError: string | undefined;

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === "model") {
    try {
      classifier = modelFromJSON(message.model);
      positive = message.positiveIndex;
    } catch (error) {
      loadError = (error as Error).message ?? String(error);
    }
    return;
  }
  try {
    if (!classifier) throw new Error(loadError ? `explain worker could not load the model: ${loadError}` : "explain worker got rows before its model");
    const { values, rows, cols } = message;
    const e = explainPositive(classifier, { values, rows, cols }, positive);
    scope.postMessage({ id: message.id, contributions: e.contributions, base: e.base, output: e.output }, [e.contributions.buffer as ArrayBuffer]);
  } catch (error) {
    scope.postMessage({ id: message.id, error: (error as Error).message ?? String(error) });
  }
};
