/** Bad CSV input, one case per test, each checked by its message or its reported problem. */
import { describe, expect, it } from "vitest";
import { createWriteStream, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CsvFile, readCsv } from "../../src/data/csv.ts";
import { openSource, readSourceFrame } from "../../src/data/source.ts";
import { isNetsecError } from "../../src/errors.ts";
import { tempDir } from "../helpers/env.ts";

function csvFile(text: string | Uint8Array, name = "data.csv"): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}

describe("CSV bad input", () => {
  it("empty file: CSV_INVALID saying a header is expected", async () => {
    const path = csvFile("");
    const error = await CsvFile.open(path).catch((e) => e);
    expect(isNetsecError(error, "CSV_INVALID")).toBe(true);
    expect(error.message).toBe(`${path} is empty: expected a header line naming the columns, then one line per row`);
    await expect(openSource(path)).rejects.toThrow(/is empty: expected a header line/);
  });

  it("header only: no rows and no error; callers see rows === 0 and no chunks", async () => {
    const path = csvFile('"a","b","Result"\n');
    const { frame, problems } = await readSourceFrame(path);
    expect(frame.columns).toEqual(["a", "b", "Result"]);
    expect(frame.rows).toBe(0);
    expect(problems).toEqual([]);
    const source = await openSource(path);
    let chunks = 0;
    for await (const _ of source.chunks()) chunks++;
    expect(chunks).toBe(0);
  });

  it("wrong delimiter (;): CSV_INVALID naming the separator found and the one expected", async () => {
    const path = csvFile('"a";"b";"Result"\n1;-1;1\n');
    await expect(CsvFile.open(path)).rejects.toThrow(`${path}: the header is separated by ';', expected ',' (comma-separated values)`);
  });

  it("UTF-8 BOM: accepted, the first column name has no BOM", async () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
    const body = new TextEncoder().encode('"having_IP_Address","Result"\n1,-1\n');
    const bytes = new Uint8Array(bom.length + body.length);
    bytes.set(bom);
    bytes.set(body, bom.length);
    const { frame, problems } = await readSourceFrame(csvFile(bytes));
    expect(frame.columns).toEqual(["having_IP_Address", "Result"]);
    expect(frame.columns[0].charCodeAt(0)).toBe("h".charCodeAt(0));
    expect(Array.from(frame.values)).toEqual([1, -1]);
    expect(problems).toEqual([]);
  });

  it("ragged row: a problem with its row number and raw line, the other rows intact", async () => {
    const { frame, problems } = await readCsv(csvFile('"a","b","c"\n1,1,1\n1,1\n-1,0,1\n'));
    expect(frame.rows).toBe(3);
    expect(problems).toEqual([
      { row: 2, value: "2 cells", expected: "3 cells (one per header column)", kind: "ragged_row", line: "1,1" },
    ]);
    expect(Array.from(frame.values.subarray(6))).toEqual([-1, 0, 1]);
  });

  it("a ~200 MB file streams chunk by chunk with RSS growth well under the file size", { timeout: 300_000 }, async () => {
    const path = join(tempDir(), "big.csv");
    const columns = Array.from({ length: 31 }, (_, i) => `c${i}`);
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) lines.push(Array.from({ length: 31 }, (_, c) => ((i * 7 + c * 13) % 3) - 1).join(","));
    const block = lines.join("\n") + "\n";
    const blocks = Math.ceil((200 * 1024 * 1024) / block.length);
    const out = createWriteStream(path);
    out.write(columns.map((c) => `"${c}"`).join(",") + "\n");
    for (let b = 0; b < blocks; b++) if (!out.write(block)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    const size = statSync(path).size;
    expect(size).toBeGreaterThan(200 * 1024 * 1024);

    const before = process.memoryUsage().rss;
    let peak = before;
    let rows = 0;
    let problems = 0;
    const source = await openSource(path);
    for await (const chunk of source.chunks()) {
      rows += chunk.rows;
      problems += chunk.problems.length;
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(rows).toBe(blocks * 10_000);
    expect(problems).toBe(0);
    // A memory bound, not a timing: holding the text needs > size, its values as doubles ~3 × size.
    if (process.env.NETSEC_PRINT_MEMORY === "1") console.log(`200 MB test: file ${size} bytes, ${rows} rows, RSS growth ${peak - before} bytes`);
    expect(peak - before).toBeLessThan(size / 2);
  });
});
