// `netsec monitor` through bin/netsec (the CLI under the npm-installed Deno): the summary line of a
// clean file, a shifted one and a prediction log, the files it writes, and its errors, by exact
// wording. The numbers in the expected lines come from the same analysis run here in Node.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { analyzeWindow } from "../../src/monitor/analysis.ts";
import { countRows } from "../../src/monitor/window.ts";
import type { Frame } from "../../src/data/frame.ts";
import { ROOT, tempDir } from "../helpers/env.ts";
import { featureCsv, fittedModel, schema, shifted } from "./helpers.ts";

const m = await fittedModel();
const dir = tempDir("netsec-monitor-cli-");
const modelDir = join(dir, "model");
m.writeSet(modelDir);
const bare = join(dir, "bare");
m.writeSet(bare, { reference: false });

const run = (...args: string[]) => spawnSync(join(ROOT, "bin", "netsec"), ["monitor", ...args], { encoding: "utf8", cwd: dir });
const f3 = (v: number) => v.toFixed(3);

function csvWithTarget(frame: Frame): string {
  const width = frame.columns.length;
  const cols = [...schema.featureNames, schema.target.name].map((n) => frame.columns.indexOf(n));
  const lines = [[...schema.featureNames, schema.target.name].join(",")];
  for (let r = 0; r < frame.rows; r++) lines.push(cols.map((c) => frame.values[r * width + c]).join(","));
  return lines.join("\n") + "\n";
}

function expectedSummary(frame: Frame): string {
  const r = analyzeWindow(m.reference, countRows(m.reference, frame, m.score(frame)));
  return r.summary;
}

