/**
 * The server's explanation worker (a Web Worker under Deno, started by explain-queue.ts through
 * `platform.createWorker`): the shared model worker loop (models/scoring/model-worker.ts).
 */
import { serveModelWorker, type WorkerScope } from "../models/scoring/model-worker.ts";

serveModelWorker(globalThis as unknown as WorkerScope);
