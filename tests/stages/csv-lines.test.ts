import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LineWriter } from "../../src/stages/csv-lines.ts";
import { RowStore } from "../../src/stages/row-store.ts";
import { parseCell } from "../../src/data/csv.ts";
import { tempDir } from "../helpers/env.ts";

describe("LineWriter", () => {
  it("writes numbers as the reader reads them back: missing as empty, any float exactly", async () => {
    const path = join(tempDir(), "out.csv");
    const writer = await LineWriter.create(path, ["a", "b", "c", "reason"]);
    const values = Float64Array.of(-1, 0, 1, NaN, 0.25, -12, 1e21, -0, 0.1 + 0.2);
    writer.row(values, 0, 3);
    writer.row(values, 3, 3);
    writer.row(values, 6, 3);
    writer.line('1,2,3,"a, ""quoted"" reason"');
    await writer.close();
    expect(readFileSync(path, "utf8")).toBe('"a","b","c","reason"\n-1,0,1\n,0.25,-12\n1e+21,0,0.30000000000000004\n1,2,3,"a, ""quoted"" reason"\n');
    const cells = readFileSync(path, "utf8").split("\n").slice(1, 4).join(",").split(",").map(parseCell);
    expect(cells).toEqual([-1, 0, 1, NaN, 0.25, -12, 1e21, 0, 0.1 + 0.2]);
  });

  it("writes Int8-coded rows of a RowStore and flushes across the 1 MB buffer", async () => {
    const path = join(tempDir(), "big.csv");
    const store = new RowStore(["a", "b", "c"]);
    for (let i = 0; i < 200_000; i++) store.appendRow(Float64Array.of((i % 3) - 1, i % 7 === 0 ? NaN : 1, -1), 0);
    const writer = await LineWriter.create(path, store.columns);
    for (let r = 0; r < store.rows; r++) {
      const flushed = store.writeRow(r, writer);
      if (flushed) await flushed;
    }
    await writer.close();
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(200_001);
    expect(lines.slice(1, 4)).toEqual(["-1,,-1", "0,1,-1", "1,1,-1"]);
    expect(lines[200_000]).toBe(store.formatRow(199_999));
  });
});
