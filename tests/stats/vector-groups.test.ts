/** Grouping rows by feature vector, and the 64-bit vector keys a pushed model's training set is recorded with. */
import { describe, expect, it } from "vitest";
import { matrixGroups, vectorKey, VectorGroups } from "../../src/stats/vector-groups.ts";
import { trainingSetLookup, trainingSetOf } from "../../src/models/training-set.ts";

describe("vector groups", () => {
  it("numbers groups in order of first appearance; missing values equal each other; only the chosen columns count", () => {
    const rows = [
      [1, 0, -1, 1],
      [1, 0, -1, -1], // same features as row 0, other label (last column)
      [NaN, 0, 1, 1],
      [NaN, 0, 1, 1],
      [0, 0, 1, 1],
    ];
    const flat = Float64Array.from(rows.flat());
    const g = new VectorGroups(3, (id) => ({ block: flat, offset: id * 4 }));
    expect(rows.map((_, i) => g.add(i))).toEqual([0, 0, 1, 1, 2]);
    expect([g.groups, g.size(0), g.size(1), g.firstRow(2)]).toEqual([3, 2, 2, 4]);
    expect(g.find([0, 0, 1], 0)).toBe(2);
    expect(g.find([0, 0, 0], 0)).toBe(-1);
    // every column but the first
    const h = new VectorGroups([1, 2, 3], (id) => ({ block: flat, offset: id * 4 }));
    expect(rows.map((_, i) => h.add(i))).toEqual([0, 1, 2, 2, 2]);
    expect(matrixGroups(Float64Array.from([1, 2, 1, 2, 2, 1]), 3, 2)).toEqual({ group: Int32Array.from([0, 0, 1]), groups: 2 });
  });

  it("vectorKey: 16 hex digits, equal for equal vectors (NaN, -0), different otherwise; the training set answers membership", () => {
    const k = vectorKey([1, -1, 0, NaN], 0, 4);
    expect(k).toMatch(/^[0-9a-f]{16}$/);
    expect(vectorKey([9, 1, -1, -0, NaN], 1, 4)).toBe(k);
    expect(vectorKey([1, -1, 0, 0], 0, 4)).not.toBe(k);
    expect(vectorKey([1, -1, 0.5, NaN], 0, 4)).not.toBe(k);
    const keys = new Set<string>();
    for (let i = 0; i < 3 ** 9; i++) keys.add(vectorKey(Array.from({ length: 9 }, (_, c) => (Math.floor(i / 3 ** c) % 3) - 1), 0, 9));
    expect(keys.size).toBe(3 ** 9); // no collision among all 19,683 ternary vectors of width 9
    // rows with a target column after the features (stride 3, 2 features)
    const set = trainingSetOf([1, 0, -1, 1, 0, 1, -1, -1, 1], 3, 2, 3);
    expect(set).toMatchObject({ rows: 3, vectors: 2 });
    const seen = trainingSetLookup(set, 2)!;
    expect([seen([1, 0], 0), seen([-1, -1], 0), seen([0, 1], 0)]).toEqual([true, true, false]);
    expect(trainingSetLookup(undefined, 2)).toBeUndefined();
    expect(trainingSetLookup({ ...set, keys: set.keys.slice(1) }, 2)).toBeUndefined();
  });
});
