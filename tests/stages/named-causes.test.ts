/**
 * Inputs that used to fail with a message about something else (issue 22) now get a coded error
 * naming the cause, before any model is fitted: one class in the data (was a TypeError from the
 * naive Bayes library), one distinct feature vector (was "rows are too few to split"), a line
 * break inside a quoted header name (was a ragged-row or missing-columns message), and a search
 * grid of 10⁹ points (was ingest, validate and transform, then gigabytes while expanding it).
 */
import { describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { runPipeline } from "../../src/pipeline.ts";
import { NetsecError } from "../../src/errors.ts";
import { MAX_GRID_POINTS } from "../../src/search/check.ts";
import { COLUMNS, csvText, experiment, quietReporter, validRows, workspace } from "./fixtures.ts";

async function failure(text: string, exp: Parameters<typeof runPipeline>[0]["experiment"] = experiment()) {
  const ws = workspace();
  const data = ws.write("data.csv", text);
  const error = await runPipeline({ data, experiment: exp, artifacts: ws.artifacts, modelDir: ws.modelDir, reporter: quietReporter() }).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(NetsecError);
  return { error: error as NetsecError, data, ws };
}

/** The stage folders a failed run left (none may be half-written). */
function stages(artifacts: string): string[] {
  return readdirSync(artifacts).flatMap((run) => readdirSync(`${artifacts}/${run}`));
}

describe("errors that name the cause", () => {
  it("one class in the data: DATA_INVALID naming the target column and its one value, before any model is fitted", async () => {
    const rows = validRows(200).map((r) => [...r.slice(0, -1), 1]);
    // experiments/default.yaml searches naive Bayes too: its library threw a TypeError here
    const { error, data, ws } = await failure(csvText(COLUMNS, rows), "experiments/default.yaml");
    expect(error.code).toBe("DATA_INVALID");
    expect(error.message).toBe(`CSV file ${data}: every row with a valid Result has Result = 1 (200 rows): a classifier needs rows of both classes (-1 and 1); check the source's Result column`);
    expect(stages(ws.artifacts)).toEqual([]);
  });

  it("one class among the valid rows (the other rows' target is not an allowed value)", async () => {
    const rows = validRows(100).map((r, i) => [...r.slice(0, -1), i < 3 ? 7 : -1]);
    const { error, data } = await failure(csvText(COLUMNS, rows));
    expect(error.message).toBe(`CSV file ${data}: every row with a valid Result has Result = -1 (97 rows): a classifier needs rows of both classes (-1 and 1); check the source's Result column`);
  });

  it("one distinct feature vector (copies of one row, both labels): DATA_INVALID saying so, not 'too few to split'", async () => {
    const row = validRows(1)[0].slice(0, -1);
    const rows = Array.from({ length: 2000 }, (_, i) => [...row, i % 2 ? 1 : -1]);
    const { error, data } = await failure(csvText(COLUMNS, rows));
    expect(error.code).toBe("DATA_INVALID");
    expect(error.message).toBe(`CSV file ${data}: all 2000 rows have one and the same feature vector (every column but Result): there is nothing for a model to learn from, and copies of a vector never straddle train and test; check the source (one row repeated?)`);
  });

  it("a line break inside a quoted header name: CSV_INVALID naming the header cell", async () => {
    const text = csvText(COLUMNS, validRows(40)).replace('"URL_Length"', '"URL_\nLength"');
    const { error, data } = await failure(text);
    expect(error.code).toBe("CSV_INVALID");
    expect(error.message).toBe(`${data}: header cell 2 ("URL_") opens a quote the header line does not close: a line break inside a quoted column name is not supported (netsec reads one line per row); remove the line break from the name`);
  });

  it("the same with CRLF line ends and a two-column file", async () => {
    const { error, data } = await failure('"a","b\r\nc"\r\n1,2\r\n');
    expect(error.message).toBe(`${data}: header cell 2 ("b") opens a quote the header line does not close: a line break inside a quoted column name is not supported (netsec reads one line per row); remove the line break from the name`);
  });

  it(`a 10⁹-point grid is refused before any folder is made (the cap is ${MAX_GRID_POINTS.toLocaleString("en-US")} points)`, async () => {
    const values = (n: number, scale: number) => `[${Array.from({ length: n }, (_, i) => (i + 1) * scale).join(", ")}]`;
    const ws = workspace();
    const exp = ws.write("huge.yaml", `name: huge\nsearch:\n  candidates:\n    - family: hist_gbt\n      grid:\n        n_estimators: ${values(1000, 1)}\n        learning_rate: ${values(1000, 0.001)}\n        max_leaf_nodes: ${values(1000, 2)}\n`);
    const data = ws.write("data.csv", csvText(COLUMNS, validRows(40)));
    const error = await runPipeline({ data, experiment: exp, artifacts: ws.artifacts, modelDir: ws.modelDir, reporter: quietReporter() }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(NetsecError);
    expect((error as NetsecError).code).toBe("EXPERIMENT_INVALID");
    expect((error as NetsecError).message).toBe(`${exp}: the search grid has 1,000,000,000 points (hist_gbt 1000×1000×1000), more than the 10,000 a search may try; make the grids smaller`);
    expect(readdirSync(ws.artifacts)).toEqual([]);
  });
});
