import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openSource, readSourceFrame } from "../../src/data/source.ts";
import { parseMongoUri, redactUri } from "../../src/data/mongo-uri.ts";
import { FIXTURES, tempDir } from "../helpers/env.ts";

describe("openSource", () => {
  it("opens a CSV by extension, named after the file stem", async () => {
    const path = join(tempDir(), "my data.csv");
    writeFileSync(path, '"a","Result"\n1,-1\n');
    const source = await openSource(path);
    expect(source).toMatchObject({ kind: "csv", name: "my data", columns: ["a", "Result"], describe: `CSV file ${path}` });
  });

  it("recognises an ARFF file without the .arff extension by its @relation line", async () => {
    const path = join(tempDir(), "download.txt");
    writeFileSync(path, "% from UCI\n@relation phishing\n@attribute a {-1,1}\n@data\n1\n");
    const { kind, name, frame } = await readSourceFrame(path);
    expect(kind).toBe("arff");
    expect(name).toBe("download");
    expect(Array.from(frame.values)).toEqual([1]);
  });

  it("reads the ARFF fixture to the same shape as a CSV of the same rows", async () => {
    const arff = await readSourceFrame(join(FIXTURES, "phishing-small.arff"));
    const csvPath = join(tempDir(), "same.csv");
    const width = arff.frame.columns.length;
    const lines = [arff.frame.columns.map((c) => `"${c}"`).join(",")];
    for (let r = 0; r < arff.frame.rows; r++) lines.push(Array.from(arff.frame.values.subarray(r * width, (r + 1) * width), (v) => (Number.isNaN(v) ? "na" : String(v))).join(","));
    writeFileSync(csvPath, lines.join("\n") + "\n");
    const csv = await readSourceFrame(csvPath);
    expect(csv.frame.columns).toEqual(arff.frame.columns);
    expect(Array.from(csv.frame.values)).toEqual(Array.from(arff.frame.values));
  });

  it("a missing file is FILE_NOT_FOUND naming the path and what is accepted", async () => {
    await expect(openSource("/nonexistent/data.csv")).rejects.toThrow(
      "data file not found: /nonexistent/data.csv (expected a .csv or .arff file, or a mongodb:// URI)",
    );
  });
});

describe("MongoDB connection strings", () => {
  it("takes db and collection from options, then the query, then the path, then the defaults", () => {
    expect(parseMongoUri("mongodb://127.0.0.1:27117")).toMatchObject({ db: "netsec", collection: "phishing", hosts: "127.0.0.1:27117", clientUri: "mongodb://127.0.0.1:27117/" });
    expect(parseMongoUri("mongodb://h:1/mydb?db=q&collection=c&retryWrites=true")).toMatchObject({
      db: "q",
      collection: "c",
      clientUri: "mongodb://h:1/mydb?retryWrites=true",
    });
    expect(parseMongoUri("mongodb://h:1/mydb")).toMatchObject({ db: "mydb", collection: "phishing" });
    expect(parseMongoUri("mongodb://h/?db=q", { db: "o", collection: "k" })).toMatchObject({ db: "o", collection: "k" });
    expect(parseMongoUri("mongodb://a:1,b:2,c:3/?replicaSet=rs0").hosts).toBe("a:1,b:2,c:3");
  });

  it("never shows the user, the password or secret options", () => {
    const target = parseMongoUri("mongodb+srv://alice:p%40ss-word@cluster0.example.net/prod?authSource=admin&authMechanismProperties=AWS_SESSION_TOKEN:tok123");
    expect(target.redacted).toBe("mongodb+srv://***@cluster0.example.net/prod?authSource=admin&authMechanismProperties=***");
    expect(target.redacted).not.toMatch(/alice|ss-word|tok123/);
    expect(target.clientUri).toContain("alice:p%40ss-word@");
    expect(redactUri("failed: mongodb://bob:pw@h:1/x and mongodb+srv://u:p@c/")).toBe("failed: mongodb://***@h:1/x and mongodb+srv://***@c/");
  });

  it("rejects what is not a MongoDB URI and bad names, with the URI redacted", () => {
    expect(() => parseMongoUri("mongo://u:pw@h")).toThrow("not a MongoDB connection string: mongo://***@h (expected mongodb://");
    expect(() => parseMongoUri("mongodb://u:pw@h/?db=a.b")).toThrow('invalid MongoDB database name "a.b"');
  });
});
