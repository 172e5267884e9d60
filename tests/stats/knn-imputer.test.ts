import { describe, expect, test } from "vitest";
import { KnnImputer, type KnnImputerState } from "../../src/stats/knn-imputer.ts";

const nan = NaN;
const flat = (m: number[][]) => Float64Array.from(m.flat());

function expectMatrix(actual: Float64Array, cols: number, expected: number[][]): void {
  expect(actual.length).toBe(expected.length * cols);
  const got = expected.map((row, r) => row.map((_, c) => actual[r * cols + c]!));
  expected.forEach((row, r) =>
    row.forEach((v, c) => {
      if (Math.abs(got[r]![c]! - v) > 1e-15 * Math.max(1, Math.abs(v))) {
        throw new Error(`cell (${r}, ${c}): got ${got[r]![c]}, expected ${v}\n${JSON.stringify(got)}`);
      }
    }),
  );
}

// Column 4 is present in one fit row only; several fit rows have other cells missing.
const FIT = [
  [1.0, 3.0, 1.0, 2.0, nan], [2.0, 1.0, 0.0, 1.0, 2.0], [2.0, 3.0, 0.0, 1.0, nan],
  [nan, 2.0, 3.0, 3.0, nan], [3.0, 0.0, 3.0, 2.0, nan], [3.0, 3.0, 0.0, nan, nan],
  [1.0, 2.0, nan, nan, nan], [0.0, 1.0, 3.0, 1.0, nan], [3.0, 1.0, 0.0, 2.0, nan],
  [1.0, 3.0, 0.0, 3.0, nan],
];
// Row 3 shares no coordinate with any fit row (column means); row 4 is complete. Several
// missing cells have two donors at the same distance with different values inside the k nearest.
const TEST = [
  [1.0, 3.0, nan, 3.0, nan], [0.0, 3.0, nan, nan, 0.0], [3.0, nan, 3.0, nan, 1.0],
  [nan, nan, nan, nan, nan], [3.0, 2.0, 2.0, 3.0, 2.0], [nan, 2.0, 3.0, nan, 0.0],
];

