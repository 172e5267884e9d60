/**
 * Naive Bayes above LIBRARY_MAX_ROWS: the one-pass statistics (no copy of the rows) equal
 * ml-naivebayes' GaussianNB to the last bit, and so does the fitted model.
 */
import { describe, expect, it } from "vitest";
// @ts-ignore: ml-naivebayes ships no type declarations
import * as naiveBayes from "ml-naivebayes";
import { gaussianClassStats, LIBRARY_MAX_ROWS, NaiveBayes } from "../../src/models/families/naive-bayes.ts";
import { mulberry32 } from "../../src/stats/rng.ts";

interface Lib {
  train(x: number[][], y: number[]): void;
  means: number[][];
  calculateProbabilities: [number, ...[number, number][]][];
}
const { GaussianNB } = naiveBayes as unknown as { GaussianNB: new () => Lib };

function data(rows: number, cols: number, seed: number) {
  const rng = mulberry32(seed);
  // ternary columns, a continuous one and a lognormal-ish one, as the UCI and the flow data have
  const values = Float64Array.from({ length: rows * cols }, (_, i) => (i % cols === 0 ? rng.next() * 100 - 30 : i % cols === 1 ? Math.exp(rng.next() * 8) : rng.int(3) - 1));
  const y = Uint8Array.from({ length: rows }, (_, r) => (values[r * cols + 2] + rng.next() > 0.5 ? 1 : 0));
  return { x: { values, rows, cols }, y };
}

function library(x: { values: Float64Array; rows: number; cols: number }, y: Uint8Array): Lib {
  const rows: number[][] = [];
  for (let r = 0; r < x.rows; r++) rows.push(Array.from(x.values.subarray(r * x.cols, (r + 1) * x.cols)));
  const lib = new GaussianNB();
  lib.train(rows, Array.from(y));
  return lib;
}

describe("naive Bayes statistics", () => {
  it("gaussianClassStats gives GaussianNB's priors, means and variances exactly", () => {
    const { x, y } = data(5_000, 6, 11);
    const lib = library(x, y);
    const stats = gaussianClassStats(x, y);
    expect(stats.logPrior).toEqual([lib.calculateProbabilities[0][0], lib.calculateProbabilities[1][0]]);
    expect(stats.means).toEqual(lib.means);
    expect(stats.variances).toEqual(lib.calculateProbabilities.map((c) => c.slice(1).map((p) => -(p as [number, number])[1] / 2)));
  });

  it("a fit above LIBRARY_MAX_ROWS rows gives the model the library's statistics give", () => {
    const { x, y } = data(LIBRARY_MAX_ROWS + 1_000, 4, 12);
    const model = new NaiveBayes();
    model.fit(x, y);
    const state = model.toJSON().state as { means: number[][]; variances: number[][]; logPrior: number[] };
    const lib = library(x, y);
    expect(state.means).toEqual(lib.means);
    expect(state.logPrior).toEqual([lib.calculateProbabilities[0][0], lib.calculateProbabilities[1][0]]);
    // plus the smoothing term: 1e-9 × the largest population variance of a feature over all rows
    let maxVar = 0;
    for (let j = 0; j < 4; j++) {
      let m = 0;
      for (let r = 0; r < x.rows; r++) m += x.values[r * 4 + j];
      m /= x.rows;
      let v = 0;
      for (let r = 0; r < x.rows; r++) v += (x.values[r * 4 + j] - m) ** 2;
      maxVar = Math.max(maxVar, v / x.rows);
    }
    const eps = 1e-9 * maxVar + 1e-300;
    expect(state.variances).toEqual(lib.calculateProbabilities.map((c) => c.slice(1).map((p) => -(p as [number, number])[1] / 2 + eps)));
  });

  it("refuses one-class rows with a message", () => {
    const { x } = data(10, 3, 1);
    expect(() => gaussianClassStats(x, new Uint8Array(10))).toThrow("naive_bayes: the training rows hold one class only");
  });
});
