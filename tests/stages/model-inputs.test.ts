/** The training-set fingerprint of a validated train file, read chunk by chunk. */
import { describe, expect, it } from "vitest";
import { readTrainingSet } from "../../src/stages/model-inputs.ts";
import { trainingSetOf } from "../../src/models/training-set.ts";
import { readCsv } from "../../src/data/csv.ts";
import { loadSchema } from "../../src/schema.ts";
import { mulberry32 } from "../../src/stats/rng.ts";
import { COLUMNS, workspace } from "./fixtures.ts";

describe("readTrainingSet", () => {
  it("gives the fingerprint of the whole file when the file spans several chunks (65,536 rows each)", async () => {
    const schema = await loadSchema();
    const rng = mulberry32(9);
    const lines = [COLUMNS.join(",")];
    // 70,000 rows over few distinct vectors (repeats across chunks) and some missing cells
    for (let r = 0; r < 70_000; r++) {
      const cells = COLUMNS.map((_, c) => (c === COLUMNS.length - 1 ? (rng.int(2) ? "1" : "-1") : c < 27 ? "1" : rng.int(50) === 0 ? "" : String(rng.int(3) - 1)));
      lines.push(cells.join(","));
    }
    const path = workspace().write("train.csv", lines.join("\n") + "\n");
    const frame = (await readCsv(path)).frame;
    const expected = trainingSetOf(frame.values, frame.rows, schema.featureNames.length, frame.columns.length);
    const streamed = await readTrainingSet(path, schema);
    expect(streamed.rows).toBe(70_000);
    expect(expected.vectors).toBeLessThan(100);
    expect(streamed).toEqual(expected);
  });
});
