/** Ingest on its own: the feature store keeps the data as read, the split is stratified and seeded. */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { runIngest } from "../../src/stages/ingest.ts";
import { openDataSource } from "../../src/pipeline.ts";
import { newRunFolder } from "../../src/artifacts.ts";
import { loadSchema } from "../../src/schema.ts";
import { COLUMNS, csvText, validRows, workspace } from "./fixtures.ts";

const schema = await loadSchema();

async function ingest(text: string, seed = 42) {
  const ws = workspace();
  const data = ws.write("input.csv", text);
  const run = await newRunFolder(ws.artifacts);
  return runIngest(await openDataSource(data, schema), { run, schema, testRatio: 0.25, seed });
}

describe("ingest stage", () => {
  it("writes the rows as read (bad cells and ragged rows verbatim) and splits every stratum", async () => {
    const rows: (number | string)[][] = validRows(40);
    rows[5][3] = "abc";
    rows[10][30] = "na"; // missing target → the "invalid" stratum
    rows[11][30] = 0; // not an allowed target value → "invalid" too
    const lines = csvText(COLUMNS, rows).split("\n");
    lines[8] = "1,-1,1"; // ragged
    const text = lines.join("\n");
    const result = await ingest(text);
    const store = readFileSync(result.featureStore, "utf8");
    // as read: only the missing target's "na" is written as the seed writes a missing value (empty)
    const expected = text.split("\n");
    expected[11] = expected[11].replace(/,na$/, ",");
    expect(store.split("\n").slice(1)).toEqual(expected.slice(1));
    const { summary } = result;
    expect(summary.rows).toBe(40);
    expect(summary.readerProblems).toBe(2);
    expect(summary.classes.invalid).toBe(3);
    expect((summary.train.classes.invalid ?? 0) + (summary.test.classes.invalid ?? 0)).toBe(3);
    expect(summary.train.rows + summary.test.rows).toBe(40);
    const split = [result.train, result.test].flatMap((p) => readFileSync(p, "utf8").trimEnd().split("\n").slice(1));
    expect(split).toContain(lines[8]);
    expect(split).toContain(lines[6]); // the row with "abc", as it was
    expect(JSON.parse(readFileSync(result.summaryFile, "utf8"))).toEqual(summary);
  });

  it("keeps each class's share and is deterministic per seed", async () => {
    const text = csvText(COLUMNS, validRows(200));
    const a = await ingest(text, 1), b = await ingest(text, 1), c = await ingest(text, 2);
    expect(readFileSync(a.test, "utf8")).toBe(readFileSync(b.test, "utf8"));
    expect(readFileSync(a.test, "utf8")).not.toBe(readFileSync(c.test, "utf8"));
    const { classes, test } = a.summary;
    for (const k of Object.keys(classes)) expect(test.classes[k]).toBe(Math.round(classes[k] * 0.25));
  });
});
