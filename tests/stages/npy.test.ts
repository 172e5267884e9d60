import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeNpy, encodeNpy, readNpy, splitFeaturesAndLabels, writeNpy } from "../../src/data/npy.ts";
import { tempDir } from "../helpers/env.ts";

// Produced once with the venv's numpy 2.x:
//   a = np.array([[1.0, -1.0, 0.5], [np.nan, 2.0, 0.0]]); b = io.BytesIO(); np.save(b, a)
//   base64.b64encode(b.getvalue())
const NUMPY_SAVED = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAADwPwAAAAAAAPC/AAAAAAAA4D8AAAAAAAD4fwAAAAAAAABAAAAAAAAAAAA=";

describe("npy files", () => {
  const bytes = new Uint8Array(Buffer.from(NUMPY_SAVED, "base64"));

  it("reads what np.save writes", () => {
    const array = decodeNpy(bytes);
    expect(array.rows).toBe(2);
    expect(array.cols).toBe(3);
    expect(Array.from(array.values)).toEqual([1, -1, 0.5, NaN, 2, 0]);
  });

  it("writes byte for byte what np.save writes (header padding, little-endian float64, C order)", () => {
    const encoded = encodeNpy({ rows: 2, cols: 3, values: Float64Array.from([1, -1, 0.5, NaN, 2, 0]) });
    expect(Buffer.from(encoded).toString("base64")).toBe(NUMPY_SAVED);
  });

  it("streams blocks to a file with the same bytes as the one-shot encoder", async () => {
    const rows = 1000, cols = 4;
    const values = Float64Array.from({ length: rows * cols }, (_, i) => (i % 7) - 3);
    const path = join(tempDir(), "a.npy");
    await writeNpy(path, rows, cols, (from, to, out) => out.set(values.subarray(from * cols, to * cols)), 128);
    expect(Buffer.compare(readFileSync(path), Buffer.from(encodeNpy({ rows, cols, values })))).toBe(0);
    const back = await readNpy(path);
    expect(back.rows).toBe(rows);
    expect(Array.from(back.values)).toEqual(Array.from(values));
  });

  it("refuses other dtypes and truncated files by message", () => {
    const f4 = new Uint8Array(bytes);
    f4.set(new TextEncoder().encode("<f4"), 21);
    expect(() => decodeNpy(f4, "x.npy")).toThrow(/x\.npy: not a float64 \.npy array: dtype <f4, expected <f8/);
    expect(() => decodeNpy(bytes.subarray(0, 100), "y.npy")).toThrow(/y\.npy: .* data bytes, expected 48 for shape \(2, 3\)/);
    expect(() => decodeNpy(new Uint8Array(20), "z.npy")).toThrow(/magic/);
  });

  it("splits a transformed array into features and the class index of its last column", () => {
    const { x, y } = splitFeaturesAndLabels({ rows: 2, cols: 3, values: Float64Array.from([1, -1, 0, 0, 1, 1]) });
    expect(x).toEqual({ rows: 2, cols: 2, values: Float64Array.from([1, -1, 0, 1]) });
    expect(Array.from(y)).toEqual([0, 1]);
    expect(() => splitFeaturesAndLabels({ rows: 1, cols: 1, values: Float64Array.from([1]) })).toThrow(/needs feature columns and a label column, got 1 column/);
  });
});
