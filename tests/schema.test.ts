import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadSchema, parseSchema } from "../src/schema.ts";
import { ROOT } from "./helpers/env.ts";

const schemaText = readFileSync(join(ROOT, "schema.yaml"), "utf8");

describe("schema.yaml (the data contract)", () => {
  it("lists the 30 features in the seed's column order, then the target", async () => {
    const schema = await loadSchema();
    expect(schema.featureNames).toHaveLength(30);
    expect(schema.featureNames[0]).toBe("having_IP_Address");
    expect(schema.featureNames[29]).toBe("Statistical_report");
    expect(schema.columns.at(-1)).toBe("Result");
    const header = readFileSync(join(ROOT, "tests", "fixtures", "seed-header.csv"), "utf8").trim().split(",").map((c) => c.replaceAll('"', ""));
    expect(schema.columns).toEqual(header);
  });

  it("names phishing (-1) as the positive class and keeps the seed's -1→0, 1→1 mapping", async () => {
    const schema = await loadSchema();
    expect(schema.target.positive).toBe(-1);
    expect(schema.labelOf(-1)).toBe("phishing");
    expect(schema.labelOf(1)).toBe("legitimate");
    expect(schema.classIndex(-1)).toBe(0);
    expect(schema.classIndex(1)).toBe(1);
    expect(schema.positiveIndex).toBe(0);
    expect(schema.targetValue(0)).toBe(-1);
  });

  it("allows only the values the UCI ARFF declares per column", async () => {
    const schema = await loadSchema();
    const byName = Object.fromEntries(schema.features.map((f) => [f.name, f.allowed]));
    expect(byName.URL_Length).toEqual([-1, 0, 1]);
    expect(byName.having_IP_Address).toEqual([-1, 1]);
    expect(byName.Redirect).toEqual([0, 1]);
  });

  it("hashes the contract, not its formatting", async () => {
    const a = await parseSchema(schemaText);
    const b = await parseSchema(schemaText.replace(/^#.*$/gm, "# another comment"));
    const c = await parseSchema(schemaText.replace("allowed: [0, 1]", "allowed: [-1, 0, 1]"));
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.hash).toBe(a.hash);
    expect(c.hash).not.toBe(a.hash);
  });

  it("rejects invalid YAML naming the file", async () => {
    await expect(parseSchema("features: [", "bad.yaml")).rejects.toThrow(/bad\.yaml: not valid YAML/);
  });

  it("rejects a positive class that is not an allowed target value", async () => {
    const text = schemaText.replace("positive: -1", "positive: 2");
    await expect(parseSchema(text, "s.yaml")).rejects.toThrow(/s\.yaml is not a valid data contract:\n.*target\.positive: positive class 2 is not one of the allowed target values \[-1, 1\]/);
  });

  it("rejects a duplicate column and an unknown key, naming their paths", async () => {
    const dup = schemaText.replace("name: URL_Length", "name: having_IP_Address");
    await expect(parseSchema(dup)).rejects.toThrow(/features\.1\.name: duplicate column "having_IP_Address"/);
    const unknown = schemaText.replace("dtype: int\n    allowed: [-1, 1]\n    description: \"IP", "dtype: int\n    alowed: [-1, 1]\n    description: \"IP");
    await expect(parseSchema(unknown)).rejects.toThrow(/features\.0: Unrecognized key.*alowed/);
  });

  it("rejects a wrong dtype and a missing target, and a missing file", async () => {
    await expect(parseSchema(schemaText.replace("dtype: int", "dtype: text"))).rejects.toThrow(/features\.0\.dtype/);
    await expect(parseSchema(schemaText.replace(/^target:[\s\S]*$/m, ""))).rejects.toThrow(/target/);
    await expect(loadSchema("/nonexistent/schema.yaml")).rejects.toThrow("schema file not found: /nonexistent/schema.yaml");
  });
});
