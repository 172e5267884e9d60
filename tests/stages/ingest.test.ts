/** Ingest on its own: the feature store keeps the data as read, the split is stratified and seeded. */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { runIngest } from "../../src/stages/ingest.ts";
import { openDataSource } from "../../src/pipeline.ts";
import { newRunFolder } from "../../src/artifacts.ts";
import { loadSchema } from "../../src/schema.ts";
import { COLUMNS, csvText, validRows, workspace } from "./fixtures.ts";
import { mulberry32 } from "../../src/stats/rng.ts";

const schema = await loadSchema();

async function ingest(text: string, seed = 42, groupDuplicates = true) {
  const ws = workspace();
  const data = ws.write("input.csv", text);
  const run = await newRunFolder(ws.artifacts);
  return runIngest(await openDataSource(data, schema), { run, schema, testRatio: 0.25, seed, groupDuplicates });
}

/** The feature part (every column but the target) of each data line of a split file. */
function vectors(path: string): string[] {
  return readFileSync(path, "utf8").trimEnd().split("\n").slice(1).map((line) => line.split(",").slice(0, -1).join(","));
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

  it("split row by row (group_duplicates: false): each class's share exactly, deterministic per seed", async () => {
    const text = csvText(COLUMNS, validRows(200));
    const a = await ingest(text, 1, false), b = await ingest(text, 1, false), c = await ingest(text, 2, false);
    expect(readFileSync(a.test, "utf8")).toBe(readFileSync(b.test, "utf8"));
    expect(readFileSync(a.test, "utf8")).not.toBe(readFileSync(c.test, "utf8"));
    const { classes, test } = a.summary;
    for (const k of Object.keys(classes)) expect(test.classes[k]).toBe(Math.round(classes[k] * 0.25));
    expect(a.summary.groupedBy).toBeNull();
    // this fixture repeats rows: split row by row, copies land on both sides
    expect(a.summary.sharedVectors).toBeGreaterThan(0);
    const train = new Set(vectors(a.train));
    expect(vectors(a.test).some((v) => train.has(v))).toBe(true);
  });

  it("by default keeps identical feature vectors on one side, still stratified and seeded", async () => {
    // 200 rows over 60 distinct feature vectors (each 3-4 times), labels not tied to the vector
    const rng = mulberry32(9);
    const base = Array.from({ length: 60 }, () => schema.features.map((f) => f.allowed![rng.int(f.allowed!.length)]));
    const rows = Array.from({ length: 200 }, (_, i) => [...base[i % 60], (i * 7) % 5 < 2 ? -1 : 1]);
    const text = csvText(COLUMNS, rows);
    const a = await ingest(text, 1), b = await ingest(text, 1), c = await ingest(text, 2);
    expect(readFileSync(a.test, "utf8")).toBe(readFileSync(b.test, "utf8"));
    expect(readFileSync(a.test, "utf8")).not.toBe(readFileSync(c.test, "utf8"));
    const train = new Set(vectors(a.train));
    expect(vectors(a.test).filter((v) => train.has(v))).toEqual([]);
    expect(a.summary).toMatchObject({ groupedBy: "feature vector", vectors: 60, sharedVectors: 0 });
    expect(a.summary.train.rows + a.summary.test.rows).toBe(200);
    // each class's test share within one group of its target (groups hold ≤ 4 rows)
    for (const k of Object.keys(a.summary.classes)) expect(Math.abs(a.summary.test.classes[k] - a.summary.classes[k] * 0.25)).toBeLessThanOrEqual(4);
  });
});
