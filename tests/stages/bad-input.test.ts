/**
 * Bad input through the whole data pipeline (ingest → validate → transform): every failure is a
 * NetsecError whose message says what and where, and no stage leaves a half-written folder.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runPipeline } from "../../src/pipeline.ts";
import { NetsecError } from "../../src/errors.ts";
import { COLUMNS, csvText, experiment, quietReporter, validRows, workspace } from "./fixtures.ts";

/** Every folder under the artifacts root, relative (run folders and their stage folders). */
function stageFolders(artifacts: string): string[] {
  const out: string[] = [];
  for (const run of readdirSync(artifacts)) {
    out.push(run);
    for (const stage of readdirSync(join(artifacts, run))) out.push(`${run}/${stage}`);
  }
  return out;
}

async function failure(text: string | Uint8Array, options: { max_invalid_share?: number } = {}) {
  const ws = workspace();
  const data = ws.write("data.csv", text);
  const error = await runPipeline({ data, experiment: experiment(options), artifacts: ws.artifacts, modelDir: ws.modelDir, reporter: quietReporter() }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NetsecError);
  const folders = stageFolders(ws.artifacts);
  expect(folders.filter((f) => f.endsWith(".partial"))).toEqual([]);
  return { error: error as NetsecError, folders, ws };
}

const rows = validRows(40);

