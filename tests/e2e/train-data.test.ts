/**
 * End to end under Deno: `netsec train --json` on a copy of the real dataset in a temp dir gives
 * the three data stage folders with their files, and the same seed gives byte-identical splits.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DENO, ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";
import { runDataPipeline } from "../../src/pipeline.ts";
import { createReporter } from "../../src/reporter.ts";

interface TrainJson {
  runDir: string;
  stages: Record<string, { dir: string }>;
  warnings: string[];
}

function train(cwd: string, args: string[] = []): TrainJson {
  const result = spawnSync(DENO, ["run", "-A", join(ROOT, "src", "cli.ts"), "train", "--data", "phisingData.csv", "--artifacts", "Artifacts", "--json", ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  expect(result.stderr).toMatch(/ingest: 9055 rows/);
  expect(result.status).toBe(0);
  const lines = result.stdout.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]) as TrainJson;
}

describe.skipIf(!existsSync(SHARED_DATA))("netsec train on the real data (Deno)", () => {
  const cwd = tempDir("netsec-e2e-data-");
  copyFileSync(SHARED_DATA, join(cwd, "phisingData.csv"));
  let firstRun = "";

  it("writes data_ingestion, data_validation and data_transformation with their files; same seed → same split bytes; --reference compares with the first run", () => {
    const first = train(cwd);
    firstRun = first.runDir;
    const run = join(cwd, first.runDir);
    expect(first.runDir).toMatch(/^Artifacts\/\d{2}_\d{2}_\d{4}_\d{2}_\d{2}_\d{2}(_\d+)?$/);
    const files = [
      "data_ingestion/feature_store/phisingData.csv",
      "data_ingestion/ingested/train.csv",
      "data_ingestion/ingested/test.csv",
      "data_ingestion/ingestion.json",
      "data_validation/validated/train.csv",
      "data_validation/validated/test.csv",
      "data_validation/invalid/train.csv",
      "data_validation/invalid/test.csv",
      "data_validation/contract.json",
      "data_validation/drift_report/report.yaml",
      "data_validation/drift_report/report.json",
      "data_transformation/transformed/train.npy",
      "data_transformation/transformed/test.npy",
      "data_transformation/transformed_object/preprocessor.json",
    ];
    for (const f of files) expect(existsSync(join(run, f)), f).toBe(true);
    expect(readdirSync(run).filter((d) => d.endsWith(".partial"))).toEqual([]);
    expect(Object.keys(first.stages)).toEqual(expect.arrayContaining(["ingestion", "validation", "transformation"]));

    // the feature store is the data as read; 7245 + 1810 rows (stratified 20 % split of groups of
    // identical feature vectors: no vector on both sides)
    expect(readFileSync(join(run, "data_ingestion/feature_store/phisingData.csv"), "utf8").split("\n").slice(1)).toEqual(readFileSync(SHARED_DATA, "utf8").split("\n").slice(1));
    const ingestion = JSON.parse(readFileSync(join(run, "data_ingestion/ingestion.json"), "utf8"));
    expect(ingestion).toMatchObject({ rows: 9055, vectors: 5168, sharedVectors: 0, groupedBy: "feature vector", train: { rows: 7245, classes: { "-1": 3207, "1": 4038 } }, test: { rows: 1810, classes: { "-1": 805, "1": 1005 } } });
    // duplicates as pandas counts them: pd.read_csv(path).duplicated().sum() → 3827
    const contract = JSON.parse(readFileSync(join(run, "data_validation/contract.json"), "utf8"));
    expect(contract.duplicates.duplicates).toBe(3827);
    // feature vectors as pandas counts them (X = df.drop(columns="Result")): X.drop_duplicates() → 5168
    // rows; rows whose vector repeats: X.duplicated(keep=False).sum() → 5984; largest group 20;
    // vectors with both labels: df.groupby(list(X.columns)).Result.nunique().gt(1).sum() → 60, on 290 rows
    expect(contract.duplicates.vectors).toMatchObject({ distinct: 5168, repeatedRows: 5984, largestGroup: 20 });
    expect(contract.duplicates.acrossSplits).toEqual({ vectors: 0, testRows: 0 });
    expect(contract.conflicts).toMatchObject({ policy: "keep", groups: 60, rows: 290 });
    expect(contract.invalidRows).toBe(0);
    // npy shape (rows, 31)
    const header = readFileSync(join(run, "data_transformation/transformed/train.npy")).subarray(10, 128).toString("latin1");
    expect(header).toMatch(/'shape': \(7245, 31\)/);

    const second = train(cwd, ["--reference", first.runDir]);
    const drift = JSON.parse(readFileSync(join(cwd, second.runDir, "data_validation/drift_report/report.json"), "utf8"));
    expect(drift.reference.run).toBe(first.runDir);
    expect(drift.summary.referenceDrifted).toEqual([]);
    expect(existsSync(join(cwd, second.runDir, "data_validation/drift_report/reference.yaml"))).toBe(true);
    expect(second.runDir).not.toBe(first.runDir);
    for (const f of ["data_ingestion/ingested/train.csv", "data_ingestion/ingested/test.csv", "data_transformation/transformed/train.npy"]) {
      expect(Buffer.compare(readFileSync(join(run, f)), readFileSync(join(cwd, second.runDir, f))), f).toBe(0);
    }
  });

  it("gives the same split and arrays under Node as under Deno", async () => {
    expect(firstRun).not.toBe("");
    const node = await runDataPipeline({ data: join(cwd, "phisingData.csv"), artifacts: join(cwd, "NodeArtifacts"), reporter: createReporter({ quiet: true }) });
    for (const f of ["data_ingestion/ingested/train.csv", "data_ingestion/ingested/test.csv", "data_validation/validated/train.csv", "data_transformation/transformed/train.npy", "data_transformation/transformed/test.npy"]) {
      expect(Buffer.compare(readFileSync(join(cwd, firstRun, f)), readFileSync(join(node.run.dir, f))), f).toBe(0);
    }
  });
});