// Expected matrices: scikit-learn 1.9.1, `KNNImputer(n_neighbors=k).fit(FIT).transform(X).tolist()`
// (weights="uniform", metric="nan_euclidean"). The matrices were chosen so that no k-th nearest
// distance is shared by donors with different values (see the tie test below).
describe("KnnImputer = sklearn KNNImputer(weights='uniform', metric='nan_euclidean')", () => {
  test("k = 3 on new rows", () => {
    const out = new KnnImputer({ k: 3 }).fit(flat(FIT), 10, 5).transform(flat(TEST), 6);
    expectMatrix(out, 5, [
      [1.0, 3.0, 1.3333333333333333, 3.0, 2.0], [0.0, 3.0, 1.3333333333333333, 2.6666666666666665, 0.0],
      [3.0, 1.0, 3.0, 2.0, 1.0], [1.7777777777777777, 1.9, 1.1111111111111112, 1.875, 2.0],
      [3.0, 2.0, 2.0, 3.0, 2.0], [1.3333333333333333, 2.0, 3.0, 2.0, 0.0],
    ]);
  });

  test("k = 2 on new rows", () => {
    const out = new KnnImputer({ k: 2 }).fit(flat(FIT), 10, 5).transform(flat(TEST), 6);
    expectMatrix(out, 5, [
      [1.0, 3.0, 0.5, 3.0, 2.0], [0.0, 3.0, 0.5, 2.5, 0.0], [3.0, 1.0, 3.0, 2.5, 1.0],
      [1.7777777777777777, 1.9, 1.1111111111111112, 1.875, 2.0], [3.0, 2.0, 2.0, 3.0, 2.0],
      [0.5, 2.0, 3.0, 2.0, 0.0],
    ]);
  });

  test("k = 3 on the fit rows themselves", () => {
    const out = new KnnImputer({ k: 3 }).fit(flat(FIT), 10, 5).transform(flat(FIT), 10);
    expectMatrix(out, 5, [
      [1.0, 3.0, 1.0, 2.0, 2.0], [2.0, 1.0, 0.0, 1.0, 2.0], [2.0, 3.0, 0.0, 1.0, 2.0],
      [1.3333333333333333, 2.0, 3.0, 3.0, 2.0], [3.0, 0.0, 3.0, 2.0, 2.0], [3.0, 3.0, 0.0, 2.0, 2.0],
      [1.0, 2.0, 1.3333333333333333, 2.6666666666666665, 2.0], [0.0, 1.0, 3.0, 1.0, 2.0],
      [3.0, 1.0, 0.0, 2.0, 2.0], [1.0, 3.0, 0.0, 3.0, 2.0],
    ]);
  });

  const FIT_EMPTY_COL = FIT.map((row) => row.map((v, c) => (c === 1 ? nan : v)));
  test("a column missing in every fit row is dropped (keep_empty_features=False)", () => {
    const imputer = new KnnImputer({ k: 3 }).fit(flat(FIT_EMPTY_COL), 10, 5);
    expect(imputer.outputColumns).toEqual([0, 2, 3, 4]);
    expectMatrix(imputer.transform(flat(TEST), 6), 4, [
      [1.0, 1.3333333333333333, 3.0, 2.0], [0.0, 1.3333333333333333, 2.0, 0.0], [3.0, 3.0, 2.0, 1.0],
      [1.7777777777777777, 1.1111111111111112, 1.875, 2.0], [3.0, 2.0, 3.0, 2.0], [1.3333333333333333, 3.0, 2.0, 0.0],
    ]);
  });

  test("... or set to 0 with keepEmptyFeatures (keep_empty_features=True)", () => {
    const imputer = new KnnImputer({ k: 3, keepEmptyFeatures: true }).fit(flat(FIT_EMPTY_COL), 10, 5);
    expect(imputer.outputColumns).toEqual([0, 1, 2, 3, 4]);
    expectMatrix(imputer.transform(flat(TEST), 6), 5, [
      [1.0, 0.0, 1.3333333333333333, 3.0, 2.0], [0.0, 0.0, 1.3333333333333333, 2.0, 0.0], [3.0, 0.0, 3.0, 2.0, 1.0],
      [1.7777777777777777, 0.0, 1.1111111111111112, 1.875, 2.0], [3.0, 0.0, 2.0, 3.0, 2.0], [1.3333333333333333, 0.0, 3.0, 2.0, 0.0],
    ]);
  });
});

