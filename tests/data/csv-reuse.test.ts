/** CsvFile.chunks({ reuseBuffer }): every chunk in one buffer, with the values of fresh chunks. */
import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CsvFile } from "../../src/data/csv.ts";
import { tempDir } from "../helpers/env.ts";

describe("CSV chunks with a reused buffer", () => {
  it("hands over each chunk in the same buffer, holding that chunk's rows", async () => {
    const path = join(tempDir("netsec-csv-"), "rows.csv");
    writeFileSync(path, "a,b\n" + Array.from({ length: 10 }, (_, r) => `${r},${-r}`).join("\n") + "\n");
    const file = await CsvFile.open(path);
    const fresh: number[][] = [];
    for await (const chunk of file.chunks({ chunkRows: 4 })) fresh.push(Array.from(chunk.values));
    const reused: number[][] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const chunk of file.chunks({ chunkRows: 4, reuseBuffer: true })) {
      reused.push(Array.from(chunk.values));
      buffers.add(chunk.values.buffer);
    }
    expect(reused).toEqual(fresh);
    expect(fresh.map((v) => v.length)).toEqual([8, 8, 4]);
    expect(buffers.size).toBe(1);
  });
});
