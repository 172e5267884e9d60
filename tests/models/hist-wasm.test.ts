/**
 * hist_gbt's WebAssembly kernels (trees/hist-wasm.ts) on continuous features: the histogram equals
 * a plain per-row, per-feature sum written here, and a whole fit through the arena gives the same
 * trees, bit for bit, as the JavaScript loops on ordinary memory.
 */
import { describe, expect, it } from "vitest";
import type { Matrix } from "../../src/models/classifier.ts";
import { fitBins } from "../../src/models/trees/binning.ts";
import { bundleFeatures } from "../../src/models/trees/bundles.ts";
import { groupRows } from "../../src/models/trees/grouping.ts";
import { gbtArrays, gbtBytes, GbtGrower, type FitAlloc, slotCapacity } from "../../src/models/trees/gbt-grower.ts";
import { histogram, REC } from "../../src/models/trees/gbt-kernels.ts";
import { kernelsOf, wasmArena } from "../../src/models/trees/hist-wasm.ts";
import { mulberry32 } from "../../src/stats/rng.ts";

/** Continuous columns (normal-ish, uniform, lognormal-ish), a noisy rule for the label. */
function continuous(rows: number, cols: number, seed: number): { x: Matrix; y: Uint8Array } {
  const rng = mulberry32(seed);
  const values = new Float64Array(rows * cols);
  const y = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const u = rng.next();
      const v = c % 3 === 0 ? u + rng.next() + rng.next() - 1.5 : c % 3 === 1 ? u * 10 : Math.exp(2 * u);
      values[r * cols + c] = v;
      s += (c % 2 ? 1 : -1) * v;
    }
    y[r] = s + (rng.next() - 0.5) * 4 > 0 ? 1 : 0;
  }
  return { x: { values, rows, cols }, y };
}

/** Ternary columns (five share a byte: trees/bundles.ts), a noisy linear rule for the label. */
function ternary(rows: number, cols: number, seed: number): { x: Matrix; y: Uint8Array } {
  const rng = mulberry32(seed);
  const values = new Float64Array(rows * cols);
  const y = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const v = rng.int(3) - 1;
      values[r * cols + c] = v;
      s += v * ((c % 5) - 2);
    }
    y[r] = s + (rng.next() - 0.5) * 3 > 0 ? 1 : 0;
  }
  return { x: { values, rows, cols }, y };
}

/** Counts the calls of the arena's kernels (the fit finds them by its buffer: the same object). */
function counted(arena: NonNullable<ReturnType<typeof wasmArena>>): Record<string, number> {
  const calls: Record<string, number> = {};
  const k = arena.kernels as unknown as Record<string, (...args: number[]) => number>;
  for (const name of ["hist", "sub", "add", "place"]) {
    const run = k[name];
    calls[name] = 0;
    k[name] = (...args) => (calls[name]++, run(...args));
  }
  return calls;
}

const options = { iterations: 6, rate: 0.2, maxLeaves: 31, maxDepth: Infinity, minLeaf: 20, lambda: 0 };

function setup(rows: number, cols: number, make = continuous) {
  const { x, y } = make(rows, cols, 3);
  const bins = fitBins(x);
  const bundles = bundleFeatures(bins);
  const data = groupRows(x, y, bins, bundles, true);
  const capacity = slotCapacity(options.maxLeaves, rows, options.minLeaf);
  return { x, bins, bundles, data, capacity };
}

function grow(s: ReturnType<typeof setup>, alloc: FitAlloc) {
  const a = gbtArrays(s.data, s.bundles, s.capacity, 0.1, options.maxLeaves, alloc);
  const grower = new GbtGrower(a, s.bundles, s.bins, options);
  grower.gradients();
  const importance = new Float64Array(s.x.cols);
  const trees = Array.from({ length: options.iterations }, (_, t) => grower.grow(importance, t === options.iterations - 1));
  return { a, trees: JSON.stringify(trees), importance: Array.from(importance) };
}

describe("hist_gbt's WebAssembly kernels", () => {
  it("build the histogram of a row range as the plain per-row, per-feature sum", () => {
    const s = setup(3000, 7);
    expect(s.bundles.count).toBe(7); // every continuous feature its own bundle: the path the kernel takes
    const arena = wasmArena(gbtBytes(s.data, s.bundles, s.capacity, options.maxLeaves))!;
    expect(arena).not.toBeNull();
    const calls = counted(arena);
    const a = gbtArrays(s.data, s.bundles, s.capacity, 0.1, options.maxLeaves, arena.alloc);
    const rec = a.rec[0];
    const rng = mulberry32(9);
    for (let p = 0; p < a.groups; p++) {
      rec[REC * p] = rng.next() - 0.5;
      rec[REC * p + 1] = rng.next() / 4;
    }
    const start = 101;
    const end = 2718;
    histogram(a, s.bundles, 0, start, end, a.slots, 3 * s.bundles.totalBins, new Float64Array(0));
    expect(calls.hist).toBe(1);
    const expected = new Float64Array(3 * s.bundles.totalBins);
    const cw = 4 * a.words;
    for (let p = start; p < end; p++) {
      for (let f = 0; f < s.x.cols; f++) {
        const bin = s.bundles.binOffset[f] + a.codeBytes[0][cw * p + f];
        expected[3 * bin] += rec[REC * p];
        expected[3 * bin + 1] += rec[REC * p + 1];
        expected[3 * bin + 2] += rec[REC * p + 2];
      }
    }
    expect(Array.from(a.slots.subarray(3 * s.bundles.totalBins, 6 * s.bundles.totalBins))).toEqual(Array.from(expected));
  });

  // Continuous features: one shard (trees/gbt-grower.ts, shardCount), 20 code bytes a row (moved 16 + 4); ternary ones
  // at 40k rows: two shards, summed per leaf, 8 code bytes a row.
  it.each([["continuous", continuous, 17, 1], ["ternary (joint histograms of bundles)", ternary, 15, 2]] as const)("grow the same trees on %s features, bit for bit, as the JavaScript loops on ordinary memory", (_, kind, cols, shards) => {
    const s = setup(40_000, cols, kind);
    const arena = wasmArena(gbtBytes(s.data, s.bundles, s.capacity, options.maxLeaves))!;
    const calls = counted(arena);
    const wasm = grow(s, arena.alloc);
    expect(calls.hist).toBeGreaterThan(options.iterations);
    expect(calls.place).toBeGreaterThan(options.iterations);
    expect(calls.sub).toBeGreaterThan(0);
    if (shards > 1) expect(calls.add).toBeGreaterThan(0);
    expect(kernelsOf(wasm.a.slots.buffer)).toBe(arena.kernels);
    expect(wasm.a.shards).toBe(shards);
    const plain = grow(s, (bytes) => [new ArrayBuffer(bytes), 0]);
    expect(kernelsOf(plain.a.slots.buffer)).toBeUndefined();
    expect(wasm.trees).toBe(plain.trees);
    expect(wasm.importance).toEqual(plain.importance);
  });
});
