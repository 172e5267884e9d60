// Files that are not what the readers expect are refused with what they are and where: UTF-16
// (with or without a BOM), binary, a byte that is not UTF-8 (its offset), CR-only line ends,
// lines and headers over the limit; numbers out of range are said to be. UTF-8 with a BOM reads.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ArffFile } from "../../src/data/arff.ts";
import { CsvFile, readCsv } from "../../src/data/csv.ts";
import { collectChunks } from "../../src/data/chunks.ts";
import { tempDir } from "../helpers/env.ts";

const dir = tempDir("netsec-encoding-");
function file(name: string, bytes: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const CSV = '"a","b","Result"\n1,-1,1\n0,1,-1\n';
const ARFF = "@relation t\n@attribute a {-1,0,1}\n@attribute Result {-1,1}\n@data\n1,1\n0,-1\n";

describe("readers: encodings and line ends", () => {
  it("CSV: UTF-8 with a BOM is read; UTF-16 (BOM or not) and binary files are refused saying what they are", async () => {
    const bom = await readCsv(file("bom.csv", `\uFEFF${CSV}`));
    expect(bom.frame.columns).toEqual(["a", "b", "Result"]);
    await expect(CsvFile.open(file("le.csv", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(CSV, "utf16le")])))).rejects.toThrow(/le\.csv: not a UTF-8 CSV file: it is UTF-16LE text \(byte-order mark ff fe\); save it as UTF-8/);
    await expect(CsvFile.open(file("be.csv", Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(CSV, "utf16le").swap16()])))).rejects.toThrow(/it is UTF-16BE text/);
    await expect(CsvFile.open(file("nobom.csv", Buffer.from(CSV, "utf16le")))).rejects.toThrow(/it has a NUL byte at byte offset 1: it looks like UTF-16 text without a byte-order mark/);
    await expect(CsvFile.open(file("bin.csv", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])))).rejects.toThrow(/NUL byte at byte offset 8: it looks like a binary file, not text/);
  });

  it("CSV: a byte that is not UTF-8 is refused with its row and byte offset (header or data)", async () => {
    await expect(CsvFile.open(file("h.csv", Buffer.from('"caf\xe9","b"\n1,2\n', "latin1")))).rejects.toThrow(/h\.csv: the header is not UTF-8: byte 0xe9 at byte offset 4 is not UTF-8/);
    const data = file("d.csv", Buffer.concat([Buffer.from('"a","b"\n1,2\n'), Buffer.from('3,"\xff"\n', "latin1")]));
    const csv = await CsvFile.open(data);
    await expect(collectChunks(csv.columns, csv.chunks())).rejects.toThrow(/d\.csv: row 2: byte 0xff at byte offset 15 is not UTF-8/);
  });

  it("CSV: CR-only line ends are said to be so, not blamed on the columns", async () => {
    await expect(CsvFile.open(file("cr.csv", CSV.replaceAll("\n", "\r")))).rejects.toThrow(/cr\.csv: the lines end with a carriage return only \(CR, classic Mac OS line ends\): expected \\n or \\r\\n line ends/);
  });

  it("CSV: a header or row over 1 MiB and a header over 4096 columns are refused by row and offset", async () => {
    await expect(CsvFile.open(file("long-header.csv", `${"h".repeat(2 << 20)}\n1\n`))).rejects.toThrow(/the header line is longer than 1048576 bytes/);
    const longRow = file("long-row.csv", `"a"\n1\n${"9".repeat(2 << 20)}\n`);
    const csv = await CsvFile.open(longRow);
    await expect(collectChunks(csv.columns, csv.chunks())).rejects.toThrow(/long-row\.csv: row 2 \(byte offset 6\) is longer than 1048576 bytes/);
    await expect(CsvFile.open(file("wide.csv", `${Array.from({ length: 5000 }, (_, i) => `c${i}`).join(",")}\n`))).rejects.toThrow(/the header has more than 4096 columns/);
  });

  it("CSV: 1e309 is a problem saying it is out of range (not Infinity, not null)", async () => {
    const { frame, problems } = await readCsv(file("big.csv", '"a","b"\n1e309,1\n-1e400,2\n'));
    expect(frame.values[0]).toBeNaN();
    expect(problems.map((p) => [p.row, p.value, p.expected])).toEqual([
      [1, "1e309", "a number within ±1.8e308 (this one is out of the range of a 64-bit float)"],
      [2, "-1e400", "a number within ±1.8e308 (this one is out of the range of a 64-bit float)"],
    ]);
  });

  it("ARFF: UTF-16, binary and bad bytes are refused naming the line and offset", async () => {
    await expect(ArffFile.open(file("le.arff", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(ARFF, "utf16le")])))).rejects.toThrow(/le\.arff: not a UTF-8 ARFF file: it is UTF-16LE text/);
    await expect(ArffFile.open(file("bad.arff", Buffer.from("@relation caf\xe9\n@attribute a numeric\n@data\n1\n", "latin1")))).rejects.toThrow(/bad\.arff, line 1: byte 0xe9 at byte offset 13 is not UTF-8/);
    const good = await ArffFile.open(file("ok.arff", `\uFEFF${ARFF}`));
    expect(good.columns).toEqual(["a", "Result"]);
  });
});