describe("KnnImputer behaviour beyond the reference numbers", () => {
  test("donors at the same distance: the lower fit row index wins (documented tie rule)", () => {
    // Query [0, nan]: fit rows 0..3 are all at distance 1 with values 5, 6, 7, 8 in column 1.
    const fit = flat([[1, 5], [-1, 6], [1, 7], [-1, 8]]);
    const imputer = new KnnImputer({ k: 1 }).fit(fit, 4, 2);
    expect(Array.from(imputer.transform(flat([[0, nan]]), 1))).toEqual([0, 5]);
    expect(Array.from(new KnnImputer({ k: 2 }).fit(fit, 4, 2).transform(flat([[0, nan]]), 1))).toEqual([0, 5.5]);
    // duplicates of the same fit row count as separate donors
    const dup = flat([[3, 1], [0, 9], [0, 9], [0, 2]]);
    expect(Array.from(new KnnImputer({ k: 3 }).fit(dup, 4, 2).transform(flat([[0, nan]]), 1))).toEqual([0, (9 + 9 + 2) / 3]);
  });

  test("input is not modified and rows without missing values are copied as they are", () => {
    const input = flat(TEST);
    const copy = input.slice();
    const out = new KnnImputer({ k: 3 }).fit(flat(FIT), 10, 5).transform(input, 6);
    expect(Array.from(input)).toEqual(Array.from(copy));
    expect(Array.from(out.subarray(20, 25))).toEqual([3, 2, 2, 3, 2]);
    expect(out.some(Number.isNaN)).toBe(false);
  });

  test("JSON round trip: small integers are stored as int8, other values as float64", () => {
    const small = new KnnImputer({ k: 3 }).fit(flat(FIT), 10, 5);
    const state = JSON.parse(JSON.stringify(small)) as KnnImputerState;
    expect(state.encoding).toBe("int8");
    expect(state.fitValues.length).toBe(Math.ceil((10 * 5) / 3) * 4); // base64 of 50 bytes
    expect(state.columnMeans).toEqual([16 / 9, 1.9, 10 / 9, 15 / 8, 2]);
    const back = KnnImputer.fromJSON(state);
    expect(Array.from(back.transform(flat(TEST), 6))).toEqual(Array.from(small.transform(flat(TEST), 6)));
    expect(JSON.stringify(back)).toBe(JSON.stringify(small));

    const floats = FIT.map((row) => row.map((v) => v * 0.37));
    const big = new KnnImputer({ k: 2 }).fit(flat(floats), 10, 5);
    const fstate = JSON.parse(JSON.stringify(big)) as KnnImputerState;
    expect(fstate.encoding).toBe("float64");
    const fback = KnnImputer.fromJSON(fstate);
    expect(Array.from(fback.transform(flat(TEST), 6))).toEqual(Array.from(big.transform(flat(TEST), 6)));
  });

  test("errors name what is wrong", () => {
    const imputer = new KnnImputer({ k: 3 });
    expect(() => imputer.transform(flat(TEST), 6)).toThrow(/transform\(\) called before fit\(\)/);
    expect(() => imputer.fit(new Float64Array(7), 2, 4)).toThrow(/fit data has 7 values, expected rows × cols = 2 × 4/);
    imputer.fit(flat(FIT), 10, 5);
    expect(() => imputer.transform(new Float64Array(9), 2)).toThrow(/got 9 values for 2 rows, expected 10 \(5 columns as in fit\)/);
    expect(() => new KnnImputer({ k: 0 })).toThrow(/k must be a positive integer, got 0/);
    const state = imputer.toJSON();
    expect(() => KnnImputer.fromJSON({ ...state, rows: 11 })).toThrow(/fitValues holds 50 bytes, expected 55 for 11 × 5 int8 values/);
    expect(() => KnnImputer.fromJSON({ ...state, fitValues: "***" })).toThrow(/not valid base64/);
  });

  test("same result as the brute-force definition (all distances, stable ties) on random data with duplicates", () => {
    const R = rng(3);
    let cells = 0;
    // The last trials are large enough for the hash look-ups (NaN masks shared by >= 32 distinct rows).
    for (let trial = 0; trial < 170; trial++) {
      const large = trial >= 150;
      const cols = 2 + Math.floor(R() * 8), k = 1 + Math.floor(R() * 6);
      const base = large ? 300 + Math.floor(R() * 300) : 5 + Math.floor(R() * 40);
      const rows = large ? 3000 : 20 + Math.floor(R() * 300);
      const levels = trial % 3 === 0 ? 21 : 3;
      const protos = Array.from({ length: base }, () => Array.from({ length: cols }, () => Math.floor(R() * levels) - 1));
      const fit = new Float64Array(rows * cols);
      for (let r = 0; r < rows; r++) {
        const p = protos[Math.floor(R() * base)]!;
        for (let c = 0; c < cols; c++) fit[r * cols + c] = R() < 0.08 ? NaN : p[c]!;
      }
      const xr = 30;
      const x = new Float64Array(xr * cols);
      for (let r = 0; r < xr; r++) {
        const p = protos[Math.floor(R() * base)]!;
        for (let c = 0; c < cols; c++) x[r * cols + c] = R() < 0.2 ? NaN : R() < 0.1 ? Math.floor(R() * levels) - 1 : p[c]!;
      }
      const got = new KnnImputer({ k, keepEmptyFeatures: true }).fit(fit, rows, cols).transform(x, xr);
      const want = brute(fit, rows, cols, x, xr, k);
      for (let i = 0; i < got.length; i++) {
        if (Math.abs(got[i]! - want[i]!) > 1e-12) throw new Error(`trial ${trial}, cell ${i}: got ${got[i]}, expected ${want[i]}`);
      }
      cells += got.length;
    }
    expect(cells).toBeGreaterThan(0);
  });
});

