/**
 * Imputed cells and the histogram trees' packing: with `round`, the preprocessor's imputed cells
 * stay values their column already takes, so every {-1, 0, 1} feature keeps 3 bins and five of
 * them still share one byte (src/models/trees/bundles.ts); the plain means (scikit-learn's
 * answers, the default) add values like 1/3 and break the packing.
 */
import { describe, expect, test } from "vitest";
import { loadSchema } from "../../src/schema.ts";
import { Preprocessor } from "../../src/models/preprocessor.ts";
import { fitBins } from "../../src/models/trees/binning.ts";
import { bundleFeatures } from "../../src/models/trees/bundles.ts";

function ternaryRows(rows: number, cols: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const values = new Float64Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = next() < 0.02 ? NaN : Math.floor(next() * 3) - 1;
  return values;
}

describe("Preprocessor round: imputed values keep the ternary packing", () => {
  test("rounded: every feature keeps its 3 values and the bundles hold five features; unrounded: neither", async () => {
    const schema = await loadSchema();
    const cols = schema.featureNames.length;
    const rows = 3000;
    const raw = ternaryRows(rows, cols, 5);
    const gaps = raw.reduce((n, v) => n + (Number.isNaN(v) ? 1 : 0), 0);
    expect(gaps).toBeGreaterThan(1000);
    const plain = Preprocessor.fitMatrix({ values: raw, rows, cols }, schema, { k: 3 }).transformMatrix({ values: raw, rows, cols });
    const rounded = Preprocessor.fitMatrix({ values: raw, rows, cols }, schema, { k: 3, round: true }).transformMatrix({ values: raw, rows, cols });
    expect(new Set(rounded.values)).toEqual(new Set([-1, 0, 1]));
    expect([...new Set(plain.values)].some((v) => !Number.isInteger(v))).toBe(true);
    // observed cells untouched by either
    for (let i = 0; i < raw.length; i++) if (!Number.isNaN(raw[i]!)) expect(rounded.values[i]).toBe(raw[i]);
    expect(bundleFeatures(fitBins(rounded)).count).toBe(Math.ceil(cols / 5));
    expect(bundleFeatures(fitBins(plain)).count).toBeGreaterThan(Math.ceil(cols / 5));
  });

  test("round is saved with the preprocessor and restored", async () => {
    const schema = await loadSchema();
    const cols = schema.featureNames.length;
    const raw = ternaryRows(500, cols, 9);
    const fitted = Preprocessor.fitMatrix({ values: raw, rows: 500, cols }, schema, { k: 3, round: true });
    const json = JSON.parse(JSON.stringify(fitted.toJSON()));
    expect(json.imputer.round).toBe(true);
    const restored = Preprocessor.fromJSON(json);
    expect(Array.from(restored.transformMatrix({ values: raw, rows: 500, cols }).values)).toEqual(Array.from(fitted.transformMatrix({ values: raw, rows: 500, cols }).values));
    expect(Preprocessor.fitMatrix({ values: raw, rows: 500, cols }, schema, { k: 3 }).toJSON().imputer.round).toBeUndefined();
  });
});
