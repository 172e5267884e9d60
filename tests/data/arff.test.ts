import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ArffFile } from "../../src/data/arff.ts";
import { openSource, readSourceFrame } from "../../src/data/source.ts";
import { loadSchema } from "../../src/schema.ts";
import { FIXTURES, ROOT, tempDir } from "../helpers/env.ts";

const FIXTURE = join(FIXTURES, "phishing-small.arff");

function arffFile(text: string, name = "data.arff"): string {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return path;
}

async function readAll(path: string) {
  return await readSourceFrame(path);
}

describe("ARFF reader", () => {
  it("reads the UCI-style fixture: schema columns, comments and blank lines skipped, ? as missing", async () => {
    const schema = await loadSchema(join(ROOT, "schema.yaml"));
    const file = await ArffFile.open(FIXTURE);
    expect(file.relation).toBe("phishing");
    expect(file.columns).toEqual(schema.columns);
    expect(file.attributes[1]).toEqual({ name: "URL_Length", type: "nominal", nominal: [1, 0, -1] });
    const { frame, problems } = await readAll(FIXTURE);
    expect(problems).toEqual([]);
    expect(frame.rows).toBe(5);
    const width = frame.columns.length;
    expect(Array.from(frame.values.subarray(0, 5))).toEqual([-1, 1, 1, 1, -1]);
    expect(frame.values[width - 1]).toBe(-1); // Result of row 1
    expect(frame.values[2 * width + 1]).toBe(0); // row 3 (after the comment line), URL_Length
    expect(frame.values[4 * width + 1]).toBeNaN(); // row 5: '?'
    expect(frame.values[5 * width - 1]).toBe(1);
  });

  it("is a source named after the file stem, streamed in chunks", async () => {
    const source = await openSource(FIXTURE);
    expect(source.kind).toBe("arff");
    expect(source.name).toBe("phishing-small");
    expect(source.describe).toContain("ARFF file");
    const sizes: number[] = [];
    const firsts: number[] = [];
    for await (const chunk of source.chunks({ chunkRows: 2 })) {
      sizes.push(chunk.rows);
      firsts.push(chunk.firstRow);
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(firsts).toEqual([1, 3, 5]);
  });

  it("reports a non-numeric value with its data row and attribute", async () => {
    const path = arffFile("@relation t\n@attribute a numeric\n@attribute 'b c' {-1,1}\n@data\n% note\n1,-1\n2,abc\n");
    const { frame, problems } = await readAll(path);
    expect(frame.columns).toEqual(["a", "b c"]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ row: 2, column: "b c", value: "abc", kind: "not_a_number", line: "2,abc" });
    expect(frame.values[3]).toBeNaN();
  });

  it("reports a row with the wrong number of values as ragged", async () => {
    const path = arffFile("@RELATION t\n@ATTRIBUTE a REAL\n@ATTRIBUTE b INTEGER\n@DATA\n1,2\n1,2,3\n");
    const { frame, problems } = await readAll(path);
    expect(frame.rows).toBe(2);
    expect(problems).toEqual([expect.objectContaining({ row: 2, kind: "ragged_row", value: "3 values", expected: "2 values (one per @attribute)" })]);
  });

  it("reads sparse rows (unlisted values are 0), quoted values and CRLF line ends", async () => {
    const path = arffFile("@relation t\r\n@attribute a numeric\r\n@attribute b numeric\r\n@attribute c numeric\r\n@data\r\n{1 5, 2 ?}\r\n'1',\"2\",3\r\n");
    const { frame, problems } = await readAll(path);
    expect(problems).toEqual([]);
    expect(Array.from(frame.values)).toEqual([0, 5, NaN, 1, 2, 3]);
  });

  it("header only: no rows, not an error", async () => {
    const { frame, problems } = await readAll(arffFile("@relation t\n@attribute a numeric\n@data\n"));
    expect(frame.rows).toBe(0);
    expect(frame.columns).toEqual(["a"]);
    expect(problems).toEqual([]);
  });

  it("rejects an empty file", async () => {
    await expect(ArffFile.open(arffFile(""))).rejects.toThrow(/is empty: expected an ARFF header/);
  });

  it("rejects a header without @data", async () => {
    await expect(ArffFile.open(arffFile("@relation t\n@attribute a numeric\n"))).rejects.toThrow(/line 2: no @data line/);
  });

  it("rejects string attributes and non-numeric nominal labels, naming the attribute and line", async () => {
    await expect(ArffFile.open(arffFile("@relation t\n@attribute url string\n@data\n"))).rejects.toThrow(
      /line 2: @attribute url has type "string": netsec reads numeric data only/,
    );
    await expect(ArffFile.open(arffFile("@relation t\n% c\n@attribute cls {yes,no}\n@data\n"))).rejects.toThrow(
      /line 3: @attribute cls has non-numeric nominal values \{yes, no\}/,
    );
  });

  it("rejects text that is not an ARFF header", async () => {
    await expect(ArffFile.open(arffFile("a,b\n1,2\n"))).rejects.toThrow(/line 1: unexpected "a,b" in the header, expected @relation/);
  });
});
