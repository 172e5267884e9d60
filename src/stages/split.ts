/**
 * Seeded, stratified train/test splits. The PRNG is our own (mulberry32, src/stats/rng.ts, the one
 * the model search uses too) so the same seed and the same data give the same split on Deno and
 * on Node, whatever the JS engine's Math.random does.
 *
 * `stratifiedSplit` splits rows; `groupedStratifiedSplit` splits groups of rows (identical feature
 * vectors), so no vector is on both sides. With every group a single row, the two give the same
 * split.
 */
import { mulberry32, shuffle } from "../stats/rng.ts";

export interface SplitResult {
  /** Row indices of the train part, ascending (the file's order is kept). */
  train: Uint32Array;
  /** Row indices of the test part, ascending. */
  test: Uint32Array;
}

const byKey = (a: string | number, b: string | number) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0);

function fromMask(isTest: Uint8Array, testCount: number): SplitResult {
  const train = new Uint32Array(isTest.length - testCount);
  const test = new Uint32Array(testCount);
  let a = 0, b = 0;
  for (let i = 0; i < isTest.length; i++) {
    if (isTest[i]) test[b++] = i;
    else train[a++] = i;
  }
  return { train, test };
}

/**
 * Split rows by stratum: in every stratum, `round(testRatio × size)` rows (chosen by a seeded
 * shuffle) go to test, the rest to train. Strata are visited in sorted key order so the result
 * depends only on the seed and the data. `strata[i]` is the stratum key of row i.
 */
export function stratifiedSplit(strata: ArrayLike<string | number>, testRatio: number, seed: number): SplitResult {
  const singletons = Int32Array.from({ length: strata.length }, (_, i) => i);
  return groupedStratifiedSplit(strata, singletons, testRatio, seed);
}

/**
 * Split groups of rows (`group[i]`: group id of row i, ids 0…G-1), stratified and seeded: each
 * group belongs to the stratum most of its rows have (ties: the first key in sorted order); in
 * every stratum the groups are shuffled and taken into test, in that order, until the stratum's
 * test rows reach `round(testRatio × rows of the stratum)` — the last group is taken only when
 * that lands at least as close to the target as stopping short. A group never straddles.
 */
export function groupedStratifiedSplit(strata: ArrayLike<string | number>, group: ArrayLike<number>, testRatio: number, seed: number): SplitResult {
  let groups = 0;
  for (let i = 0; i < group.length; i++) groups = Math.max(groups, group[i] + 1);
  // Strata as small indices in sorted key order, then each group's stratum: the most common one
  // among its rows (ties: the first in sorted order, as the scan below keeps the first maximum).
  const keys = [...new Set(Array.from(strata))].sort(byKey);
  const index = new Map(keys.map((k, i) => [k, i]));
  const K = keys.length;
  const counts = new Int32Array(groups * K);
  const size = new Int32Array(groups);
  for (let i = 0; i < strata.length; i++) {
    counts[group[i] * K + index.get(strata[i])!]++;
    size[group[i]]++;
  }
  const members: number[][] = keys.map(() => []);
  const rowsIn = new Float64Array(K);
  for (let g = 0; g < groups; g++) {
    if (size[g] === 0) continue;
    let best = 0;
    for (let k = 1; k < K; k++) if (counts[g * K + k] > counts[g * K + best]) best = k;
    members[best].push(g);
    rowsIn[best] += size[g];
  }
  const rng = mulberry32(seed);
  const groupInTest = new Uint8Array(groups);
  for (let k = 0; k < K; k++) {
    if (members[k].length === 0) continue;
    const order = shuffle(Int32Array.from(members[k]), rng);
    const target = Math.round(testRatio * rowsIn[k]);
    let taken = 0;
    for (let i = 0; i < order.length && taken < target; i++) {
      const s = size[order[i]];
      if (taken + s > target && taken + s - target > target - taken) break;
      groupInTest[order[i]] = 1;
      taken += s;
    }
  }
  const isTest = new Uint8Array(strata.length);
  let testCount = 0;
  for (let i = 0; i < strata.length; i++) {
    if (groupInTest[group[i]]) {
      isTest[i] = 1;
      testCount++;
    }
  }
  return fromMask(isTest, testCount);
}
