/**
 * What each column looks like in a split, small enough to keep with the validation result (the
 * report and a notebook draw the class balance and value shares from it without reading the rows
 * again): the count of every allowed value for columns the contract lists values for, else a
 * histogram on bins shared by both splits; missing cells counted apart.
 */
import type { Schema } from "../schema.ts";
import type { RowStore } from "./row-store.ts";

export interface ColumnProfile {
  name: string;
  kind: "values" | "histogram";
  /** values: the allowed values; histogram: the bins' lower edges (the last bin closes at `upper`). */
  bins: number[];
  upper?: number;
  counts: number[];
  missing: number;
}

export interface SplitProfile {
  rows: number;
  columns: ColumnProfile[];
}

const HISTOGRAM_BINS = 20;

/** Profiles of the train and test stores (contract columns, features then target). */
export function profileSplits(schema: Schema, stores: { train: RowStore; test: RowStore }): { train: SplitProfile; test: SplitProfile } {
  const specs = [...schema.features, schema.target];
  // One buffer per store, refilled for every column (each column is counted before the next is
  // read): a fresh one per column left ~24 MB of garbage 31 times over at 3M rows.
  const buffers = new Map<RowStore, Float64Array>();
  const columnOf = (store: RowStore, c: number) => {
    let out = buffers.get(store);
    if (!out) buffers.set(store, (out = new Float64Array(store.rows)));
    store.columnInto(c, out, 0);
    return out;
  };
  const train: ColumnProfile[] = [], test: ColumnProfile[] = [];
  specs.forEach((spec, c) => {
    const a = columnOf(stores.train, c), b = columnOf(stores.test, c);
    if (spec.allowed) {
      const index = new Map(spec.allowed.map((v, i) => [v, i]));
      const count = (values: Float64Array): ColumnProfile => {
        const counts = new Array<number>(spec.allowed!.length).fill(0);
        let missing = 0;
        for (const v of values) {
          const i = index.get(v);
          if (i === undefined) missing++;
          else counts[i]++;
        }
        return { name: spec.name, kind: "values", bins: [...spec.allowed!], counts, missing };
      };
      train.push(count(a));
      test.push(count(b));
      return;
    }
    let lo = Infinity, hi = -Infinity;
    for (const values of [a, b]) for (const v of values) if (!Number.isNaN(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
    const width = hi > lo ? (hi - lo) / HISTOGRAM_BINS : 1;
    const bins = Array.from({ length: HISTOGRAM_BINS }, (_, i) => lo + i * width);
    const histogram = (values: Float64Array): ColumnProfile => {
      const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
      let missing = 0;
      for (const v of values) {
        if (Number.isNaN(v)) missing++;
        else counts[Math.min(HISTOGRAM_BINS - 1, Math.floor((v - lo) / width))]++;
      }
      return { name: spec.name, kind: "histogram", bins, upper: hi, counts, missing };
    };
    train.push(histogram(a));
    test.push(histogram(b));
  });
  return { train: { rows: stores.train.rows, columns: train }, test: { rows: stores.test.rows, columns: test } };
}
