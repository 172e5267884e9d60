// `netsec monitor --schema <file>`: a model of another data contract (the generated network-flow
// table, tests/fixtures/flows.schema.yaml) is monitored under that contract: its rows, its target
// column as labels, its continuous features bucketed by the reference's bins. Without --schema the
// default contract refuses the model.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readCsv } from "../../src/data/csv.ts";
import { loadSchema } from "../../src/schema.ts";
import { analyzeWindow } from "../../src/monitor/analysis.ts";
import { countRows } from "../../src/monitor/window.ts";
import { FIXTURES, ROOT, tempDir } from "../helpers/env.ts";
import { fitModelSet } from "./helpers.ts";
// @ts-expect-error: a plain ES module script of bench/ (no types)
import { csvText } from "../../bench/gen-continuous.mjs";

const SCHEMA = join(FIXTURES, "flows.schema.yaml");
const flows = await loadSchema(SCHEMA);
const dir = tempDir("netsec-monitor-schema-");
const data = join(dir, "flows.csv");
writeFileSync(data, (csvText as (o: object) => string)({ rows: 3000, seed: 5 }));
const m = await fitModelSet(flows, (await readCsv(data)).frame);
const modelDir = join(dir, "model");
m.writeSet(modelDir);
// The held-out rows (the model never saw them), with their target column.
const held = join(dir, "held-out.csv");
const width = m.test.columns.length;
writeFileSync(held, [m.test.columns.join(","), ...Array.from({ length: m.test.rows }, (_, r) => Array.from(m.test.values.subarray(r * width, (r + 1) * width)).join(","))].join("\n") + "\n");
const run = (...args: string[]) => spawnSync(join(ROOT, "bin", "netsec"), ["monitor", ...args], { encoding: "utf8", cwd: dir });

describe("netsec monitor --schema", () => {
  test("reads the table's own columns and target; the summary is the analysis of its rows", () => {
    const result = run(held, "--model-dir", modelDir, "--schema", SCHEMA, "--output", "out", "--json");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const out = result.stdout.trimEnd().split("\n");
    const report = JSON.parse(out[out.length - 1]!);
    const expected = analyzeWindow(m.reference, countRows(m.reference, m.test, m.score(m.test)));
    expect(report.summary).toBe(expected.summary);
    expect(report.summary.startsWith("no drift in 8 features; estimated F1 ")).toBe(true);
    expect(report.input).toEqual({ file: held, kind: "csv", rows: 600, labelled: 600 });
    expect(report.actual.f1).toBeCloseTo(m.reference.test.metrics.f1, 12);
    expect(report.features.map((f: { name: string }) => f.name)).toEqual(flows.featureNames);
    expect(JSON.parse(readFileSync(join(dir, "out", "report.json"), "utf8")).summary).toBe(expected.summary);
  });

  test("without --schema the default contract refuses the model, naming both contracts", () => {
    const result = run(data, "--model-dir", modelDir, "--output", "out2");
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^netsec monitor: error \[MODEL_INVALID\]: refusing to load the model in .*model: it was trained for a different data contract \(schema hash [0-9a-f]{12}…, .*schema\.yaml has [0-9a-f]{12}…\): retrain it/);
  });

  test("--help names the option", () => {
    const result = run("--help");
    expect(result.stdout).toContain("--schema <file>    the data contract: columns, dtypes, allowed values, target (default: schema.yaml of the project)");
  });
});
