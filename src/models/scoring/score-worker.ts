/**
 * Batch scoring worker (a Web Worker under Deno, started by parallel-scorer.ts through
 * `platform.createWorker`): the shared model worker loop (model-worker.ts) on this worker's scope.
 */
import { serveModelWorker, type WorkerScope } from "./model-worker.ts";

export type { ModelWorkerRequest as ScoreRequest, ScoreReply } from "./model-worker.ts";

serveModelWorker(globalThis as unknown as WorkerScope);
