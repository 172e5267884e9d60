/**
 * Explanation worker of `netsec predict --explain` (a Web Worker under Deno, started by
 * explain-rows.ts through `platform.createWorker`): the shared model worker loop
 * (models/scoring/model-worker.ts) on this worker's scope; it answers `explain` messages with
 * `explainPositive`, the function `LoadedModel.explainFrame` uses, so the numbers are the same as
 * in one thread.
 */
import { serveModelWorker, type WorkerScope } from "../models/scoring/model-worker.ts";

export type { ExplainReply, ModelWorkerRequest as ExplainRequest } from "../models/scoring/model-worker.ts";

serveModelWorker(globalThis as unknown as WorkerScope);
