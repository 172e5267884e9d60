/**
 * k-nearest neighbours (Euclidean, uniform weights; probability = share of class 1 among the k
 * nearest training rows). Ours rather than `ml-knn`: that package answers labels only (no
 * probability, so no ROC/PR curves), and serialises a recursive k-d tree. Here identical training
 * rows are stored once with their class counts, which also makes the search over them shorter.
 * Ties at the k-th distance are shared out in proportion to the tied rows' classes. Where a query
 * row and the training rows hold only -1, 0 and 1 (the phishing features), squared distances are
 * counted from bit masks (cells one apart count 1, cells two apart 4): the same integers as the
 * float sums, in a fraction of the time.
 */
import type { Classifier, Matrix, ModelJson, Params } from "../classifier.ts";
import { assertFitted, checkWidth, classesOf, ParamReader } from "../params.ts";
import { matrixGroups } from "../../stats/vector-groups.ts";

export const KNN = "knn";

/** Per group, bit masks of its cells that are 1 and -1 (`words` 32-bit words each); undefined unless every cell is -1, 0 or 1. */
interface Ternary {
  words: number;
  pos: Int32Array;
  neg: Int32Array;
}

function ternaryOf(points: Float64Array, cols: number): Ternary | undefined {
  const words = Math.ceil(cols / 32);
  const groups = points.length / cols;
  const pos = new Int32Array(groups * words);
  const neg = new Int32Array(groups * words);
  for (let g = 0; g < groups; g++) {
    if (!maskRow(points, g * cols, cols, pos, neg, g * words)) return undefined;
  }
  return { words, pos, neg };
}

/** Masks of one row into pos/neg at `at`; false if a cell is not -1, 0 or 1. */
function maskRow(values: Float64Array, base: number, cols: number, pos: Int32Array, neg: Int32Array, at: number): boolean {
  for (let j = 0; j < cols; j++) {
    const v = values[base + j];
    const bit = 1 << (j & 31);
    if (v === 1) pos[at + (j >> 5)] |= bit;
    else if (v === -1) neg[at + (j >> 5)] |= bit;
    else if (v !== 0) return false;
  }
  return true;
}

function popcount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}
const KNOWN = ["n_neighbors", "seed"] as const;

interface KnnState {
  k: number;
  cols: number;
  /** Distinct training rows, row-major. */
  points: number[];
  count0: number[];
  count1: number[];
}

export class Knn implements Classifier {
  readonly family = KNN;
  private state?: { k: number; cols: number; points: Float64Array; count0: Float64Array; count1: Float64Array };
  private ternary?: Ternary | null;

  constructor(readonly params: Params = {}) {
    new ParamReader(KNN, params, KNOWN).int("n_neighbors", 5, 1);
  }

  fit(x: Matrix, y: Uint8Array): void {
    const k = new ParamReader(KNN, this.params, KNOWN).int("n_neighbors", 5, 1);
    // Identical rows once each (groups in order of first appearance), with their class counts.
    const { group, groups } = matrixGroups(x.values, x.rows, x.cols);
    const points = new Float64Array(groups * x.cols);
    const count0 = new Float64Array(groups);
    const count1 = new Float64Array(groups);
    for (let r = 0; r < x.rows; r++) {
      const g = group[r];
      if (count0[g] + count1[g] === 0) points.set(x.values.subarray(r * x.cols, (r + 1) * x.cols), g * x.cols);
      if (y[r] === 1) count1[g]++;
      else count0[g]++;
    }
    this.state = { k, cols: x.cols, points, count0, count1 };
    this.ternary = undefined;
  }

