/**
 * The one value check against schema.yaml (data/row-check.ts) and its three users agreeing on it:
 * the validate stage's contract, the HTTP service's input check and netsec predict refuse the
 * same value of the same column with the same expectation.
 */
import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { allowedTest, checkValue, columnRule } from "../../src/data/row-check.ts";
import { checkRowValues, compileContract } from "../../src/stages/contract.ts";
import { checkAgainstSchema } from "../../src/serve/input.ts";
import { createFrame } from "../../src/data/frame.ts";
import { loadSchema } from "../../src/schema.ts";
import { predictFile } from "../../src/predict/predict-file.ts";
import { existsSync } from "node:fs";
import { SHARED_DATA, tempDir } from "../helpers/env.ts";
import { writeRealModel } from "../serve/real-model.ts";

const schema = await loadSchema();

describe("checkValue", () => {
  it("says missing, not_integer, not_allowed or ok", () => {
    const rule = columnRule({ allowed: [-1, 0, 1], nullable: false, dtype: "int" });
    expect([NaN, 0.5, 2, -1, 0, 1].map((v) => checkValue(rule, v))).toEqual(["missing", "not_integer", "not_allowed", "ok", "ok", "ok"]);
    expect(checkValue(columnRule({ allowed: [-1, 1], nullable: true }), NaN)).toBe("ok");
    expect(rule.expectedText).toBe("one of -1, 0, 1");
  });

  it("membership by table and by Set agree", () => {
    const small = allowedTest([-1, 0, 1]);
    const large = allowedTest([-1, 0, 1, 1000]);
    for (const v of [-2, -1, -0.5, 0, 1, 2, 127, -128, 1000, NaN]) expect(small(v)).toBe([-1, 0, 1].includes(v));
    expect(large(1000)).toBe(true);
    expect(large(2)).toBe(false);
  });
});

describe("validate, serve and predict refuse the same value the same way", () => {
  const feature = schema.features[0];
  const row = schema.columns.map((c) => (c === schema.target.name ? schema.target.allowed[0] : 1));
  row[0] = 7;

  it("the contract: not_allowed, expected one of the allowed values", () => {
    const issues = checkRowValues(compileContract(schema), Float64Array.from(row), 0, 1, "x.csv");
    expect(issues.map((i) => [i.code, i.column, i.value, i.expected])).toEqual([["not_allowed", feature.name, "7", `one of ${feature.allowed!.join(", ")}`]]);
  });

  it("the service: 422 naming row, column, value and the same expectation", () => {
    expect(() => checkAgainstSchema(createFrame(schema.columns, 1, Float64Array.from(row)), schema)).toThrow(`row 1, column ${feature.name}: got 7, expected one of ${feature.allowed!.join(", ")}`);
  });

  it.skipIf(!existsSync(SHARED_DATA))("predict: the row refused with the same expectation", async () => {
    const dir = tempDir("netsec-row-check-");
    await writeRealModel(join(dir, "model"), 1, 2);
    writeFileSync(join(dir, "in.csv"), `${schema.columns.join(",")}\n${row.join(",")}\n`);
    await expect(predictFile({ input: join(dir, "in.csv"), output: join(dir, "out.csv"), modelDir: join(dir, "model"), workers: 0 })).rejects.toThrow(new RegExp(`row 1, column ${feature.name}: got .?7.?, expected one of ${feature.allowed!.join(", ")};`));
  });
});
