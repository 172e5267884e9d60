import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CsvFile, readCsv } from "../../src/data/csv.ts";
import { SHARED_DATA, tempDir } from "../helpers/env.ts";

function csvFile(text: string | Uint8Array): string {
  const path = join(tempDir(), "data.csv");
  writeFileSync(path, text);
  return path;
}

describe("CSV reader", () => {
  it("reads the seed's format: quoted header, na and empty cells as missing", async () => {
    const path = csvFile('"a","b","Result"\n1,-1,1\nna,0,-1\r\n,1,1\n');
    const { frame, problems } = await readCsv(path);
    expect(frame.columns).toEqual(["a", "b", "Result"]);
    expect(frame.rows).toBe(3);
    expect(Array.from(frame.values)).toEqual([1, -1, 1, NaN, 0, -1, NaN, 1, 1]);
    expect(problems).toEqual([]);
  });

  it("reports a non-numeric cell with its row and column instead of guessing", async () => {
    const path = csvFile('"a","b"\n1,1\n1,abc\n');
    const { problems } = await readCsv(path);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ row: 2, column: "b", value: "abc", kind: "not_a_number" });
  });

  it("streams across chunk boundaries with the same values as one pass", async () => {
    const path = csvFile('"a","b"\n' + Array.from({ length: 1000 }, (_, i) => `${i % 3 - 1},${i}`).join("\n"));
    const file = await CsvFile.open(path);
    let rows = 0;
    let sum = 0;
    for await (const chunk of file.chunks({ chunkRows: 7 })) {
      rows += chunk.rows;
      for (let r = 0; r < chunk.rows; r++) sum += chunk.values[r * 2 + 1];
    }
    expect(rows).toBe(1000);
    expect(sum).toBe((999 * 1000) / 2);
  });

  it("reads the shared dataset: 9055 rows × 31 columns, no problems", async () => {
    const { frame, problems } = await readCsv(SHARED_DATA);
    expect(frame.rows).toBe(9055);
    expect(frame.columns).toHaveLength(31);
    expect(frame.columns[30]).toBe("Result");
    expect(problems).toEqual([]);
    expect(Array.from(frame.values.subarray(0, 5))).toEqual([-1, 1, 1, 1, -1]);
  });
});