describe("netsec monitor", () => {
  test("a clean CSV with its labels: no drift, the estimate and the real F1, report.html and report.json", () => {
    const file = join(dir, "clean.csv");
    writeFileSync(file, csvWithTarget(m.test));
    const result = run(file, "--model-dir", modelDir, "--output", "out-clean");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const summary = expectedSummary(m.test);
    expect(summary.startsWith("no drift in 30 features; estimated F1 ")).toBe(true);
    expect(result.stdout).toBe(`${m.test.rows} rows of ${file} against model v1: ${summary}; real F1 of the ${m.test.rows} labelled rows ${f3(m.reference.test.metrics.f1)}\nreport: out-clean/report.html, out-clean/report.json\n`);
    const report = JSON.parse(readFileSync(join(dir, "out-clean", "report.json"), "utf8"));
    expect(report.drifted).toEqual([]);
    expect(report.actual.f1).toBeCloseTo(m.reference.test.metrics.f1, 12);
    expect(report.input).toEqual({ file, kind: "csv", rows: m.test.rows, labelled: m.test.rows });
    expect(readFileSync(join(dir, "out-clean", "report.html"), "utf8")).toContain(`<p class="verdict">${summary}</p>`);
  });

  test("a shifted CSV without labels: the shifted features named", () => {
    let frame = shifted(m.test, "SSLfinal_State", -1, (r) => r % 2 === 0);
    frame = shifted(frame, "URL_Length", 1, (r) => r % 3 !== 0);
    const file = join(dir, "shifted.csv");
    writeFileSync(file, featureCsv(frame));
    const result = run("--input", file, "--model-dir", modelDir, "--output", "out-shifted");
    expect(result.status).toBe(0);
    const summary = expectedSummary(frame);
    expect(summary.startsWith("drift in 2 of 30 features (URL_Length, SSLfinal_State) and in the predicted probabilities; estimated F1 ")).toBe(true);
    expect(result.stdout).toBe(`${m.test.rows} rows of ${file} against model v1: ${summary}\nreport: out-shifted/report.html, out-shifted/report.json\n`);
  });

  test("a prediction log (the service's JSONL): features by name, feedback labels as known labels", () => {
    const width = m.test.columns.length;
    const t = m.test.columns.indexOf(schema.target.name);
    const lines = Array.from({ length: m.test.rows }, (_, r) => {
      const features = Object.fromEntries(schema.featureNames.map((n) => [n, m.test.values[r * width + m.test.columns.indexOf(n)]]));
      const doc: Record<string, unknown> = { kind: "prediction", request_id: `q${r >> 4}`, row: (r % 16) + 1, model_version: "1", at: "2026-12-08T00:00:00.000Z", features, probability: 0.5, prediction: 1, label: "legitimate" };
      if (r % 4 === 0) doc.feedback = { label: m.test.values[r * width + t], label_name: "x", correct: true, at: "2026-12-08T00:01:00.000Z" };
      return JSON.stringify(doc);
    });
    const file = join(dir, "log.jsonl");
    writeFileSync(file, lines.join("\n") + "\n");
    const result = run(file, "--model-dir", modelDir, "--output", "out-log", "--json");
    expect(result.stderr).toBe("");
    const out = result.stdout.trimEnd().split("\n");
    expect(out[0]).toMatch(new RegExp(`^${m.test.rows} rows of ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} against model v1: no drift in 30 features; estimated F1 0\\.\\d{3} \\[0\\.\\d{3}, 0\\.\\d{3}\\] against 0\\.\\d{3} on the test split; real F1 of the ${Math.ceil(m.test.rows / 4)} labelled rows 0\\.\\d{3}$`));
    const report = JSON.parse(out[out.length - 1]!);
    expect(report.input).toEqual({ file, kind: "prediction log", rows: m.test.rows, labelled: Math.ceil(m.test.rows / 4) });
  });

  test("a JSONL prediction log with the service's feedback lines: their labels count as known labels", () => {
    // The lines the service writes: predictions, then {"kind": "feedback"} lines for POST /feedback
    // (a true label, or only right / wrong); the last line for a row wins; feedback for a row the
    // log does not hold is ignored.
    const width = m.test.columns.length;
    const t = m.test.columns.indexOf(schema.target.name);
    const truth = (r: number) => m.test.values[r * width + t]!;
    const predicted = (r: number) => (m.probability[r]! >= m.threshold ? schema.target.positive : schema.target.allowed.find((v) => v !== schema.target.positive)!);
    const id = (r: number) => `q${r >> 4}`;
    const row = (r: number) => (r % 16) + 1;
    const lines = Array.from({ length: m.test.rows }, (_, r) => {
      const features = Object.fromEntries(schema.featureNames.map((n) => [n, m.test.values[r * width + m.test.columns.indexOf(n)]]));
      return JSON.stringify({ kind: "prediction", request_id: id(r), row: row(r), model_version: "1", at: "2026-12-08T00:00:00.000Z", features, probability: m.probability[r], prediction: predicted(r), label: schema.labelOf(predicted(r)) });
    });
    const real = { tp: 0, fp: 0, fn: 0, tn: 0 };
    let labelled = 0;
    for (let r = 0; r < m.test.rows; r++) {
      if (r % 3 === 0) lines.push(JSON.stringify({ kind: "feedback", request_id: id(r), row: row(r), label: truth(r), label_name: schema.labelOf(truth(r)), at: "2026-12-08T00:01:00.000Z" }));
      else if (r % 3 === 1) {
        // first a wrong mark, then the analyst's correction: the later line counts
        lines.push(JSON.stringify({ kind: "feedback", request_id: id(r), row: row(r), correct: predicted(r) !== truth(r), at: "2026-12-08T00:01:00.000Z" }));
        lines.push(JSON.stringify({ kind: "feedback", request_id: id(r), row: row(r), correct: predicted(r) === truth(r), at: "2026-12-08T00:02:00.000Z" }));
      } else continue;
      labelled++;
      const y = truth(r) === schema.target.positive;
      const decided = predicted(r) === schema.target.positive;
      if (decided) y ? real.tp++ : real.fp++;
      else y ? real.fn++ : real.tn++;
    }
    lines.push(JSON.stringify({ kind: "feedback", request_id: "never-logged", row: 1, label: schema.target.positive, at: "2026-12-08T00:03:00.000Z" }));
    const file = join(dir, "log-feedback.jsonl");
    writeFileSync(file, lines.join("\n") + "\n");
    const result = run(file, "--model-dir", modelDir, "--output", "out-log-feedback", "--json");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const out = result.stdout.trimEnd().split("\n");
    const report = JSON.parse(out[out.length - 1]!);
    expect(report.input).toEqual({ file, kind: "prediction log", rows: m.test.rows, labelled });
    const precision = real.tp / (real.tp + real.fp);
    const recall = real.tp / (real.tp + real.fn);
    expect(report.actual.rows).toBe(labelled);
    expect(report.actual.precision).toBeCloseTo(precision, 12);
    expect(report.actual.recall).toBeCloseTo(recall, 12);
    expect(report.actual.f1).toBeCloseTo((2 * precision * recall) / (precision + recall), 12);
  });

  test("a feedback line without its request id or row: the line named", () => {
    const file = join(dir, "bad-feedback.jsonl");
    writeFileSync(file, `${JSON.stringify({ kind: "feedback", row: 1, label: 1 })}\n`);
    const result = run(file, "--model-dir", modelDir, "--output", "out-bad");
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`netsec monitor: error [DATA_INVALID]: ${file}, line 1: a feedback line needs "request_id" (text) and "row" (a whole number); expected {"kind": "feedback", "request_id": "…", "row": 1, "label": ${schema.target.positive}}\n`);
  });

  test("errors: a missing file, missing columns, a model without a reference", () => {
    const none = run(join(dir, "none.csv"), "--model-dir", modelDir, "--output", "out");
    expect(none.status).toBe(1);
    expect(none.stderr).toBe(`netsec monitor: error [FILE_NOT_FOUND]: no file ${join(dir, "none.csv")} (give a CSV of feature columns or a prediction log, .jsonl)\n`);

    const wrong = join(dir, "wrong.csv");
    writeFileSync(wrong, "URL_Length,Favicon,colour\n1,1,red\n");
    const cols = run(wrong, "--model-dir", modelDir, "--output", "out");
    expect(cols.status).toBe(1);
    expect(cols.stderr).toBe(`netsec monitor: error [DATA_INVALID]: ${wrong} has no columns having_IP_Address, Shortining_Service, having_At_Symbol, double_slash_redirecting, Prefix_Suffix and 23 more: expected the 30 feature columns of ${schema.source} (the target column is optional)\n`);

    const noRef = run(join(dir, "clean.csv"), "--model-dir", bare, "--output", "out");
    expect(noRef.status).toBe(1);
    expect(noRef.stderr).toBe(`netsec monitor: error [MODEL_INVALID]: the model in ${bare} (version 1) has no reference.json: it was pushed before netsec wrote one; push a new model with \`netsec train\`\n`);

    const usage = run("--model-dir", modelDir, "--output", "out");
    expect(usage.status).toBe(2);
    expect(usage.stderr).toBe("netsec monitor: error [USAGE]: netsec monitor: give one input file, e.g. netsec monitor --input traffic.csv --output monitor/\n");
  });
});