/**
 * Reference: every distance computed, donors sorted by (distance, row index); a column empty in
 * fit is set to 0 (keep_empty_features=True).
 */
function brute(fit: Float64Array, rows: number, cols: number, x: Float64Array, xr: number, k: number): Float64Array {
  const out = x.slice();
  const means: number[] = [];
  for (let c = 0; c < cols; c++) {
    let sum = 0;
    let n = 0;
    for (let r = 0; r < rows; r++) {
      const v = fit[r * cols + c]!;
      if (v === v) { sum += v; n++; }
    }
    means.push(n ? sum / n : NaN);
  }
  for (let q = 0; q < xr; q++) {
    const d: number[] = [];
    for (let r = 0; r < rows; r++) {
      let sq = 0;
      let shared = 0;
      for (let c = 0; c < cols; c++) {
        const a = x[q * cols + c]!;
        const b = fit[r * cols + c]!;
        if (a === a && b === b) { sq += (a - b) ** 2; shared++; }
      }
      d.push(shared ? Math.sqrt((sq / shared) * cols) : NaN);
    }
    for (let c = 0; c < cols; c++) {
      if (!Number.isNaN(x[q * cols + c]!) || Number.isNaN(means[c]!)) continue;
      const donors: number[] = [];
      for (let r = 0; r < rows; r++) if (!Number.isNaN(fit[r * cols + c]!) && !Number.isNaN(d[r]!)) donors.push(r);
      donors.sort((a, b) => d[a]! - d[b]! || a - b);
      const use = donors.slice(0, k);
      out[q * cols + c] = use.length ? use.reduce((s, r) => s + fit[r * cols + c]!, 0) / use.length : means[c]!;
    }
  }
  for (let c = 0; c < cols; c++) if (Number.isNaN(means[c]!)) for (let q = 0; q < xr; q++) out[q * cols + c] = 0;
  return out;
}

/** Seeded uniform numbers in [0, 1) (mulberry32). */
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

describe("KnnImputer keeps a bounded donor set (its file does not grow with the fit rows)", () => {
  const donorsOf = (state: KnnImputerState): number[][] => {
    const bytes = Uint8Array.from(atob(state.fitValues), (ch) => ch.charCodeAt(0));
    const values = state.encoding === "int8" ? Array.from(new Int8Array(bytes.buffer), (v) => (v === -128 ? NaN : v)) : Array.from(new Float64Array(bytes.buffer));
    return Array.from({ length: state.rows }, (_, r) => values.slice(r * state.cols, (r + 1) * state.cols));
  };

  test("past maxDonorBytes: the answers of an imputer fitted on the kept rows, the fallback mean over every fit row", () => {
    // Small integers: 5 bytes a row (int8), so 25 bytes keep 5 of the 10 fit rows.
    const bounded = new KnnImputer({ k: 2, maxDonorBytes: 25 }).fit(flat(FIT), 10, 5);
    const state = bounded.toJSON();
    expect(state.rows).toBe(5);
    expect(state.fitRows).toBe(10);
    const kept = donorsOf(state);
    // The kept rows are fit rows, in fit order.
    const positions = kept.map((row) => FIT.findIndex((f) => f.every((v, c) => Object.is(v, row[c]))));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const out = bounded.transform(flat(TEST), 6);
    const onKept = new KnnImputer({ k: 2 }).fit(flat(kept), 5, 5).transform(flat(TEST), 6);
    const full = new KnnImputer({ k: 2 }).fit(flat(FIT), 10, 5).transform(flat(TEST), 6);
    for (let r = 0; r < TEST.length; r++) {
      // Row 3 shares no coordinate with any fit row: every cell is the column mean over all 10 rows.
      const expected = r === 3 ? full : onKept;
      for (let c = 0; c < 5; c++) {
        // Column 4 is present in one fit row only: where no kept row has it, the full mean (2.0) fills it.
        if (r !== 3 && c === 4 && Number.isNaN(TEST[r]![4]!) && !kept.some((row) => !Number.isNaN(row[4]!))) expect(out[r * 5 + c]).toBe(2);
        else expect(out[r * 5 + c], `cell (${r}, ${c})`).toBe(expected[r * 5 + c]);
      }
    }
    // The file gives the same imputer back.
    expect(KnnImputer.fromJSON(JSON.parse(JSON.stringify(state))).transform(flat(TEST), 6)).toEqual(out);
  });

  test("200k fit rows × 30 small-integer features: about 3 MiB of donors, under 5 MB of JSON", () => {
    const rows = 200_000, cols = 30;
    const values = new Float64Array(rows * cols);
    let s = 7;
    for (let i = 0; i < values.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      values[i] = (s >>> 16) % 50 === 0 ? NaN : ((s >>> 16) % 3) - 1;
    }
    const state = new KnnImputer({ k: 3 }).fit(values, rows, cols).toJSON();
    expect(state.encoding).toBe("int8");
    expect(state.rows).toBe(Math.floor((3 << 20) / cols));
    expect(state.fitRows).toBe(rows);
    expect(JSON.stringify(state).length).toBeLessThan(5_000_000);
    // Below the bound nothing changes: every fit row is kept and no fitRows is written.
    const small = new KnnImputer({ k: 3 }).fit(values.subarray(0, 1000 * cols), 1000, cols).toJSON();
    expect(small.rows).toBe(1000);
    expect(small.fitRows).toBeUndefined();
  });
});

