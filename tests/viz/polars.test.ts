// Frame <-> nodejs-polars DataFrame for notebook display (NaN <-> null), and its display bundle.
import { describe, expect, it } from "vitest";
import { createFrame } from "../../src/data/frame.ts";
import { fromPolars, polarsBundle, toPolars } from "../../src/data/polars.ts";

describe("polars bridge", () => {
  const frame = createFrame(["a", "Result"], 3, Float64Array.from([1, -1, NaN, 1, 0, -1]));

  it("turns a Frame into a DataFrame with nulls for missing values, and back", () => {
    const df = toPolars(frame);
    expect(df.columns).toEqual(["a", "Result"]);
    expect(df.height).toBe(3);
    expect(df.getColumn("a").toArray()).toEqual([1, null, 0]);
    expect(df.getColumn("a").nullCount()).toBe(1);
    const back = fromPolars(df);
    expect(back.columns).toEqual(["a", "Result"]);
    expect(Array.from(back.values)).toEqual([1, -1, NaN, 1, 0, -1]);
  });

  it("refuses non-numeric columns", async () => {
    const pl = (await import("nodejs-polars")).default;
    expect(() => fromPolars(pl.DataFrame({ s: ["x", "y"] }))).toThrow('column "s" is String, not numeric');
  });

  it("displays as an HTML table and text, first rows only", () => {
    const bundle = polarsBundle(toPolars(frame), 2);
    expect(bundle["text/html"]).toContain("<table");
    expect(bundle["text/html"]).toContain("3 rows × 2 columns, first 2 shown");
    expect(bundle["text/plain"]).toContain("shape: (2, 2)");
  });
});
