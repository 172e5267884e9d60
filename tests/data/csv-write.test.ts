/**
 * CSV files written for people neutralise spreadsheet formulas (OWASP "CSV Injection": a cell
 * starting with = + - @ tab or CR gets a leading ') but keep numbers, negative ones included; a
 * train CSV carrying `=cmd|' /C calc'!A0` ends neutralised in data_validation/invalid/, with -1
 * still -1.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { csvField, neutraliseCell, personCell, personLine } from "../../src/data/csv-write.ts";
import { splitCsvLine } from "../../src/data/csv.ts";
import { ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";

describe("cells for people", () => {
  it("prefixes a quote to text a spreadsheet would run as a formula", () => {
    for (const cell of ["=cmd|' /C calc'!A0", "+SUM(A1)", "-2+3+cmd|' /C calc'!A0", "@SUM(1)", "\t=1", "\r=1", "=1"]) {
      expect(neutraliseCell(cell)).toBe(`'${cell}`);
    }
  });

  it("leaves numbers (negative, signed, decimal, exponent) and other text alone", () => {
    for (const cell of ["-1", "0", "1", "+1", "-0.5", "-1e-3", "", "na", "phishing", "a=b", " =x"]) expect(neutraliseCell(cell)).toBe(cell);
  });

  it("quotes after neutralising; a line keeps its cells and numbers", () => {
    expect(personCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvField("a,b")).toBe('"a,b"');
    const line = personLine(`1,-1,"=cmd|' /C calc'!A0",0,@x`);
    expect(line).toBe(`1,-1,'=cmd|' /C calc'!A0,0,'@x`);
    expect(splitCsvLine(line)).toEqual(["1", "-1", "'=cmd|' /C calc'!A0", "0", "'@x"]);
  });
});

describe.skipIf(!existsSync(SHARED_DATA))("netsec train: data_validation/invalid/ is safe to open in a spreadsheet", () => {
  it("neutralises a formula cell and an extra formula cell; -1 stays -1", () => {
    const cwd = tempDir("netsec-csv-inject-");
    const lines = readFileSync(SHARED_DATA, "utf8").trim().split(/\r?\n/);
    const formula = lines[5].split(",");
    formula[3] = `"=cmd|' /C calc'!A0"`;
    const ragged = [...lines[6].split(","), "@SUM(1)"];
    writeFileSync(join(cwd, "train.csv"), [...lines.slice(0, 400), formula.join(","), ragged.join(",")].join("\n") + "\n");
    const r = spawnSync(join(ROOT, "bin", "netsec"), ["train", "--data", "train.csv", "--experiment", join(ROOT, "experiments", "fast.yaml"), "--json"], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", MLFLOW_TRACKING_URI: "" } });
    expect(r.status, r.stderr).toBe(0);
    const run = join(cwd, JSON.parse(r.stdout.trim().split("\n").at(-1)!).runDir, "data_validation", "invalid");
    const invalid = readdirSync(run).flatMap((f) => readFileSync(join(run, f), "utf8").trim().split("\n").slice(1));
    expect(invalid).toHaveLength(2);
    const byFirst = invalid.map((l) => splitCsvLine(l));
    const injected = byFirst.find((cells) => cells[3].includes("calc"))!;
    expect(injected.slice(0, 31)).toEqual([...lines[5].split(",").slice(0, 3), "'=cmd|' /C calc'!A0", ...lines[5].split(",").slice(4)]);
    expect(injected[31]).toMatch(/^having_At_Symbol: not_a_number/);
    const extra = byFirst.find((cells) => cells.includes("'@SUM(1)"))!;
    expect(extra.slice(0, 32)).toEqual([...lines[6].split(","), "'@SUM(1)"]);
    expect(extra).toContain("-1");
    for (const cells of byFirst) for (const cell of cells) expect(cell).not.toMatch(/^[=+@\t\r]|^-[^0-9]/);
  });
});
