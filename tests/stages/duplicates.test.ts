/** Duplicate feature vectors and conflicting labels through the validate stage: reported, and the conflict policy applied. */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { runValidate } from "../../src/stages/validate.ts";
import { newRunFolder } from "../../src/artifacts.ts";
import { loadSchema } from "../../src/schema.ts";
import type { ConflictPolicy } from "../../src/stages/duplicates.ts";
import { COLUMNS, csvText, quietReporter, workspace } from "./fixtures.ts";
import { mulberry32 } from "../../src/stats/rng.ts";

const schema = await loadSchema();
const rng = mulberry32(4);
/** 12 distinct feature vectors. */
const V = Array.from({ length: 12 }, () => schema.features.map((f) => f.allowed![rng.int(f.allowed!.length)]));
const row = (v: number, label: number) => [...V[v], label];

// train: vector 0 ×3 (-1), vector 1 ×2 (1, -1: conflict), vector 2 ×1; vectors 3-6 once
// test:  vector 0 ×1 (-1: shared with train), vector 1 ×1 (1), vector 7 ×2 (-1, 1, 1 → majority 1 with the third in test), vectors 8-9 once
const TRAIN = [row(0, -1), row(1, 1), row(0, -1), row(1, -1), row(2, 1), row(0, -1), row(3, 1), row(4, -1), row(5, 1), row(6, -1)];
const TEST = [row(0, -1), row(1, 1), row(7, -1), row(7, 1), row(8, 1), row(7, 1), row(9, -1)];

async function validate(policy?: ConflictPolicy) {
  const ws = workspace();
  const run = await newRunFolder(ws.artifacts);
  const input = { train: ws.write("train.csv", csvText(COLUMNS, TRAIN)), test: ws.write("test.csv", csvText(COLUMNS, TEST)) };
  const result = await runValidate(input, { run, schema, maxInvalidShare: 0.01, driftPValue: 0.05, failOnDrift: false, conflicts: policy, reporter: quietReporter() });
  return { result, input };
}

const lines = (path: string) => readFileSync(path, "utf8").trimEnd().split("\n").slice(1);

describe("duplicates and conflicting labels", () => {
  it("counts distinct vectors, repeated rows, the largest group and vectors on both sides", async () => {
    const { result } = await validate();
    const d = result.contract.duplicates;
    expect(d.vectors).toEqual({ distinct: 10, repeatedRows: 4 + 3 + 3, repeatedShare: 10 / 17, groupsRepeated: 3, largestGroup: 4 });
    expect(d.acrossSplits).toEqual({ vectors: 2, testRows: 2 });
    // exact repeats (label included): vector 0 three more times, vector 1's second "1", vector 7's second "1"
    expect(d.duplicates).toBe(5);
    expect(result.warnings.some((w) => /10 of 17 valid rows \(58\.8%\) share their feature vector with another row \(10 distinct vectors, largest group 4 rows; 5 rows repeat an earlier row exactly\); 2 vectors are in both train and test \(2 test rows\)/.test(w))).toBe(true);
    expect(JSON.parse(readFileSync(result.contractFile, "utf8")).duplicates).toEqual(d);
  });

  it("keep (default): lists each conflicting group with its rows and labels, keeps every row", async () => {
    const { result } = await validate();
    const c = result.contract.conflicts;
    expect(c).toMatchObject({ policy: "keep", groups: 2, rows: 6, dropped: 0, relabelled: 0, truncated: false });
    // largest first, then by where the group starts ("test" sorts before "train")
    expect(c.listed).toEqual([
      { rows: 3, labels: { "-1": 1, "1": 2 }, resolution: "kept", members: [{ split: "test", row: 3, label: -1 }, { split: "test", row: 4, label: 1 }, { split: "test", row: 6, label: 1 }] },
      { rows: 3, labels: { "-1": 1, "1": 2 }, resolution: "kept", members: [{ split: "train", row: 2, label: 1 }, { split: "train", row: 4, label: -1 }, { split: "test", row: 2, label: 1 }] },
    ]);
    expect(lines(result.validTrain)).toHaveLength(10);
    expect(lines(result.validTest)).toHaveLength(7);
    expect(result.warnings).toContain("validate: 2 feature vectors carry both labels (6 rows): kept (validation.conflicts: keep)");
  });

  it("drop: every row of a conflicting group goes to invalid/ with the reason; the share gate does not count them", async () => {
    const { result } = await validate("drop");
    expect(result.contract.conflicts).toMatchObject({ policy: "drop", dropped: 6, relabelled: 0 });
    expect(result.contract.invalidRows).toBe(0);
    expect(result.contract.train).toMatchObject({ valid: 8, conflictDropped: 2 });
    expect(result.contract.test).toMatchObject({ valid: 3, conflictDropped: 4 });
    expect(lines(result.validTrain)).toHaveLength(8);
    const invalid = lines(result.invalidTest);
    expect(invalid).toHaveLength(4);
    expect(invalid[0]).toMatch(/,"conflicting_label: the same features appear 3 times with labels 1 ×2, -1 ×1 \(validation\.conflicts: drop\)"$/);
    expect(result.contract.test.classes).toEqual({ "-1": 2, "1": 1 });
  });

  it("majority: minority labels are relabelled in validated/ (features untouched)", async () => {
    const { result } = await validate("majority");
    expect(result.contract.conflicts).toMatchObject({ policy: "majority", dropped: 0, relabelled: 2 });
    expect(result.contract.conflicts.listed.every((g) => g.resolution === "relabelled to 1")).toBe(true);
    const train = lines(result.validTrain);
    expect(train[3]).toBe(row(1, 1).join(",")); // was row(1, -1)
    expect(lines(result.validTest)[2]).toBe(row(7, 1).join(",")); // was row(7, -1)
    expect(result.contract.train.conflictRelabelled + result.contract.test.conflictRelabelled).toBe(2);
  });

  it("majority: a group without a majority is dropped", async () => {
    const ws = workspace();
    const run = await newRunFolder(ws.artifacts);
    const input = { train: ws.write("train.csv", csvText(COLUMNS, [row(0, 1), row(0, -1), row(1, 1), row(2, -1)])), test: ws.write("test.csv", csvText(COLUMNS, [row(3, 1), row(4, -1)])) };
    const result = await runValidate(input, { run, schema, maxInvalidShare: 0.01, driftPValue: 0.05, failOnDrift: false, conflicts: "majority", reporter: quietReporter() });
    expect(result.contract.conflicts).toMatchObject({ dropped: 2, relabelled: 0, listed: [{ resolution: "dropped (no majority)" }] });
    expect(lines(result.validTrain)).toEqual([row(1, 1).join(","), row(2, -1).join(",")]);
  });
});
