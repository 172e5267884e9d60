/**
 * Binning of continuous features (trees/binning.ts): quantile cuts from a systematic sample of the
 * rows, the last bin standing for the whole column's maximum, and the branch-free encoder equal to
 * the plain binary search for every value, NaN and ±∞ included.
 */
import { describe, expect, it } from "vitest";
import { binOf, encoder, fitBins, QUANTILE_SAMPLE } from "../../../src/models/trees/binning.ts";
import { mulberry32 } from "../../../src/stats/rng.ts";

describe("quantile binning", () => {
  it("takes the cuts from every ⌈rows / QUANTILE_SAMPLE⌉-th row, and the last bin's value from the whole column", () => {
    const rows = 2 * QUANTILE_SAMPLE + 10;
    const rng = mulberry32(4);
    const values = Float64Array.from({ length: rows * 2 }, (_, i) => (i % 2 ? rng.next() : Math.exp(3 * rng.next())));
    values[2 * 7 + 1] = 99; // row 7: not in the sample (every 3rd row), the column's maximum
    const bins = fitBins({ values, rows, cols: 2 });
    for (let f = 0; f < 2; f++) {
      const sample = Float64Array.from({ length: Math.ceil(rows / 3) }, (_, i) => values[2 * 3 * i + f]).sort();
      const expected = [...new Set(Array.from({ length: 254 }, (_, b) => sample[Math.floor(((b + 1) * sample.length) / 255)]))];
      expect(Array.from(bins.cuts[f])).toEqual(expected);
      expect(bins.exact[f]).toBe(false);
    }
    expect(bins.reps[1][bins.reps[1].length - 1]).toBe(99);
  });

  it("encodes every value as the binary search over the cuts does", () => {
    const rows = 5000;
    const rng = mulberry32(8);
    const values = Float64Array.from({ length: rows * 3 }, (_, i) => (i % 3 === 2 ? rng.int(3) - 1 : rng.next() * 100));
    const bins = fitBins({ values, rows, cols: 3 });
    const encode = encoder(bins);
    const probes = [...values.subarray(0, 3000), ...bins.cuts[0], ...bins.cuts[1], NaN, Infinity, -Infinity, -1, 0, 1, 100, 1e9, -1e9];
    for (let f = 0; f < 3; f++) {
      for (const v of probes) {
        if (f === 2 && ![-1, 0, 1].includes(v)) continue; // exact feature: only its own values are encoded
        expect(encode(f, v)).toBe(binOf(bins.cuts[f], v));
      }
    }
  });
});
