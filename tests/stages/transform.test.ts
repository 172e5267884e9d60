/** Transform stage: KNN imputation equal to scikit-learn's, the target mapping, files on disk. */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { runTransform } from "../../src/stages/transform.ts";
import { Preprocessor } from "../../src/models/preprocessor.ts";
import { newRunFolder } from "../../src/artifacts.ts";
import { loadSchema } from "../../src/schema.ts";
import { readNpy } from "../../src/data/npy.ts";
import { createFrame } from "../../src/data/frame.ts";
import { parseCell } from "../../src/data/csv.ts";
import { COLUMNS, FEATURES, quietReporter, workspace } from "./fixtures.ts";

const schema = await loadSchema();

// Generated once with numpy (rng = np.random.default_rng(5); rng.choice([-1,0,1], size=(12,30)) then
// (4,30)), a few cells set missing; last column the target.
const TRAIN = `1,,-1,1,0,0,0,-1,1,-1,-1,0,0,0,-1,-1,-1,-1,-1,1,-1,0,1,-1,-1,0,-1,1,-1,1,-1
1,1,-1,0,0,0,0,1,0,-1,1,0,1,-1,0,1,-1,-1,0,1,-1,1,0,-1,0,1,1,1,-1,-1,1
1,1,1,-1,-1,0,0,0,1,-1,0,-1,-1,1,-1,-1,-1,-1,-1,1,0,0,-1,1,1,-1,-1,-1,-1,1,-1
0,0,-1,0,1,-1,1,,,1,1,-1,1,1,0,0,1,1,1,0,-1,1,-1,0,1,-1,-1,1,-1,1,1
1,1,0,0,1,-1,0,0,0,-1,-1,1,1,0,1,0,-1,1,-1,-1,-1,0,-1,1,1,0,-1,1,-1,0,-1
,1,1,1,0,1,0,1,-1,-1,0,1,0,1,1,0,0,0,0,0,0,1,1,-1,0,0,-1,-1,1,0,1
0,0,0,1,0,1,0,-1,-1,1,0,-1,1,1,-1,-1,1,0,0,-1,-1,1,1,1,0,-1,-1,0,1,-1,-1
0,0,0,0,1,-1,1,1,1,-1,0,0,-1,-1,1,-1,1,-1,0,0,-1,1,0,1,-1,0,0,0,-1,,1
0,1,-1,0,-1,1,0,0,1,0,1,1,0,0,-1,1,1,1,0,-1,1,-1,1,-1,-1,-1,0,-1,-1,-1,-1
1,,-1,0,-1,1,1,0,0,0,1,0,-1,1,-1,1,0,1,-1,0,1,1,-1,0,-1,1,0,-1,1,1,1
-1,0,0,1,1,0,1,-1,0,0,1,-1,-1,-1,1,0,0,0,-1,1,1,-1,0,0,0,0,1,0,0,1,-1
1,0,1,0,0,0,0,0,1,-1,0,0,0,1,1,-1,-1,1,0,1,1,1,-1,-1,1,0,0,-1,-1,-1,1`;
const TEST = `1,,-1,-1,-1,1,-1,-1,0,1,0,-1,-1,-1,0,-1,0,1,0,0,-1,0,-1,0,-1,-1,0,0,-1,1,-1
0,-1,-1,1,0,-1,0,-1,-1,-1,1,-1,0,1,0,0,0,-1,1,-1,0,-1,-1,-1,1,0,0,0,-1,1,1
0,1,1,-1,-1,,,1,0,-1,1,1,1,0,-1,1,-1,-1,1,0,-1,0,0,-1,-1,1,0,1,1,0,1
,0,-1,1,-1,0,-1,1,0,0,1,0,0,0,1,-1,0,-1,1,-1,0,-1,0,0,1,0,-1,-1,1,-1,-1`;

function frameOf(text: string) {
  const rows = text.split("\n").map((l) => l.split(",").map((c) => parseCell(c)!));
  return createFrame(COLUMNS, rows.length, Float64Array.from(rows.flat()));
}

// imp = sklearn.impute.KNNImputer(n_neighbors=3)  (scikit-learn 1.9.1, weights="uniform",
// metric="nan_euclidean"); a = imp.fit_transform(train_features); b = imp.transform(test_features)
// → the imputed cells (row, column, value):
const SKLEARN_TRAIN: [number, number, number][] = [[0, 1, 2 / 3], [3, 7, 0], [3, 8, 0], [5, 0, 2 / 3], [7, 29, 0], [9, 1, 2 / 3]];
const SKLEARN_TEST: [number, number, number][] = [[0, 1, 2 / 3], [2, 5, 2 / 3], [2, 6, 1 / 3], [3, 0, 1 / 3]];

