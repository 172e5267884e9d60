/**
 * The steps of a hist_gbt fit, each run shard by shard (trees/gbt-kernels.ts): by one thread, or
 * with the shards dealt to the threads of a fit team (trees/fit-team.ts). The control block (an
 * Int32Array on shared memory) carries the step from the thread that grows the trees to the fit
 * workers; `a.step` carries its per-shard ranges and slots.
 */
import { kernelsOf } from "./hist-wasm.ts";
import { applyLeaves, type GbtArrays, gradients, histogram, type Layout, place, SHARD_FIELDS } from "./gbt-kernels.ts";

/** `total[q] += slots[at + q]` for every q of `total`: in WebAssembly where both are in an arena's memory. */
export function addInto(total: Float64Array, slots: Float64Array, at: number): void {
  const n = total.length;
  const wasm = kernelsOf(slots.buffer);
  let q = 0;
  if (wasm && total.buffer === slots.buffer) {
    q = n & ~1;
    wasm.add(total.byteOffset, slots.byteOffset + 8 * at, slots.byteOffset + 8 * (at + q));
  }
  for (; q < n; q++) total[q] += slots[at + q];
}

export const OP = { gradients: 1, root: 2, split: 3, leaves: 4, stop: 9 } as const;

/** Control block slots. `next`: (step seq << 8) | next shard to claim. */
export const CTRL = { seq: 0, op: 1, a0: 2, a1: 3, done: 4, error: 5, next: 6, size: 8 } as const;
const SEQ_MASK = (1 << 23) - 1;

/** Busy-wait this many checks before sleeping (steps follow each other within microseconds). */
export const SPINS = 100_000;

/** The one message a fit worker gets. */
export interface FitWorkerInit {
  type: "init";
  arrays: GbtArrays;
  layout: Layout;
  ctrl: Int32Array;
  thread: number;
  threads: number;
}

/** Float64 values per histogram slot. */
export const slotSize = (layout: Layout) => 3 * layout.totalBins;

/** Offset in `a.slots` of slot `id` of shard s. */
export const slotAt = (a: GbtArrays, layout: Layout, id: number, s: number) => (id * a.shards + s) * slotSize(layout);

/**
 * Step `op` on shard s. gradients: all rows of the shard. root: its histogram into the new slot.
 * split: the node's rows of the shard into the other buffer by `a.left` on bundle step[0] (lefts
 * written to step), the smaller side's histogram into the new slot and the parent's slot made the
 * larger side's (parent − smaller). leaves: a0 leaves of `a.leaves`, then gradients if a1 = 1.
 */
export function shardStep(a: GbtArrays, layout: Layout, op: number, a0: number, a1: number, s: number, joint: Float64Array): void {
  const f = 4 + SHARD_FIELDS * s;
  switch (op) {
    case OP.gradients:
      gradients(a, a.base[s], a.base[s + 1]);
      return;
    case OP.root:
      histogram(a, layout, 0, a.base[s], a.base[s + 1], a.slots, slotAt(a, layout, a.step[f + 3], s), joint);
      return;
    case OP.split: {
      const k = a.step[0];
      const b = a.step[1];
      const start = a.step[f];
      const end = a.step[f + 1];
      const lefts = place(a, k, b, start, end, start, end - 1);
      a.step[f + 4] = lefts;
      const i = start + lefts;
      const at = slotAt(a, layout, a.step[f + 3], s);
      if (i - start <= end - i) histogram(a, layout, 1 - b, start, i, a.slots, at, joint);
      else histogram(a, layout, 1 - b, i, end, a.slots, at, joint);
      const parent = slotAt(a, layout, a.step[f + 2], s);
      const slots = a.slots;
      const n = slotSize(layout);
      const wasm = kernelsOf(slots.buffer);
      let q = 0;
      if (wasm) {
        q = n & ~1;
        wasm.sub(slots.byteOffset + 8 * parent, slots.byteOffset + 8 * at, slots.byteOffset + 8 * (at + q));
      }
      for (; q < n; q++) slots[parent + q] -= slots[at + q];
      return;
    }
    case OP.leaves:
      applyLeaves(a, a0, s, a1 === 1);
      return;
  }
}

/** Step `op` on every shard, here (no team). */
export function runAll(a: GbtArrays, layout: Layout, op: number, a0: number, a1: number, joint: Float64Array): void {
  for (let s = 0; s < a.shards; s++) shardStep(a, layout, op, a0, a1, s, joint);
}

/**
 * Claims and runs shards of step `seq` until none is left (every thread of a team, the one that
 * posted the step included). A shard is claimed by advancing `ctrl.next`, only while it still
 * belongs to this step: a thread that wakes late takes no shard of the next step. Which thread ran
 * a shard does not change what it computes.
 */
export function claimShards(a: GbtArrays, layout: Layout, ctrl: Int32Array, seq: number, op: number, a0: number, a1: number, joint: Float64Array): void {
  const tag = (seq & SEQ_MASK) << 8;
  for (;;) {
    const v = Atomics.load(ctrl, CTRL.next);
    if ((v & ~0xff) !== tag || (v & 0xff) >= a.shards) return;
    if (Atomics.compareExchange(ctrl, CTRL.next, v, v + 1) !== v) continue;
    shardStep(a, layout, op, a0, a1, v & 0xff, joint);
    Atomics.add(ctrl, CTRL.done, 1);
    Atomics.notify(ctrl, CTRL.done);
  }
}

/** The `next` value that opens step `seq` (shard 0 unclaimed). */
export const openStep = (seq: number) => (seq & SEQ_MASK) << 8;
