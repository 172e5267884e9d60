import { describe, expect, it } from "vitest";
import { RowStore } from "../../src/stages/row-store.ts";
import { DuplicateCounter } from "../../src/stages/contract.ts";

describe("RowStore", () => {
  it("keeps small integers and missing values compactly and gives them back exactly", () => {
    const store = new RowStore(["a", "b", "c"]);
    store.append(Float64Array.of(-1, 0, 1, NaN, 1, -1), 2);
    expect(store.encoding).toBe("int8");
    expect(store.formatRow(1)).toBe(",1,-1");
    expect(Array.from(store.column(0))).toEqual([-1, NaN]);
    expect(Array.from(store.drainToFrame().values)).toEqual([-1, 0, 1, NaN, 1, -1]);
  });

  it("switches to float64 at the first value that is not a small integer, keeping earlier rows", () => {
    const store = new RowStore(["a", "b"]);
    for (let i = 0; i < 70_000; i++) store.appendRow(Float64Array.of(i % 3 - 1, NaN), 0);
    store.appendRow(Float64Array.of(0.25, 1000), 0);
    expect(store.encoding).toBe("float64");
    expect(store.rows).toBe(70_001);
    expect([store.get(69_999, 0), store.get(69_999, 1), store.get(70_000, 0), store.get(70_000, 1)]).toEqual([-1, NaN, 0.25, 1000]);
    expect(store.formatRow(70_000)).toBe("0.25,1000");
  });

  it("counts exact duplicate rows (missing equals missing)", () => {
    const store = new RowStore(["a", "b"]);
    store.append(Float64Array.of(1, NaN, 1, NaN, 1, -1, 0.5, 2, 0.5, 2), 5);
    const counter = new DuplicateCounter(2, (id) => store.locate(id));
    for (let i = 0; i < store.rows; i++) counter.add(i);
    expect(counter.duplicates).toBe(2);
  });
});
