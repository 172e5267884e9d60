/**
 * The block-trie search (src/stats/knn-trie*.ts) gives exactly the answers of the definition
 * (scikit-learn's nan_euclidean KNNImputer, ties to the lower fit row) and of the plain search it
 * replaces on small-integer data, whatever the block layout: one column a block (many levels), a
 * few, or the default.
 */
import { describe, expect, test } from "vitest";
import { buildIndex } from "../../src/stats/knn-index.ts";
import { imputeRow, newWorkspace } from "../../src/stats/knn-search.ts";
import { buildTrie } from "../../src/stats/knn-trie.ts";

/** Every distance computed, donors sorted by (distance, row index); columns empty in fit stay NaN. */
function brute(fit: Float64Array, rows: number, cols: number, q: Float64Array, k: number): Float64Array {
  const out = q.slice();
  const d: number[] = [];
  for (let r = 0; r < rows; r++) {
    let sq = 0;
    let shared = 0;
    for (let c = 0; c < cols; c++) {
      const a = q[c]!;
      const b = fit[r * cols + c]!;
      if (a === a && b === b) { sq += (a - b) ** 2; shared++; }
    }
    d.push(shared ? Math.sqrt((sq / shared) * cols) : NaN);
  }
  for (let c = 0; c < cols; c++) {
    if (!Number.isNaN(q[c]!)) continue;
    const present: number[] = [];
    for (let r = 0; r < rows; r++) if (!Number.isNaN(fit[r * cols + c]!)) present.push(r);
    if (present.length === 0) continue;
    const donors = present.filter((r) => !Number.isNaN(d[r]!)).sort((a, b) => d[a]! - d[b]! || a - b).slice(0, k);
    out[c] = donors.length
      ? donors.reduce((s, r) => s + fit[r * cols + c]!, 0) / donors.length
      : present.reduce((s, r) => s + fit[r * cols + c]!, 0) / present.length;
  }
  return out;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("KNN block trie = the definition on small-integer data", () => {
  test("random data with duplicates, ties, NaN-heavy donors and queries missing most cells; any block layout", () => {
    const R = rng(11);
    let compared = 0;
    let deep = 0;
    for (let trial = 0; trial < 60; trial++) {
      const cols = 3 + Math.floor(R() * 28);
      const k = 1 + Math.floor(R() * 7);
      const spread = [1, 1, 3, 20][trial % 4]!; // values in [-spread, spread]
      const rows = 50 + Math.floor(R() * 700);
      const protos = Array.from({ length: 3 + Math.floor(R() * 30) }, () => Array.from({ length: cols }, () => Math.round((R() * 2 - 1) * spread)));
      const nanRate = trial % 5 === 0 ? 0.4 : 0.05;
      const fit = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        const p = protos[Math.floor(R() * protos.length)]!;
        for (let c = 0; c < cols; c++) fit[r * cols + c] = R() < nanRate ? NaN : R() < 0.2 ? Math.round((R() * 2 - 1) * spread) : p[c]!;
      }
      if (trial % 7 === 3) for (let r = 0; r < rows; r++) fit[r * cols] = NaN; // a column empty in fit
      const index = buildIndex(rows, cols, (i) => fit[i]!);
      const layouts = [2, 9, 1024].map((maxCodes) => buildTrie(index.byColumn, index.patternCount, cols, maxCodes));
      for (const trie of layouts) {
        expect(trie).not.toBeNull();
        if (trie!.levelStart.length - 1 >= 4) deep++;
      }
      for (let qi = 0; qi < 25; qi++) {
        const p = protos[Math.floor(R() * protos.length)]!;
        const q = new Float64Array(cols);
        const missRate = [0.05, 0.3, 0.9][qi % 3]!;
        for (let c = 0; c < cols; c++) q[c] = R() < missRate ? NaN : R() < 0.2 ? Math.round((R() * 2 - 1) * spread) : p[c]!;
        q[Math.floor(R() * cols)] = NaN; // at least one gap
        const want = brute(fit, rows, cols, q, k);
        const plain = { ...index, trie: null };
        const answers = [imputeRow(plain, q, k, newWorkspace(plain, k)), ...layouts.map((trie) => {
          const withTrie = { ...index, trie };
          return imputeRow(withTrie, q, k, newWorkspace(withTrie, k));
        })];
        for (const got of answers) {
          for (let c = 0; c < cols; c++) {
            const w = want[c]!;
            if (!(Math.abs(got[c]! - w) <= 1e-12 || (Number.isNaN(w) && Number.isNaN(got[c]!)))) {
              throw new Error(`trial ${trial}, query ${qi}, column ${c}: got ${got[c]}, expected ${w}`);
            }
          }
          compared++;
        }
      }
    }
    expect(compared).toBe(60 * 25 * 4);
    expect(deep).toBeGreaterThan(60); // most one-column-block layouts are deep tries
  });

  test("the trie is used only where it is exact: integers in [-127, 127]", () => {
    const ints = Float64Array.from([1, -1, 0, NaN, 127, -127]);
    expect(buildIndex(3, 2, (i) => ints[i]!).trie).not.toBeNull();
    const halves = Float64Array.from([1, -1, 0.5, NaN, 1, 0]);
    expect(buildIndex(3, 2, (i) => halves[i]!).trie).toBeNull();
    const wide = Float64Array.from([1, -1, 200, NaN, 1, 0]);
    expect(buildIndex(3, 2, (i) => wide[i]!).trie).toBeNull();
  });
});
