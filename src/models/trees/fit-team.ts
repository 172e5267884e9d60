/**
 * Threads inside one hist_gbt fit: the thread that grows the trees (thread 0) and `threads - 1` fit
 * workers (trees/fit-worker.ts, Web Workers through `platform.createWorker`, the machinery the
 * search and batch-scoring workers use) share the fit's arrays (SharedArrayBuffer) and step
 * together: thread 0 writes a step into the control block, every thread claims shards of it until
 * none is left (fit-ops.ts), thread 0 waits until the claimed ones are done. A worker that is not
 * scheduled just claims nothing: the others run its shards. Waiting spins briefly, then sleeps on the
 * control block (Atomics.wait), so a step costs a few microseconds, not a message round trip.
 * Each step is cut by shards (fit-ops.ts), so the model does not depend on the thread count.
 * Where the runtime has no workers (Node/vitest) there is no team and the fit runs in this thread.
 */
import { platform } from "../../runtime/index.ts";
import type { WorkerHandle } from "../../runtime/platform.ts";
import type { GbtArrays, Layout } from "./gbt-kernels.ts";
import { claimShards, CTRL, type FitWorkerInit, OP, openStep, SPINS } from "./fit-ops.ts";

export interface Team {
  readonly threads: number;
  /** Runs step `op` on every thread (this one included) and returns when all are done. */
  run(op: number, a0?: number, a1?: number): void;
  close(): void;
}

/** Whether this runtime can run fit workers on shared memory. */
export function canStartTeam(): boolean {
  return typeof platform.createWorker === "function" && typeof SharedArrayBuffer === "function";
}

/** Shared memory for the fit's arrays when a team will use them, else ordinary memory. */
export function fitBuffer(shared: boolean): (bytes: number) => [ArrayBufferLike, number] {
  return shared ? (bytes) => [new SharedArrayBuffer(bytes), 0] : (bytes) => [new ArrayBuffer(bytes), 0];
}

export async function startTeam(a: GbtArrays, layout: Layout, threads: number): Promise<Team> {
  const createWorker = platform.createWorker!.bind(platform);
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * CTRL.size));
  const workers: WorkerHandle[] = [];
  const errors: string[] = [];
  const ready = Array.from({ length: threads - 1 }, (_, i) =>
    new Promise<void>((resolve, reject) => {
      const worker = createWorker(new URL("./fit-worker.ts", import.meta.url));
      workers.push(worker);
      worker.onmessage = (message) => {
        const m = message as { type: string; message?: string };
        if (m.type === "ready") resolve();
        if (m.type === "error") errors.push(m.message ?? "unknown error");
      };
      worker.onerror = (message) => {
        errors.push(message);
        reject(new Error(`hist_gbt fit worker failed to start: ${message}`));
      };
      worker.postMessage({ type: "init", arrays: a, layout, ctrl, thread: i + 1, threads } satisfies FitWorkerInit);
    })
  );
  try {
    await Promise.all(ready);
  } catch (error) {
    workers.forEach((w) => w.terminate());
    throw error;
  }
  const joint = new Float64Array(3 * layout.jointOffset[layout.count]);
  let closed = false;
  return {
    threads,
    run(op, a0 = 0, a1 = 0) {
      const seq = ctrl[CTRL.seq] + 1;
      Atomics.store(ctrl, CTRL.done, 0);
      ctrl[CTRL.op] = op;
      ctrl[CTRL.a0] = a0;
      ctrl[CTRL.a1] = a1;
      Atomics.store(ctrl, CTRL.next, openStep(seq));
      Atomics.store(ctrl, CTRL.seq, seq);
      Atomics.notify(ctrl, CTRL.seq);
      claimShards(a, layout, ctrl, seq, op, a0, a1, joint);
      // Every shard is claimed; wait for those still running on a worker.
      let done = Atomics.load(ctrl, CTRL.done);
      for (let spins = 0; done < a.shards && !Atomics.load(ctrl, CTRL.error); spins++) {
        if (spins > SPINS) Atomics.wait(ctrl, CTRL.done, done, 20);
        done = Atomics.load(ctrl, CTRL.done);
      }
      if (Atomics.load(ctrl, CTRL.error)) throw new Error(`hist_gbt fit worker failed${errors.length ? `: ${errors[0]}` : ""}`);
    },
    close() {
      if (closed) return;
      closed = true;
      ctrl[CTRL.op] = OP.stop;
      Atomics.store(ctrl, CTRL.next, openStep(ctrl[CTRL.seq] + 1));
      Atomics.add(ctrl, CTRL.seq, 1);
      Atomics.notify(ctrl, CTRL.seq);
      workers.forEach((w) => w.terminate());
    },
  };
}
