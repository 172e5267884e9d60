/** The data profile of validate: per column value counts (contract values) of each split. */
import { describe, expect, it } from "vitest";
import { profileSplits } from "../../src/stages/profile.ts";
import { RowStore } from "../../src/stages/row-store.ts";
import { loadSchema } from "../../src/schema.ts";
import { mulberry32 } from "../../src/stats/rng.ts";

describe("profileSplits", () => {
  it("counts every column's own values (columns read one after another through one buffer per split)", async () => {
    const schema = await loadSchema();
    const width = schema.columns.length;
    const rng = mulberry32(4);
    const make = (rows: number) => {
      const store = new RowStore(schema.columns);
      const values = Float64Array.from({ length: rows * width }, (_, i) => (i % width === width - 1 ? (rng.int(2) ? 1 : -1) : i % width === 0 ? (rng.int(4) === 0 ? NaN : rng.int(2) ? 1 : -1) : rng.int(3) - 1));
      store.append(values, rows);
      return { store, values };
    };
    const train = make(500), test = make(200);
    const profile = profileSplits(schema, { train: train.store, test: test.store });
    for (const [split, data, rows] of [[profile.train, train.values, 500], [profile.test, test.values, 200]] as const) {
      expect(split.rows).toBe(rows);
      schema.columns.forEach((name, c) => {
        const column = split.columns[c];
        expect(column.name).toBe(name);
        const expected = column.bins.map((v) => {
          let n = 0;
          for (let r = 0; r < rows; r++) if (data[r * width + c] === v) n++;
          return n;
        });
        expect(column.counts).toEqual(expected);
        // anything outside the contract's values (here NaN, or 0 in a {-1, 1} column) counts as missing
        let outside = 0;
        for (let r = 0; r < rows; r++) if (!column.bins.includes(data[r * width + c])) outside++;
        expect(column.missing).toBe(outside);
      });
    }
  });
});
