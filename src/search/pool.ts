/**
 * Runs fold tasks on the second core: Web Workers where the runtime has them (Deno, through
 * `platform.createWorker`), else in-process (Node/vitest). Results do not depend on which worker
 * ran a task: every task is a pure function of (data, grid point, fold).
 */
import { platform } from "../runtime/index.ts";
import type { WorkerHandle } from "../runtime/platform.ts";
import { type FoldData, type FoldOutcome, type FoldTask, runFoldTask } from "./fold-task.ts";

export interface TaskPool {
  readonly size: number;
  run(task: FoldTask): Promise<FoldOutcome>;
  close(): void;
}

export function defaultWorkerCount(requested: number | "auto" = "auto"): number {
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return requested === "auto" ? Math.max(1, cores) : requested;
}

function inProcessPool(data: FoldData): TaskPool {
  // One task at a time, in the order asked: a fit may await, and the tasks of this thread share
  // one copy of the training rows (fold-task.ts).
  let last: Promise<unknown> = Promise.resolve();
  return {
    size: 1,
    run: (task) => {
      const next = last.then(async () => {
        await new Promise((resolve) => setTimeout(resolve, 0)); // let progress output through
        return runFoldTask(data, task);
      });
      last = next.catch(() => {});
      return next;
    },
    close: () => {},
  };
}

export function createPool(data: FoldData, workers: number): TaskPool {
  if (workers <= 1 || !platform.createWorker) return inProcessPool(data);
  const handles: WorkerHandle[] = [];
  const idle: WorkerHandle[] = [];
  const waiting: { task: FoldTask; resolve: (o: FoldOutcome) => void; reject: (e: Error) => void }[] = [];
  const pending = new Map<number, { resolve: (o: FoldOutcome) => void; reject: (e: Error) => void; worker: WorkerHandle }>();
  const dispatch = () => {
    while (idle.length && waiting.length) {
      const worker = idle.pop()!;
      const job = waiting.shift()!;
      pending.set(job.task.id, { resolve: job.resolve, reject: job.reject, worker });
      worker.postMessage({ type: "task", task: job.task });
    }
  };
  let alive = workers;
  let closed = false;
  // Each worker does one task and is replaced by a fresh one: whatever a fit left in its heap
  // (typed arrays the collector had not reached yet) goes with it at once, so the search's memory
  // is the live tasks' and not their history's (at 1M rows the two workers grew by ~250 MB over
  // the search when they were kept). A worker starts in well under a second; the data is shared.
  const start = () => {
    const worker = platform.createWorker!(new URL("./worker.ts", import.meta.url));
    worker.onmessage = (outcome) => {
      const result = outcome as FoldOutcome;
      const job = pending.get(result.id);
      if (!job) return;
      pending.delete(result.id);
      handles.splice(handles.indexOf(worker), 1);
      worker.terminate();
      if (!closed) start();
      job.resolve(result);
      dispatch();
    };
    worker.onerror = (message) => {
      // A worker that fails is not reused; when none is left, queued tasks fail too (never hang).
      alive--;
      for (const [id, job] of pending) {
        if (job.worker === worker) {
          pending.delete(id);
          job.reject(new Error(`search worker failed: ${message}`));
        }
      }
      if (alive === 0) for (const job of waiting.splice(0)) job.reject(new Error(`search workers failed: ${message}`));
    };
    worker.postMessage({ type: "data", data });
    handles.push(worker);
    idle.push(worker);
  };
  for (let i = 0; i < workers; i++) start();
  return {
    size: workers,
    run: (task) => new Promise((resolve, reject) => {
      waiting.push({ task, resolve, reject });
      dispatch();
    }),
    close: () => {
      closed = true;
      handles.forEach((w) => w.terminate());
    },
  };
}
