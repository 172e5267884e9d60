/**
 * knn pinned to scikit-learn's KNeighborsClassifier (brute force, uniform weights) on the seeded
 * data of tests/references/knn.json, written once by tests/references/knn.py (scikit-learn 1.9.1):
 * continuous features (the float distance path, with its early give-up) and -1/0/1 features with
 * repeated rows (the bit-mask path). Only queries with no tie at the k-th distance are compared
 * (netsec shares a tie out by class; scikit-learn takes rows in order): see knn.py.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/env.ts";
import { createModel } from "../../src/models/registry.ts";
import type { Matrix } from "../../src/models/classifier.ts";

interface Case {
  train: number[][];
  labels: number[];
  test: number[][];
  k: Record<string, { rows: number[]; proba: number[] }>;
}
const ref: { real: Case; ternary: Case } = JSON.parse(readFileSync(join(ROOT, "tests", "references", "knn.json"), "utf8"));

const matrix = (rows: number[][]): Matrix => {
  const cols = rows[0].length;
  const values = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => values.set(r, i * cols));
  return { values, rows: rows.length, cols };
};

describe("knn = scikit-learn KNeighborsClassifier (brute, uniform)", () => {
  for (const name of ["real", "ternary"] as const) {
    const c = ref[name];
    for (const [k, expected] of Object.entries(c.k)) {
      it(`${name} features, n_neighbors=${k}: the same probabilities on ${expected.rows.length} queries`, async () => {
        expect(expected.rows.length).toBeGreaterThan(20);
        const model = createModel("knn", { n_neighbors: Number(k) });
        await model.fit(matrix(c.train), Uint8Array.from(c.labels));
        const proba = model.predictProba(matrix(expected.rows.map((r) => c.test[r])));
        expect(Array.from(proba)).toEqual(expected.proba.map((p) => expect.closeTo(p, 12)));
      });
    }
  }
});