  predictProba(x: Matrix): Float64Array {
    const s = assertFitted(this.state, this.family);
    checkWidth(this.family, s.cols, x.cols);
    const groups = s.count0.length;
    const cols = s.cols;
    const points = s.points;
    const values = x.values;
    const dist = new Float64Array(groups);
    const out = new Float64Array(x.rows);
    const kk = Math.min(s.k, groups);
    /** The kk smallest group distances so far, ascending (their k-th bounds the answer). */
    const best = new Float64Array(kk);
    const order: number[] = [];
    if (this.ternary === undefined) this.ternary = ternaryOf(points, cols) ?? null;
    const tern = this.ternary;
    const W = tern?.words ?? 0;
    const qpos = new Int32Array(W);
    const qneg = new Int32Array(W);
    for (let r = 0; r < x.rows; r++) {
      const base = r * cols;
      let m = 0;
      let limit = Infinity;
      qpos.fill(0);
      qneg.fill(0);
      const counted = tern !== null && maskRow(values, base, cols, qpos, qneg, 0);
      for (let g = 0; g < groups; g++) {
        if (counted) {
          let d = 0;
          for (let w = 0, o = g * W; w < W; w++, o++) {
            const gp = tern.pos[o];
            const gn = tern.neg[o];
            d += popcount((qpos[w] | qneg[w]) ^ (gp | gn)) + 4 * popcount((qpos[w] & gn) | (qneg[w] & gp));
          }
          dist[g] = d;
          m = keepSmallest(best, m, kk, d);
          if (m === kk) limit = best[kk - 1];
          continue;
        }
        // Squared distance, given up (as +∞) once a partial sum passes the k-th smallest so far:
        // such a group cannot be among the k nearest (every term is ≥ 0).
        let d = 0;
        const pb = g * cols;
        let j = 0;
        for (let stop = Math.min(cols, 8); j < cols; stop = Math.min(cols, stop + 8)) {
          for (; j < stop; j++) {
            const t = values[base + j] - points[pb + j];
            d += t * t;
          }
          if (d > limit) break;
        }
        if (d > limit) {
          dist[g] = Infinity;
          continue;
        }
        dist[g] = d;
        if (d !== d) continue; // NaN (a NaN query cell): never among the nearest, as before
        m = keepSmallest(best, m, kk, d);
        if (m === kk) limit = best[kk - 1];
      }
      // Every group holds at least one row, so the k nearest rows lie within the k-th smallest group distance.
      order.length = 0;
      for (let g = 0; g < groups; g++) if (dist[g] <= limit) order.push(g);
      order.sort((a, b) => dist[a] - dist[b] || a - b);
      const n = order.length;
      let need = s.k;
      let ones = 0;
      for (let i = 0; i < n && need > 0; ) {
        // all groups at this distance form one tie block
        let j = i;
        let b0 = 0;
        let b1 = 0;
        while (j < n && dist[order[j]] === dist[order[i]]) {
          b0 += s.count0[order[j]];
          b1 += s.count1[order[j]];
          j++;
        }
        const take = Math.min(need, b0 + b1);
        ones += (take * b1) / (b0 + b1);
        need -= take;
        i = j;
      }
      out[r] = ones / (s.k - need);
    }
    return out;
  }

  predict(x: Matrix): Uint8Array {
    return classesOf(this.predictProba(x));
  }

  toJSON(): ModelJson {
    const s = assertFitted(this.state, this.family);
    const state: KnnState = { k: s.k, cols: s.cols, points: Array.from(s.points), count0: Array.from(s.count0), count1: Array.from(s.count1) };
    return { family: this.family, formatVersion: 1, params: this.params, state };
  }

  static fromJSON(json: ModelJson): Knn {
    const st = json.state as KnnState;
    const groups = st.count0.length;
    if (st.points.length !== groups * st.cols || st.count1.length !== groups || !(st.k >= 1)) throw new RangeError("knn: inconsistent state");
    const model = new Knn(json.params);
    model.ternary = undefined;
    model.state = { k: st.k, cols: st.cols, points: Float64Array.from(st.points), count0: Float64Array.from(st.count0), count1: Float64Array.from(st.count1) };
    return model;
  }
}

/** Puts `d` into the ascending `best[0..m)` when it is among the `kk` smallest seen; returns the new count. */
function keepSmallest(best: Float64Array, m: number, kk: number, d: number): number {
  if (m === kk && d >= best[kk - 1]) return m;
  let at = m < kk ? m++ : kk - 1;
  while (at > 0 && best[at - 1] > d) {
    best[at] = best[at - 1];
    at--;
  }
  best[at] = d;
  return m;
}
