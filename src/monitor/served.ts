/**
 * The service's monitoring state: one rolling window per served model (src/monitor/window.ts),
 * started on the first request a model answers and dropped with the model (a WeakMap: a swapped-out
 * model's window goes when its last request is done). Memory: one window per live model, each of
 * fixed size.
 */
import type { Frame } from "../data/frame.ts";
import { analyzeWindow, type MonitorReport } from "./analysis.ts";
import type { MonitorReference } from "./reference.ts";
import { RollingWindow, type WindowOptions } from "./window.ts";

export interface WindowReport extends MonitorReport {
  window: { capacity: number; slots: number; seen: number; startedAt: string; footprintNumbers: number };
}

export class ServedMonitor {
  #windows = new WeakMap<object, RollingWindow>();

  constructor(readonly options: WindowOptions = {}) {}

  /** Count the rows `model` just scored (nothing when it has no reference). */
  record(model: object, reference: MonitorReference | undefined, frame: Frame, probability: ArrayLike<number>, group?: ArrayLike<number>): void {
    if (!reference) return;
    let window = this.#windows.get(model);
    if (!window || window.reference !== reference) {
      window = new RollingWindow(reference, this.options);
      this.#windows.set(model, window);
    }
    window.record(frame, probability, group);
  }

  /** The report of `model`'s window (an empty window before its first request). */
  report(model: object, reference: MonitorReference): WindowReport {
    const window = this.#windows.get(model) ?? new RollingWindow(reference, this.options);
    return {
      window: { capacity: window.capacity, slots: window.slots, seen: window.seen, startedAt: window.startedAt, footprintNumbers: window.footprint },
      ...analyzeWindow(reference, window.counts()),
    };
  }
}