describe("bad input", () => {
  it("missing column: validate fails naming the column, before writing its folder", async () => {
    const cols = COLUMNS.filter((c) => c !== "URL_Length");
    const text = csvText(cols, rows.map((r) => r.filter((_, i) => i !== 1)));
    const { error, folders } = await failure(text);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.message).toMatch(/ingested\/train\.csv: the columns do not match the contract .*schema\.yaml:\n  missing column: URL_Length/);
    expect(folders.some((f) => f.endsWith("data_ingestion"))).toBe(true);
    expect(folders.some((f) => f.endsWith("data_validation"))).toBe(false);
  });

  it("extra column", async () => {
    const text = csvText([...COLUMNS, "comment"], rows.map((r) => [...r, 7]));
    const { error } = await failure(text);
    expect(error.message).toMatch(/extra column not in schema\.yaml: comment/);
  });

  it("reordered columns", async () => {
    const swap = (a: (string | number)[]) => [a[1], a[0], ...a.slice(2)];
    const text = csvText(swap(COLUMNS) as string[], rows.map((r) => swap(r)));
    const { error } = await failure(text);
    expect(error.message).toMatch(/columns out of order: having_IP_Address is column 2, expected 1; URL_Length is column 1, expected 2/);
  });

  it("non-numeric cell: names file, row, column, value and what was expected", async () => {
    const bad = rows.map((r) => [...r] as (number | string)[]);
    bad[3][7] = "abc";
    const { error, folders } = await failure(csvText(COLUMNS, bad));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.message).toMatch(/1 of 40 rows \(2\.50%\) break the data contract, more than validation\.max_invalid_share = 1\.00%/);
    expect(error.message).toMatch(/not a number \(file \S+ingested\/(train|test)\.csv, row \d+, column SSLfinal_State: got "abc", expected a number/);
    expect(error.location?.column).toBe("SSLfinal_State");
    expect(folders.some((f) => f.endsWith("data_validation"))).toBe(false);
  });

  it("value outside the allowed set", async () => {
    const bad = rows.map((r) => [...r]);
    bad[5][1] = 5;
    const { error } = await failure(csvText(COLUMNS, bad));
    expect(error.message).toMatch(/value outside the allowed set \(file \S+, row \d+, column URL_Length: got "5", expected one of -1, 0, 1\)/);
  });

  it("a non-integer in an int column", async () => {
    const bad = rows.map((r) => [...r]);
    bad[2][0] = 0.5;
    const { error } = await failure(csvText(COLUMNS, bad));
    expect(error.message).toMatch(/not an integer \(file \S+, row \d+, column having_IP_Address: got "0\.5", expected one of -1, 1\)/);
  });

  it("missing target value", async () => {
    const bad = rows.map((r) => [...r] as (number | string)[]);
    bad[9][30] = "na";
    const { error } = await failure(csvText(COLUMNS, bad));
    expect(error.message).toMatch(/the target may not be missing \(file \S+, row \d+, column Result: got "", expected one of -1, 1\)/);
  });

  it("ragged row", async () => {
    const lines = csvText(COLUMNS, rows).split("\n");
    lines[4] = lines[4].split(",").slice(0, 30).join(",");
    const { error } = await failure(lines.join("\n"));
    expect(error.message).toMatch(/wrong number of cells \(file \S+, row \d+: got "30 cells", expected 31 cells \(one per header column\)\)/);
  });

  it("empty file: fails at ingest and leaves no run content", async () => {
    const { error, folders } = await failure("");
    expect(error.code).toBe("CSV_INVALID");
    expect(error.message).toMatch(/data\.csv is empty: expected a header line/);
    expect(folders.filter((f) => f.includes("/"))).toEqual([]);
  });

  it("header only", async () => {
    const { error, folders } = await failure(csvText(COLUMNS, []));
    expect(error.code).toBe("DATA_INVALID");
    expect(error.message).toMatch(/data\.csv has a header but no data rows/);
    expect(folders.filter((f) => f.includes("/"))).toEqual([]);
  });

  it("wrong delimiter", async () => {
    const text = csvText(COLUMNS, rows).replaceAll(",", ";");
    const { error } = await failure(text);
    expect(error.code).toBe("CSV_INVALID");
    expect(error.message).toMatch(/data\.csv: the header is separated by ';', expected ','/);
  });

  it("UTF-8 BOM is accepted and the first column keeps its name", async () => {
    const ws = workspace();
    const data = ws.write("bom.csv", "\uFEFF" + csvText(COLUMNS, rows));
    const result = await runPipeline({ data, experiment: experiment(), artifacts: ws.artifacts, modelDir: ws.modelDir, reporter: quietReporter() });
    const header = readFileSync(result.validation.validTrain, "utf8").split("\n")[0];
    expect(header.startsWith('"having_IP_Address",')).toBe(true);
    expect(result.validation.contract.invalidRows).toBe(0);
  });

  it("bad rows under max_invalid_share go to invalid/ with a reason; the run goes on", async () => {
    const bad = rows.map((r) => [...r] as (number | string)[]);
    bad[3][7] = "abc";
    const ws = workspace();
    const data = ws.write("data.csv", csvText(COLUMNS, bad));
    const reporter = quietReporter();
    const result = await runPipeline({ data, experiment: experiment({ max_invalid_share: 0.05 }), artifacts: ws.artifacts, modelDir: ws.modelDir, reporter });
    const invalid = [result.validation.invalidTrain, result.validation.invalidTest].map((p) => readFileSync(p, "utf8").trim().split("\n"));
    const header = invalid[0][0];
    expect(header).toBe([...COLUMNS, "reason"].map((c) => `"${c}"`).join(","));
    const lines = invalid.flatMap((l) => l.slice(1));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(`${bad[3].join(",")},"SSLfinal_State: not_a_number (got ""abc"", expected a number (or empty / na for a missing value))"`);
    expect(result.validation.contract.invalidRows).toBe(1);
    expect(result.transformation.train.x.rows + result.transformation.test.x.rows).toBe(39);
    expect(reporter.warnings.some((w) => /1 rows break the contract/.test(w))).toBe(true);
    expect(existsSync(result.transformation.trainArray)).toBe(true);
  });

  it("missing feature values (empty or na) are valid rows: counted per column, then imputed", async () => {
    const gaps = rows.map((r) => [...r] as (number | string)[]);
    gaps[0][1] = "na";
    gaps[6][1] = "";
    gaps[6][2] = "NA";
    const ws = workspace();
    const data = ws.write("gaps.csv", csvText(COLUMNS, gaps));
    const result = await runPipeline({ data, experiment: experiment(), artifacts: ws.artifacts, modelDir: ws.modelDir, reporter: quietReporter() });
    const { contract } = result.validation;
    expect(contract.invalidRows).toBe(0);
    expect({ ...contract.train.missing, ...contract.test.missing }).toEqual({ URL_Length: expect.any(Number), Shortining_Service: 1 });
    expect((contract.train.missing.URL_Length ?? 0) + (contract.test.missing.URL_Length ?? 0)).toBe(2);
    expect(result.transformation.summary.train.imputedCells + result.transformation.summary.test.imputedCells).toBe(3);
    expect(result.transformation.train.x.values.some(Number.isNaN)).toBe(false);
    expect(result.transformation.test.x.values.some(Number.isNaN)).toBe(false);
  });
});
