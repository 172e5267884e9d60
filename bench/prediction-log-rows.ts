// The prediction log's writer alone: µs to turn one queued row (30 features) into its JSONL line,
// 10 × 10 000 rows into a sink that only counts bytes; and what stays on the serving thread now
// that the writer runs in a worker: µs per row of `offer` (sampling + typed-array copies) alone.
// Usage: node_modules/deno/deno run -A --config deno.json bench/prediction-log-rows.ts
import { PredictionLog } from "../src/serve/prediction-log.ts";
import { createFrame } from "../src/data/frame.ts";
import { loadSchema } from "../src/schema.ts";
const schema = await loadSchema();
const FEATURES = schema.featureNames;
let bytes = 0;
const sink = { description: "m", write: async () => {}, writeLines: async (t: string) => { bytes += t.length; }, feedback: async () => ({ marked: 0, unknown: [] }), close: async () => {} };
const n = 10000;
const frame = createFrame(FEATURES, n, Float64Array.from({ length: n * FEATURES.length }, (_, k) => (k % 3) - 1));
const scores = { prediction: Int8Array.from({ length: n }, () => 1), probability: Float64Array.from({ length: n }, (_, r) => r / n), group: Uint32Array.from({ length: n }, (_, r) => r), distinct: n };
const log = new PredictionLog({ sink, schema, maxQueuedRows: 1e7 });
for (let k = 0; k < 3; k++) { log.offer("r", "1", frame, scores); await log.flush(); }
const t = performance.now();
for (let k = 0; k < 10; k++) { log.offer("r", "1", frame, scores); await log.flush(); }
console.log("µs per row", ((performance.now() - t) * 1000) / (10 * n));
let offerMs = 0;
for (let k = 0; k < 10; k++) {
  const t0 = performance.now();
  log.offer("r", "1", frame, scores);
  offerMs += performance.now() - t0;
  await log.flush();
}
console.log("offer µs per row (serving thread)", (offerMs * 1000) / (10 * n));