describe("transform stage", () => {
  it("imputes a small file like scikit-learn's KNNImputer(k=3), fitted on train only, and writes .npy arrays with the class index last", async () => {
    const ws = workspace();
    const run = await newRunFolder(ws.artifacts);
    // from files, as the pipeline runs it (validated/train.csv, validated/test.csv)
    const header = COLUMNS.map((c) => `"${c}"`).join(",") + "\n";
    const train = ws.write("train.csv", header + TRAIN + "\n"), test = ws.write("test.csv", header + TEST.replaceAll("\n", "\r\n") + "\r\n");
    const result = await runTransform({ train, test, trainRows: 5 }, { run, schema, k: 3, reporter: quietReporter() });
    const trainArray = await readNpy(result.trainArray);
    const testArray = await readNpy(result.testArray);
    expect([trainArray.rows, trainArray.cols, testArray.rows, testArray.cols]).toEqual([12, 31, 4, 31]);
    // the training features live in shared memory (the search's workers read them in place, no copy),
    // and the array is exactly rows × features even though the hint (5 rows) was too small
    expect(result.train.x.values.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(result.train.x.values.length).toBe(12 * 30);
    for (const [r, c, v] of SKLEARN_TRAIN) expect(trainArray.values[r * 31 + c]).toBeCloseTo(v, 12);
    for (const [r, c, v] of SKLEARN_TEST) expect(testArray.values[r * 31 + c]).toBeCloseTo(v, 12);
    // untouched cells and the target mapping -1 → 0, 1 → 1
    expect(trainArray.values[1 * 31 + 7]).toBe(1);
    expect(Array.from({ length: 12 }, (_, r) => trainArray.values[r * 31 + 30])).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    expect(Array.from({ length: 4 }, (_, r) => testArray.values[r * 31 + 30])).toEqual([0, 1, 1, 0]);
    expect(result.summary.train.imputedCells).toBe(6);
    expect(result.summary.test.imputedCells).toBe(4);
  });

  it("saves a versioned preprocessor that round-trips and accepts features-only frames", async () => {
    const ws = workspace();
    const run = await newRunFolder(ws.artifacts);
    const result = await runTransform({ train: frameOf(TRAIN), test: frameOf(TEST) }, { run, schema, k: 3 });
    const json = JSON.parse(readFileSync(result.preprocessorFile, "utf8"));
    expect(json).toMatchObject({ format: "netsec-preprocessor", formatVersion: 1, schemaHash: schema.hash, features: FEATURES, target: { name: "Result", mapping: { "-1": 0, "1": 1 } } });
    const restored = Preprocessor.fromJSON(json, { schemaHash: schema.hash });
    // a features-only frame with the columns in another order: same x, no y
    const test = frameOf(TEST);
    const reversed = [...FEATURES].reverse();
    const values = new Float64Array(4 * 30);
    for (let r = 0; r < 4; r++) for (let j = 0; j < 30; j++) values[r * 30 + j] = test.values[r * 31 + FEATURES.indexOf(reversed[j])];
    const out = restored.transformFrame(createFrame(reversed, 4, values));
    expect(out.y).toBeUndefined();
    expect(Array.from(out.x.values)).toEqual(Array.from(result.test.x.values));
  });

  it("refuses a preprocessor of another format, version or contract by message", async () => {
    const ws = workspace();
    const run = await newRunFolder(ws.artifacts);
    const result = await runTransform({ train: frameOf(TRAIN), test: frameOf(TEST) }, { run, schema, k: 3 });
    const json = result.preprocessor.toJSON();
    expect(() => Preprocessor.fromJSON({ ...json, formatVersion: 2 }, { source: "p.json" })).toThrow(/p\.json is not a netsec-preprocessor version 1 object:\n  formatVersion/);
    expect(() => Preprocessor.fromJSON({ ...json, schemaHash: "0".repeat(64) }, { schemaHash: schema.hash, source: "p.json" })).toThrow(/p\.json was fitted for another data contract/);
    expect(() => result.preprocessor.transformFrame(createFrame(["URL_Length"], 1, Float64Array.of(1)))).toThrow(/cannot transform: the data has no columns having_IP_Address, Shortining_Service/);
  });

  it("keeps a feature missing in every training row as a column (imputed 0) and warns", async () => {
    const ws = workspace();
    const run = await newRunFolder(ws.artifacts);
    const train = frameOf(TRAIN);
    for (let r = 0; r < train.rows; r++) train.values[r * 31 + 2] = NaN;
    const reporter = quietReporter();
    const result = await runTransform({ train, test: frameOf(TEST) }, { run, schema, k: 3, reporter });
    expect(result.train.x.cols).toBe(30);
    expect(Array.from({ length: 12 }, (_, r) => result.train.x.values[r * 30 + 2])).toEqual(Array(12).fill(0));
    expect(reporter.warnings).toContain("transform: Shortining_Service is missing in every training row; imputed as 0");
    expect((await readNpy(result.testArray)).cols).toBe(31);
  });
});