describe("KnnImputer round (imputed cells to the nearest value of their column)", () => {
  // Fit rows chosen so the 3 (or 2) nearest donors of each query are known: column 1 is {-1, 0, 1}.
  const fit = flat([[0, 1], [0, 1], [0, 0], [5, -1], [5, -1], [5, 1], [9, 1], [9, -1], [20, 0]]);
  test("mean 2/3 → 1, mean -1/3 → 0, a tie between two values → the lower; observed cells unchanged", () => {
    const q = flat([[0, nan], [5, nan], [9, nan], [20, 1]]);
    const plain = new KnnImputer({ k: 3 }).fit(fit, 9, 2).transform(q, 4);
    expect(Array.from(plain)).toEqual([0, 2 / 3, 5, -1 / 3, 9, -1 / 3, 20, 1]); // [9, ·]: 1, -1 and (tie at 5) the lower row's -1
    const rounded = new KnnImputer({ k: 3, round: true }).fit(fit, 9, 2).transform(q, 4);
    expect(Array.from(rounded)).toEqual([0, 1, 5, 0, 9, 0, 20, 1]);
    const two = new KnnImputer({ k: 2, round: true }).fit(fit, 9, 2).transform(flat([[9, nan]]), 1);
    expect(Array.from(two)).toEqual([9, 0]); // donors 1 and -1: mean 0, itself a value of the column
    // a column of {-1, 1}: mean 0 is as near -1 as 1 → the lower
    const binary = flat([[0, 1], [0, -1], [1, 1]]);
    expect(Array.from(new KnnImputer({ k: 2, round: true }).fit(binary, 3, 2).transform(flat([[0, nan]]), 1))).toEqual([0, -1]);
  });
  test("columns with more than 16 values keep the mean; round survives the JSON round trip", () => {
    const many = new Float64Array(40 * 2);
    for (let r = 0; r < 40; r++) { many[r * 2] = r; many[r * 2 + 1] = r * 3; }
    const imputer = new KnnImputer({ k: 2, round: true }).fit(many, 40, 2);
    expect(Array.from(imputer.transform(flat([[10.5, nan]]), 1))).toEqual([10.5, (30 + 33) / 2]);
    const state = imputer.toJSON();
    expect(state.round).toBe(true);
    expect(KnnImputer.fromJSON(state).round).toBe(true);
    expect(new KnnImputer({ k: 2 }).fit(many, 40, 2).toJSON().round).toBeUndefined();
  });
});
