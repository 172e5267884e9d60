/**
 * MongoDB source and push-data against the real server of tests/global-setup.ts (FerretDB 1.24 on
 * 127.0.0.1, or MONGODB_URI). Each run uses its own database, dropped at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { pushData } from "../../src/data/mongo.ts";
import { openSource, readSourceFrame } from "../../src/data/source.ts";
import { readCsv } from "../../src/data/csv.ts";
import { loadSchema } from "../../src/schema.ts";
import { isNetsecError } from "../../src/errors.ts";
import type { Frame } from "../../src/data/frame.ts";
import { DENO, FIXTURES, ROOT, SHARED_DATA, mongoUri, tempDir } from "../helpers/env.ts";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { newRunFolder } from "../../src/artifacts.ts";
import { runIngest } from "../../src/stages/ingest.ts";
import { createReporter } from "../../src/reporter.ts";

const DB = `netsec_test_mongo_${process.pid}_${Date.now().toString(36)}`;
let client: MongoClient;

beforeAll(async () => {
  client = new MongoClient(mongoUri(), { serverSelectionTimeoutMS: 5000 });
  await client.connect();
});

afterAll(async () => {
  await client.db(DB).dropDatabase().catch(() => {});
  await client.close();
});

/** Rows as sorted strings: the same multiset of rows whatever order the server returns. */
function sortedRows(frame: Frame, columns: readonly string[]): string[] {
  const width = frame.columns.length;
  const map = columns.map((c) => frame.columns.indexOf(c));
  const rows: string[] = [];
  for (let r = 0; r < frame.rows; r++) rows.push(map.map((c) => frame.values[r * width + c]).join(","));
  return rows.sort();
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(DENO, ["run", "-A", join(ROOT, "src", "cli.ts"), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe("MongoDB source and push-data (real server)", () => {
  it("pushes the real dataset twice: the second run inserts nothing, 9055 documents stay", async () => {
    const first = await pushData({ input: SHARED_DATA, uri: mongoUri(), db: DB, collection: "phishing", batchSize: 2000 });
    expect(first).toMatchObject({ rows: 9055, inserted: 9055, alreadyPresent: 0, skipped: 0, db: DB, collection: "phishing" });
    const second = await pushData({ input: SHARED_DATA, uri: mongoUri(), db: DB, collection: "phishing", batchSize: 2000 });
    expect(second).toMatchObject({ rows: 9055, inserted: 0, alreadyPresent: 9055 });
    expect(await client.db(DB).collection("phishing").countDocuments()).toBe(9055);
  });

  it("reads the collection back: _id dropped, schema column order, values identical to the CSV", async () => {
    const schema = await loadSchema(join(ROOT, "schema.yaml"));
    const { frame, problems, name, kind, describe: text } = await readSourceFrame(mongoUri(), { db: DB, collection: "phishing", columns: schema.columns });
    expect(kind).toBe("mongodb");
    expect(name).toBe("phishing");
    expect(text).toContain(`${DB}.phishing`);
    expect(problems).toEqual([]);
    expect(frame.columns).toEqual(schema.columns);
    expect(frame.columns).not.toContain("_id");
    const csv = await readCsv(SHARED_DATA);
    expect(frame.rows).toBe(csv.frame.rows);
    expect(sortedRows(frame, schema.columns)).toEqual(sortedRows(csv.frame, schema.columns));
  });

  it("streams the collection in batches", async () => {
    const base = mongoUri();
    const joiner = base.includes("?") ? "&" : /^mongodb(\+srv)?:\/\/[^/]+$/.test(base) ? "/?" : "?";
    const uri = `${base}${joiner}db=${DB}&collection=phishing`;
    const source = await openSource(uri, { batchSize: 500 });
    expect(source.columns).toHaveLength(31);
    const sizes: number[] = [];
    let expectedFirst = 1;
    for await (const chunk of source.chunks({ chunkRows: 1000 })) {
      expect(chunk.firstRow).toBe(expectedFirst);
      expectedFirst += chunk.rows;
      sizes.push(chunk.rows);
    }
    expect(sizes).toEqual([...Array(9).fill(1000), 55]);
  });

  it("keeps true duplicate rows as separate documents and pushes an ARFF file", async () => {
    const result = await pushData({ input: join(FIXTURES, "phishing-small.arff"), uri: mongoUri(), db: DB, collection: "arff" });
    expect(result).toMatchObject({ rows: 5, inserted: 5, alreadyPresent: 0 });
    const docs = await client.db(DB).collection("arff").find({}).toArray();
    expect(new Set(docs.map((d) => d._id)).size).toBe(5);
    // Missing values are stored as null and come back as NaN.
    expect(docs.filter((d) => d.URL_Length === null)).toHaveLength(1);
    const { frame } = await readSourceFrame(mongoUri(), { db: DB, collection: "arff" });
    expect(frame.values.filter((v) => Number.isNaN(v))).toHaveLength(1);
  });

  it("coerces values to numbers: missing field → missing value, text → a problem with document index and field", async () => {
    await client.db(DB).collection("mixed").insertMany([
      { a: 1, b: -1, c: "0" },
      { a: 0, c: null },
      { a: "x", b: 1, c: 1, extra: 5 },
    ]);
    const { frame, problems } = await readSourceFrame(mongoUri(), { db: DB, collection: "mixed", columns: ["c", "b", "a"] });
    expect(frame.columns).toEqual(["c", "b", "a"]);
    expect(Array.from(frame.values)).toEqual([0, -1, 1, NaN, NaN, 0, 1, 1, NaN]);
    expect(problems).toEqual([expect.objectContaining({ row: 3, column: "a", value: "x", kind: "not_a_number" })]);
  });

  it("documents with \"abc\", true, {} or [1] are named by _id and field; the feature store gets CSV cells, not JSON", async () => {
    const schema = await loadSchema();
    const features = schema.featureNames;
    const good = (i: number) => Object.fromEntries([...features.map((f) => [f, 1]), [schema.target.name, i % 2 ? 1 : -1]]);
    const docs: Record<string, unknown>[] = Array.from({ length: 40 }, (_, i) => ({ _id: `site-${i}`, ...good(i) }));
    docs[3][features[0]] = "abc";
    docs[7][features[1]] = true;
    docs[11][features[2]] = {};
    docs[15][features[3]] = [1];
    await client.db(DB).collection("typed").insertMany(docs as never[]);
    const source = await openSource(mongoUri(), { db: DB, collection: "typed", columns: schema.columns });
    const { problems } = await readSourceFrame(source);
    const named = problems.map((p) => `${p.where} ${p.column}=${p.value}`).sort();
    expect(named).toEqual([
      `document _id "site-11" ${features[2]}={}`,
      `document _id "site-15" ${features[3]}=[1]`,
      `document _id "site-3" ${features[0]}=abc`,
      `document _id "site-7" ${features[1]}=true`,
    ]);
    // Through ingest: the warning names the documents; the feature store holds one CSV cell per field.
    const warnings: string[] = [];
    const artifacts = join(tempDir(), "Artifacts");
    const run = await newRunFolder(artifacts);
    const result = await runIngest(source, { run, schema, testRatio: 0.25, seed: 1, groupDuplicates: true, reporter: { ...createReporter({ quiet: true }), warn: (m: string) => warnings.push(m) } as never });
    expect(warnings.join("\n")).toMatch(/ingest: 4 values of MongoDB .* could not be read as numbers .*: document _id "site-\d+", field \w+: got "[^"]*", expected a number/);
    expect(result.summary.firstReaderProblems.map((p) => p.where).sort()).toEqual(['document _id "site-11"', 'document _id "site-15"', 'document _id "site-3"', 'document _id "site-7"']);
    const store = readFileSync(result.featureStore, "utf8").trim().split("\n");
    expect(store).toHaveLength(41);
    for (const line of store.slice(1)) expect(line.split(",").length === schema.columns.length || /"/.test(line)).toBe(true);
    expect(store.join("\n")).not.toContain(`{"${features[0]}"`);
    const bad = store.filter((l) => /abc|true|\{\}|\[1\]/.test(l));
    expect(bad).toHaveLength(4);
    // Validation then names the column and the value, not a JSON fragment.
    const { problems: train } = await readCsv(result.train);
    const { problems: test } = await readCsv(result.test);
    expect([...train, ...test].map((p) => `${p.column}=${p.value}`).sort()).toEqual([`${features[0]}=abc`, `${features[1]}=true`, `${features[2]}={}`, `${features[3]}=[1]`].sort());
  });

  it("push-data keeps a non-numeric cell as its text (reported again on read) and skips a ragged row", async () => {
    const path = join(tempDir(), "bad.csv");
    writeFileSync(path, '"a","b","Result"\n1,x,-1\n1,1\n0,,1\n0,,1\n');
    const result = await pushData({ input: path, uri: mongoUri(), db: DB, collection: "bad" });
    expect(result).toMatchObject({ rows: 4, inserted: 3, alreadyPresent: 0, skipped: 1 });
    expect(result.warnings).toEqual([`${path} row 2: wrong number of cells, not pushed`]);
    const { frame, problems } = await readSourceFrame(mongoUri(), { db: DB, collection: "bad", columns: ["a", "b", "Result"] });
    expect(frame.rows).toBe(3);
    expect(problems).toEqual([expect.objectContaining({ column: "b", value: "x", kind: "not_a_number" })]);
    // The two identical rows 0,,1 are two documents; missing b stored as null.
    expect(await client.db(DB).collection("bad").countDocuments({ b: null })).toBe(2);
  });

  it("gives a row the same _id whatever the column order of the file", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "ab.csv"), '"a","b"\n1,-1\n1,-1\n0,1\n');
    writeFileSync(join(dir, "ba.csv"), '"b","a"\n-1,1\n1,0\n-1,1\n');
    expect(await pushData({ input: join(dir, "ab.csv"), uri: mongoUri(), db: DB, collection: "order" })).toMatchObject({ inserted: 3, alreadyPresent: 0 });
    expect(await pushData({ input: join(dir, "ba.csv"), uri: mongoUri(), db: DB, collection: "order" })).toMatchObject({ inserted: 0, alreadyPresent: 3 });
  });

  it("names the collection and lists what exists when it is missing", async () => {
    await expect(openSource(mongoUri(), { db: DB, collection: "phishng" })).rejects.toThrow(
      new RegExp(`collection ${DB}\\.phishng on MongoDB at .* does not exist \\(collections in ${DB}: .*phishing`),
    );
  });

  it("fails fast and clearly when the server is unreachable, without showing credentials", { timeout: 20_000 }, async () => {
    const port = await closedPort();
    const error = await pushData({ input: join(FIXTURES, "phishing-small.arff"), uri: `mongodb://netsec:s3cret-pw@127.0.0.1:${port}/?db=x` }).catch((e) => e);
    expect(isNetsecError(error, "MONGO_UNREACHABLE")).toBe(true);
    expect(error.message).toContain(`cannot reach MongoDB at 127.0.0.1:${port}`);
    expect(error.message).not.toContain("s3cret-pw");
    expect(error.message).not.toContain("netsec:");
    const read = await openSource(`mongodb://127.0.0.1:${port}`).catch((e) => e);
    expect(read.message).toMatch(new RegExp(`^cannot reach MongoDB at 127\\.0\\.0\\.1:${port} .*read netsec\\.phishing`));
  });

  it("netsec push-data under Deno prints the counts, idempotent, JSON as the last line", { timeout: 60_000 }, async () => {
    const args = ["push-data", "--input", join(FIXTURES, "phishing-small.arff"), "--mongo-uri", mongoUri(), "--db", DB, "--collection", "cli", "--json"];
    const first = await runCli(args);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("inserted 5, already present 0");
    const second = await runCli(args);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("inserted 0, already present 5");
    const json = JSON.parse(second.stdout.trim().split("\n").pop()!);
    expect(json).toMatchObject({ rows: 5, inserted: 0, alreadyPresent: 5, db: DB, collection: "cli" });
    expect(await client.db(DB).collection("cli").countDocuments()).toBe(5);
  });
});
