/** Drift between train and test (and against a reference run) through the validate stage. */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { runValidate } from "../../src/stages/validate.ts";
import { newRunFolder } from "../../src/artifacts.ts";
import { loadSchema } from "../../src/schema.ts";
import { COLUMNS, csvText, quietReporter, validRows, workspace } from "./fixtures.ts";

const schema = await loadSchema();

async function validate(train: number[][], test: number[][], options: { failOnDrift?: boolean; reference?: string } = {}) {
  const ws = workspace();
  const run = await newRunFolder(ws.artifacts);
  const input = { train: ws.write("train.csv", csvText(COLUMNS, train)), test: ws.write("test.csv", csvText(COLUMNS, test)) };
  const promise = runValidate(input, { run, schema, maxInvalidShare: 0.01, driftPValue: 0.05, failOnDrift: options.failOnDrift ?? false, reference: options.reference, reporter: quietReporter() });
  return { promise, run };
}

const URL_LENGTH = COLUMNS.indexOf("URL_Length");

/** Test rows whose URL_Length is always 1 (train cycles through -1, 0, 1). */
function shifted(rows: number[][]): number[][] {
  return rows.map((r) => r.map((v, c) => (c === URL_LENGTH ? 1 : v)));
}

describe("drift report", () => {
  it("reports no drift when test comes from the same distribution", async () => {
    const { promise } = await validate(validRows(300), validRows(100, 300));
    const result = await promise;
    expect(result.drift.trainTest.drifted).toEqual([]);
    const yaml = parse(readFileSync(result.driftYaml, "utf8")) as Record<string, { p_value: number; drift_status: boolean }>;
    expect(Object.keys(yaml)).toEqual(COLUMNS);
    expect(yaml.URL_Length.drift_status).toBe(false);
    expect(yaml.URL_Length.p_value).toBeGreaterThan(0.05);
  });

  it("detects a shifted column with KS and chi-square, seed-compatible keys in report.yaml", async () => {
    const { promise } = await validate(validRows(300), shifted(validRows(100, 300)));
    const result = await promise;
    expect(result.drift.trainTest.drifted).toEqual(["URL_Length"]);
    const yaml = parse(readFileSync(result.driftYaml, "utf8")) as Record<string, Record<string, unknown>>;
    expect(yaml.URL_Length).toMatchObject({ drift_status: true, method: "exact", chi2_dof: 2 });
    expect(yaml.URL_Length.p_value as number).toBeLessThan(1e-10);
    expect(yaml.URL_Length.chi2_p_value as number).toBeLessThan(1e-10);
    const json = JSON.parse(readFileSync(result.driftJson, "utf8"));
    expect(json.summary.drifted).toEqual(["URL_Length"]);
    expect(result.warnings.some((w) => /drift between train and test in URL_Length \(KS p = /.test(w))).toBe(true);
  });

  it("a column drifts by its KS p-value, not by chi-square: a shift KS barely sees is reported, not flagged", async () => {
    // URL_Length (-1/0/1): train 40/20/40 %, test 30/40/30 %. The CDFs differ by at most 0.1
    // while the counts differ a lot. scipy 1.17.1 on these samples: ks_2samp p = 0.4283,
    // chi2_contingency p = 3.35e-4.
    const cycle = (pattern: number[], n: number) => Array.from({ length: n }, (_, i) => pattern[i % pattern.length]);
    const trainValues = cycle([-1, 0, 1, -1, 1], 300); // 120/60/120
    const testValues = cycle([-1, 0, 1, 0, 0, 1, -1, 0, 1, -1], 100); // 30/40/30
    const withColumn = (rows: number[][], values: number[]) => rows.map((r, i) => r.map((v, c) => (c === URL_LENGTH ? values[i] : v)));
    const { promise } = await validate(withColumn(validRows(300), trainValues), withColumn(validRows(100, 300), testValues));
    const result = await promise;
    const col = result.drift.trainTest.columns.URL_Length;
    expect(col.p_value!).toBeCloseTo(0.42832150746897646, 6);
    expect(col.chi2_p_value!).toBeCloseTo(0.0003354626279025119, 9);
    expect(col.drift_status).toBe(false);
    expect(col.chi2_drift_status).toBe(true);
    expect(result.drift.trainTest.drifted).not.toContain("URL_Length");
  });

  it("fail_on_drift fails the stage, names the column and leaves no folder", async () => {
    const { promise, run } = await validate(validRows(300), shifted(validRows(100, 300)), { failOnDrift: true });
    await expect(promise).rejects.toThrow(/drift detected \(KS p-value < 0\.05\) and validation\.fail_on_drift is set: train vs test: URL_Length \(KS p = /);
    expect(existsSync(run.stage("validation"))).toBe(false);
    expect(existsSync(`${run.stage("validation")}.partial`)).toBe(false);
  });

  it("compares the new data with a reference run's validated train data", async () => {
    const first = await validate(validRows(300), validRows(100, 300));
    await first.promise;
    const same = await (await validate(validRows(300, 7), validRows(100, 11), { reference: first.run.dir })).promise;
    expect(same.drift.reference?.drifted).toEqual([]);
    const moved = await (await validate(shifted(validRows(300, 7)), shifted(validRows(100, 11)), { reference: first.run.dir })).promise;
    expect(moved.drift.reference?.drifted).toEqual(["URL_Length"]);
    expect(moved.drift.trainTest.drifted).toEqual([]);
    expect(existsSync(join(moved.dir, "drift_report", "reference.yaml"))).toBe(true);
  });

  it("a reference folder without validated data is a clear error", async () => {
    const { promise } = await validate(validRows(30), validRows(10), { reference: "/nonexistent/run" });
    await expect(promise).rejects.toThrow(/--reference \/nonexistent\/run: no validated training data at \/nonexistent\/run\/data_validation\/validated\/train\.csv/);
  });
});
