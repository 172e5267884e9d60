/**
 * The data pipeline from each kind of source: an ARFF file, and a MongoDB collection on the real
 * server of tests/global-setup.ts (FerretDB on 127.0.0.1, or MONGODB_URI).
 */
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { runDataPipeline } from "../../src/pipeline.ts";
import { pushData } from "../../src/data/mongo.ts";
import { SHARED_DATA, mongoUri } from "../helpers/env.ts";
import { COLUMNS, experiment, quietReporter, validRows, workspace } from "./fixtures.ts";

const DB = `netsec_test_stages_${process.pid}_${Date.now().toString(36)}`;

afterAll(async () => {
  if (!process.env.NETSEC_TEST_MONGO_URI && !process.env.MONGODB_URI) return;
  const client = new MongoClient(mongoUri(), { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  await client.db(DB).dropDatabase().catch(() => {});
  await client.close();
});

describe("data pipeline sources", () => {
  it("reads an ARFF file (the UCI original's format)", async () => {
    const rows = validRows(40);
    const attributes = COLUMNS.map((name, c) => `@attribute ${name} { ${[...new Set(rows.map((r) => r[c]))].join(",")} }`);
    const arff = ["% generated for the stage tests", "@relation phishing", "", ...attributes, "", "@data", ...rows.map((r) => r.join(","))].join("\n") + "\n";
    const ws = workspace();
    const data = ws.write("Training Dataset.arff", arff);
    const result = await runDataPipeline({ data, experiment: experiment(), artifacts: ws.artifacts, reporter: quietReporter() });
    expect(result.ingestion.summary.source).toMatch(/^ARFF file .*Training Dataset\.arff/);
    expect(existsSync(join(result.ingestion.dir, "feature_store", "Training_Dataset.csv"))).toBe(true);
    expect(result.ingestion.summary.rows).toBe(40);
    expect(result.validation.contract.invalidRows).toBe(0);
    expect(result.transformation.train.x.rows + result.transformation.test.x.rows).toBe(40);
  });

  it.skipIf(!existsSync(SHARED_DATA))("reads a MongoDB collection: same rows as the CSV, columns in contract order", async () => {
    await pushData({ input: SHARED_DATA, uri: mongoUri(), db: DB, collection: "phishing", batchSize: 2000 });
    const base = mongoUri();
    const joiner = base.includes("?") ? "&" : /^mongodb(\+srv)?:\/\/[^/]+$/.test(base) ? "/?" : "?";
    const uri = `${base}${joiner}db=${DB}&collection=phishing`;
    const ws = workspace();
    const result = await runDataPipeline({ data: uri, artifacts: ws.artifacts, reporter: quietReporter() });
    const { summary } = result.ingestion;
    expect(summary.name).toBe("phishing");
    expect(summary.source).not.toMatch(/password/);
    expect(summary).toMatchObject({ rows: 9055, classes: { "-1": 4012, "1": 5043 }, train: { rows: 7245 }, test: { rows: 1810 }, vectors: 5168, sharedVectors: 0 });
    const stored = readFileSync(result.ingestion.featureStore, "utf8").trimEnd().split("\n");
    const original = readFileSync(SHARED_DATA, "utf8").trimEnd().split("\n");
    expect(stored[0]).toBe(original[0]);
    expect(stored.slice(1).sort()).toEqual(original.slice(1).sort());
    expect(result.validation.contract.duplicates.duplicates).toBe(3827);
  });
});
