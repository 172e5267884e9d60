/**
 * Identical binned rows merged into groups with per-class weights: training on groups is training
 * on the rows (42 % of our copy's rows repeat an earlier row exactly: docs/pipeline.md), only faster. Rows are encoded once,
 * straight into their bundles' joint codes (trees/bundles.ts), and looked up in an open-addressing
 * table keyed by a hash of those bytes (no per-row strings). Groups keep first-occurrence order.
 */
import type { Matrix } from "../classifier.ts";
import { type Bins, encoder } from "./binning.ts";
import { bundleFeatures, type Bundles } from "./bundles.ts";

/** Groups of identical binned rows. `codes[k * groups + g]`: joint code of bundle k for group g (or `codes[g * features + k]`, see `groupRows`). */
export interface GroupedRows {
  groups: number;
  /** Columns of `codes`: bundles (or features, when every feature is its own bundle). */
  features: number;
  codes: Uint8Array;
  /** Group of every input row. */
  rowGroup: Int32Array;
  /** Rows of class 0 / class 1 per group. */
  count0: Float64Array;
  count1: Float64Array;
}

/**
 * Encode and group the rows of x. `bundles` defaults to one bundle per feature (codes are then
 * `codes[f * groups + g]`, the feature's own code). `rowMajor`: codes group after group instead
 * (`codes[g * bundles + k]`).
 */
export function groupRows(x: Matrix, y: Uint8Array, bins: Bins, bundles: Bundles = bundleFeatures(bins, 1), rowMajor = false): GroupedRows {
  const F = x.cols;
  const B = bundles.count;
  const v = x.values;
  const encode = encoder(bins);
  const { first, stride } = bundles;
  let capacity = 1024;
  while (capacity < 2 * x.rows) capacity *= 2;
  const mask = capacity - 1;
  const table = new Int32Array(capacity).fill(-1);
  let rowCodes = new Uint8Array(Math.min(x.rows, 1 << 16) * B); // group-major while grouping
  let c0 = new Float64Array(Math.min(x.rows, 1 << 16));
  let c1 = new Float64Array(c0.length);
  const rowGroup = new Int32Array(x.rows);
  const row = new Uint8Array(B);
  let groups = 0;
  for (let r = 0; r < x.rows; r++) {
    const base = r * F;
    let h = 0x811c9dc5;
    for (let k = 0; k < B; k++) {
      let j = 0;
      for (let f = first[k]; f < first[k + 1]; f++) j += encode(f, v[base + f]) * stride[f];
      row[k] = j;
      h = Math.imul(h ^ j, 0x01000193);
    }
    h ^= h >>> 15;
    let slot = h & mask;
    let g = -1;
    for (;;) {
      const at = table[slot];
      if (at < 0) break;
      let same = true;
      for (let k = 0, o = at * B; k < B; k++) {
        if (rowCodes[o + k] !== row[k]) {
          same = false;
          break;
        }
      }
      if (same) {
        g = at;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (g < 0) {
      g = groups++;
      table[slot] = g;
      if (g >= c0.length) {
        const size = Math.min(x.rows, c0.length * 2);
        const grown = new Uint8Array(size * B);
        grown.set(rowCodes);
        rowCodes = grown;
        const g0 = new Float64Array(size);
        g0.set(c0);
        c0 = g0;
        const g1 = new Float64Array(size);
        g1.set(c1);
        c1 = g1;
      }
      rowCodes.set(row, g * B);
    }
    rowGroup[r] = g;
    if (y[r] === 1) c1[g]++;
    else c0[g]++;
  }
  if (rowMajor) return { groups, features: B, codes: rowCodes.subarray(0, groups * B), rowGroup, count0: c0.subarray(0, groups), count1: c1.subarray(0, groups) };
  const codes = new Uint8Array(groups * B);
  for (let k = 0; k < B; k++) {
    const col = k * groups;
    for (let g = 0, o = k; g < groups; g++, o += B) codes[col + g] = rowCodes[o];
  }
  return { groups, features: B, codes, rowGroup, count0: c0.slice(0, groups), count1: c1.slice(0, groups) };
}
