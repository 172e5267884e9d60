/**
 * A hist_gbt fit worker (a Web Worker under Deno, started by trees/fit-team.ts through
 * `platform.createWorker`): gets the fit's shared arrays once, then claims and runs shards of every
 * step the control block announces until told to stop. Only web-standard globals are used here.
 */
import { claimShards, CTRL, type FitWorkerInit, OP, SPINS } from "./fit-ops.ts";

const scope = globalThis as unknown as {
  onmessage: ((event: { data: FitWorkerInit }) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = (event) => {
  const { arrays, layout, ctrl } = event.data;
  const joint = new Float64Array(3 * layout.jointOffset[layout.count]);
  let seq = Atomics.load(ctrl, CTRL.seq); // before "ready": no step can start before this read
  scope.postMessage({ type: "ready" });
  for (;;) {
    let now = Atomics.load(ctrl, CTRL.seq);
    for (let spins = 0; now === seq; spins++) {
      if (spins > SPINS) Atomics.wait(ctrl, CTRL.seq, seq, 1000);
      now = Atomics.load(ctrl, CTRL.seq);
    }
    seq = now;
    const op = ctrl[CTRL.op];
    if (op === OP.stop) break;
    try {
      claimShards(arrays, layout, ctrl, seq, op, ctrl[CTRL.a0], ctrl[CTRL.a1], joint);
    } catch (error) {
      Atomics.store(ctrl, CTRL.error, 1);
      Atomics.notify(ctrl, CTRL.done);
      scope.postMessage({ type: "error", message: (error as Error).message ?? String(error) });
    }
  }
  scope.postMessage({ type: "stopped" });
};
