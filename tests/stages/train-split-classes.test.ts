/**
 * One class left in the training split after splitting (issue 22): the source has both classes,
 * but every row of one class went to the test split (copies of a feature vector stay on one side
 * of the grouped split, so a class held by few vectors can land there whole). Training on one
 * class failed deep inside a model; now ingest stops with DATA_INVALID naming the cause.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { runPipeline } from "../../src/pipeline.ts";
import { NetsecError } from "../../src/errors.ts";
import { loadSchema } from "../../src/schema.ts";
import { COLUMNS, csvText, experiment, quietReporter, workspace } from "./fixtures.ts";

const schema = await loadSchema();

/** `n` distinct rows of allowed feature values (seeded), all labelled 1. */
function distinctRows(n: number): number[][] {
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const rows = Array.from({ length: n }, () => [...schema.features.map((f) => f.allowed![Math.floor(next() * f.allowed!.length)]), 1]);
  expect(new Set(rows.map((r) => r.join(","))).size).toBe(n);
  return rows;
}

describe("the training split after splitting", () => {
  it("holding one class only: DATA_INVALID naming the class that went to the test split and why", async () => {
    const rows = distinctRows(200);
    // Row 7's feature vector twice more, labelled 1 and -1: the only -1 row shares its vector's
    // group (stratum 1) and, with seed 42 and test_ratio 0.25, that group goes to the test split.
    const features = rows[7].slice(0, -1);
    rows.push([...features, 1], [...features, -1]);
    const ws = workspace();
    const data = ws.write("data.csv", csvText(COLUMNS, rows));
    const error = await runPipeline({ data, experiment: experiment(), artifacts: ws.artifacts, modelDir: ws.modelDir, reporter: quietReporter() }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(NetsecError);
    expect((error as NetsecError).code).toBe("DATA_INVALID");
    expect((error as NetsecError).message).toBe(`CSV file ${data}: after splitting, the training split has only Result = 1: all 1 row with Result = -1 went to the test split, because it holds only 1 distinct feature vector and copies of a vector stay on one side; a classifier needs rows of both classes to train: add rows of Result = -1 with other feature values`);
    expect((error as NetsecError).location).toMatchObject({ column: "Result", value: "-1" });
    expect(readFileSync(data, "utf8")).toContain(",-1\n"); // the source itself has both classes
  });
});
