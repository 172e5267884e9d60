/**
 * Seeded, stratified train/test split. The PRNG is our own (mulberry32, src/stats/rng.ts, the one
 * the model search uses too) so the same seed and the same data give the same split on Deno and
 * on Node, whatever the JS engine's Math.random does.
 */
import { mulberry32, shuffle } from "../stats/rng.ts";

export interface SplitResult {
  /** Row indices of the train part, ascending (the file's order is kept). */
  train: Uint32Array;
  /** Row indices of the test part, ascending. */
  test: Uint32Array;
}

/**
 * Split rows by stratum: in every stratum, `round(testRatio × size)` rows (chosen by a seeded
 * shuffle) go to test, the rest to train. Strata are visited in sorted key order so the result
 * depends only on the seed and the data. `strata[i]` is the stratum key of row i.
 */
export function stratifiedSplit(strata: ArrayLike<string | number>, testRatio: number, seed: number): SplitResult {
  const groups = new Map<string | number, number[]>();
  for (let i = 0; i < strata.length; i++) {
    const key = strata[i];
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(i);
  }
  const rng = mulberry32(seed);
  const isTest = new Uint8Array(strata.length);
  let testCount = 0;
  const keys = [...groups.keys()].sort((a, b) => String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0);
  for (const key of keys) {
    const members = shuffle(Uint32Array.from(groups.get(key)!), rng);
    const take = Math.round(testRatio * members.length);
    for (let i = 0; i < take; i++) isTest[members[i]] = 1;
    testCount += take;
  }
  const train = new Uint32Array(strata.length - testCount);
  const test = new Uint32Array(testCount);
  let a = 0, b = 0;
  for (let i = 0; i < strata.length; i++) {
    if (isTest[i]) test[b++] = i;
    else train[a++] = i;
  }
  return { train, test };
}
