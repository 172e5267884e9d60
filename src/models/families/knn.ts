/**
 * k-nearest neighbours (Euclidean, uniform weights; probability = share of class 1 among the k
 * nearest training rows). Ours rather than `ml-knn`: that package answers labels only (no
 * probability, so no ROC/PR curves), and serialises a recursive k-d tree. Here identical training
 * rows are stored once with their class counts, which also makes the search over them shorter.
 * Ties at the k-th distance are shared out in proportion to the tied rows' classes.
 */
import type { Classifier, Matrix, ModelJson, Params } from "../classifier.ts";
import { assertFitted, checkWidth, classesOf, ParamReader } from "../params.ts";

export const KNN = "knn";
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

  constructor(readonly params: Params = {}) {
    new ParamReader(KNN, params, KNOWN).int("n_neighbors", 5, 1);
  }

  fit(x: Matrix, y: Uint8Array): void {
    const k = new ParamReader(KNN, this.params, KNOWN).int("n_neighbors", 5, 1);
    const seen = new Map<string, number>();
    const points: number[] = [];
    const c0: number[] = [];
    const c1: number[] = [];
    for (let r = 0; r < x.rows; r++) {
      const row = x.values.subarray(r * x.cols, (r + 1) * x.cols);
      const key = row.join(",");
      let g = seen.get(key);
      if (g === undefined) {
        g = c0.length;
        seen.set(key, g);
        points.push(...row);
        c0.push(0);
        c1.push(0);
      }
      if (y[r] === 1) c1[g]++;
      else c0[g]++;
    }
    this.state = { k, cols: x.cols, points: Float64Array.from(points), count0: Float64Array.from(c0), count1: Float64Array.from(c1) };
  }

  predictProba(x: Matrix): Float64Array {
    const s = assertFitted(this.state, this.family);
    checkWidth(this.family, s.cols, x.cols);
    const groups = s.count0.length;
    const dist = new Float64Array(groups);
    const sorted = new Float64Array(groups);
    const out = new Float64Array(x.rows);
    const kth = Math.min(s.k, groups) - 1;
    for (let r = 0; r < x.rows; r++) {
      const base = r * x.cols;
      for (let g = 0; g < groups; g++) {
        let d = 0;
        const pb = g * s.cols;
        for (let j = 0; j < s.cols; j++) {
          const t = x.values[base + j] - s.points[pb + j];
          d += t * t;
        }
        dist[g] = d;
      }
      // Every group holds at least one row, so the k nearest rows lie within the k-th smallest group distance.
      sorted.set(dist);
      sorted.sort();
      const limit = sorted[kth];
      const order: number[] = [];
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
    model.state = { k: st.k, cols: st.cols, points: Float64Array.from(st.points), count0: Float64Array.from(st.count0), count1: Float64Array.from(st.count1) };
    return model;
  }
}
