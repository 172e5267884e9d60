/**
 * Transform stage: fit the preprocessor (KNN imputer, target mapping) on the validated train rows
 * only, apply it to train and test, and save `transformed_object/preprocessor.json` and the arrays
 * `transformed/{train,test}.npy` (float64, shape (rows, features + 1), last column the target
 * class index: the seed's `np.c_[X, y]`).
 */
import type { Frame } from "../data/frame.ts";
import type { Matrix } from "../models/classifier.ts";
import type { Schema } from "../schema.ts";
import { STAGE_FILES, ensureParent, writeStage } from "../artifacts.ts";
import type { StageContext } from "./context.ts";
import { platform } from "../runtime/index.ts";
import { writeNpy } from "../data/npy.ts";
import { NetsecError, quoted, showName } from "../errors.ts";
import { Preprocessor } from "../models/preprocessor.ts";
import { openContractCsv } from "./validate.ts";

export interface TransformInput {
  /**
   * Validated rows, contract columns (features then target): a Frame, or the path of a validated
   * CSV (`validated/train.csv`), read straight into the feature matrix (no full-width copy).
   */
  train: Frame | string;
  test: Frame | string;
  /** Row counts when known (validate's contract.json), to size the arrays once. */
  trainRows?: number;
  testRows?: number;
}

/** Transform's own settings (experiment `transform`): plain data, part of its result's key. */
export interface TransformSettings {
  /** Neighbours of the KNN imputer (experiment `transform.knn_neighbors`). */
  k: number;
}

export type TransformOptions = StageContext & TransformSettings;

export interface TransformedSplit {
  x: Matrix;
  y: Uint8Array;
}

export interface TransformSummary {
  features: string[];
  k: number;
  train: { rows: number; imputedCells: number };
  test: { rows: number; imputedCells: number };
  /** Files: `.npy` float64 little-endian C order, (rows, features + 1), last column = class index. */
  arrayFormat: string;
}

export interface TransformArtifacts {
  dir: string;
  trainArray: string;
  testArray: string;
  preprocessorFile: string;
  summaryFile: string;
  preprocessor: Preprocessor;
  train: TransformedSplit;
  test: TransformedSplit;
  summary: TransformSummary;
}

interface RawSplit {
  /** Raw features (NaN = missing), contract order. */
  x: Matrix;
  y: Uint8Array;
  missing: number;
}

function classIndexOf(schema: Schema, value: number, where: string, row: number): number {
  if (!schema.target.allowed.includes(value)) {
    const expected = schema.target.allowed.join(", ");
    throw new NetsecError("TRANSFORM_FAILED", `${where}, row ${row}, column ${schema.target.name}: got ${Number.isNaN(value) ? "a missing value" : value}, expected one of ${expected} (run validate first)`, {
      location: { file: where, row, column: schema.target.name, value: Number.isNaN(value) ? "" : String(value), expected },
    });
  }
  return schema.classIndex(value);
}

/** Features and class indices of a frame in contract order. */
function splitFromFrame(frame: Frame, schema: Schema): RawSplit {
  const features = schema.featureNames;
  const index = features.map((f) => frame.columns.indexOf(f));
  const t = frame.columns.indexOf(schema.target.name);
  const absent = [...features, schema.target.name].filter((_, i) => (i < features.length ? index[i] : t) < 0);
  if (absent.length) throw new NetsecError("TRANSFORM_FAILED", `the validated data has no column${absent.length > 1 ? "s" : ""} ${absent.join(", ")}`);
  const width = frame.columns.length, cols = features.length;
  const values = sharedFloat64(frame.rows * cols);
  const y = new Uint8Array(frame.rows);
  let missing = 0;
  for (let r = 0; r < frame.rows; r++) {
    for (let j = 0; j < cols; j++) {
      const v = frame.values[r * width + index[j]];
      if (Number.isNaN(v)) missing++;
      values[r * cols + j] = v;
    }
    y[r] = classIndexOf(schema, frame.values[r * width + t], "validated data", r + 1);
  }
  return { x: { values, rows: frame.rows, cols }, y, missing };
}

/**
 * A Float64Array of `length` in a SharedArrayBuffer where the runtime has one: the search's fold
 * workers then read the training features where they are (no second copy of the matrix).
 */
function sharedFloat64(length: number): Float64Array {
  return typeof SharedArrayBuffer === "function" ? new Float64Array(new SharedArrayBuffer(length * 8)) : new Float64Array(length);
}

/** Stream a validated CSV into the feature matrix and class indices (one pass, arrays sized once when `rowsHint` is right). */
async function splitFromFile(path: string, schema: Schema, rowsHint = 0): Promise<RawSplit> {
  const file = await openContractCsv(path, schema);
  const cols = schema.featureNames.length;
  const width = cols + 1;
  let capacity = Math.max(rowsHint, 1024);
  let values = sharedFloat64(capacity * cols);
  let y = new Uint8Array(capacity);
  let rows = 0, missing = 0;
  for await (const chunk of file.chunks({ reuseBuffer: true })) {
    if (chunk.problems.length) {
      const p = chunk.problems[0];
      throw new NetsecError("TRANSFORM_FAILED", `${path}, row ${p.row}${p.column ? `, column ${showName(p.column)}` : ""}: got ${quoted(p.value)}, expected ${p.expected} (a validated file was changed?)`, { location: { file: path, row: p.row, column: p.column, value: p.value, expected: p.expected } });
    }
    if (rows + chunk.rows > capacity) {
      capacity = Math.max(rows + chunk.rows, Math.ceil(capacity * 1.5));
      const grownValues = sharedFloat64(capacity * cols);
      grownValues.set(values.subarray(0, rows * cols));
      const grownY = new Uint8Array(capacity);
      grownY.set(y.subarray(0, rows));
      values = grownValues;
      y = grownY;
    }
    for (let r = 0; r < chunk.rows; r++) {
      const src = r * width, dst = (rows + r) * cols;
      for (let j = 0; j < cols; j++) {
        const v = chunk.values[src + j];
        if (Number.isNaN(v)) missing++;
        values[dst + j] = v;
      }
      y[rows + r] = classIndexOf(schema, chunk.values[src + cols], path, chunk.firstRow + r);
    }
    rows += chunk.rows;
  }
  if (capacity !== rows) {
    if (rows * cols !== values.length) {
      const exact = sharedFloat64(rows * cols);
      exact.set(values.subarray(0, rows * cols));
      values = exact;
    }
    y = y.slice(0, rows);
  }
  return { x: { values, rows, cols }, y, missing };
}

function emptyColumns(x: Matrix, names: readonly string[]): string[] {
  const present = new Uint8Array(x.cols);
  for (let i = 0; i < x.values.length; i++) if (!Number.isNaN(x.values[i])) present[i % x.cols] = 1;
  return names.filter((_, c) => !present[c]);
}

function loadSplit(source: Frame | string, schema: Schema, rowsHint?: number): Promise<RawSplit> {
  return typeof source === "string" ? splitFromFile(source, schema, rowsHint) : Promise.resolve(splitFromFrame(source, schema));
}

/** Write x with y as the last column, block by block. */
async function writeSplitArray(path: string, split: TransformedSplit): Promise<void> {
  const { x, y } = split;
  const cols = x.cols + 1;
  await ensureParent(path);
  await writeNpy(path, x.rows, cols, (from, to, out) => {
    for (let r = from; r < to; r++) {
      const o = (r - from) * cols;
      out.set(x.values.subarray(r * x.cols, (r + 1) * x.cols), o);
      out[o + x.cols] = y[r];
    }
  });
}

export async function runTransform(input: TransformInput, options: TransformOptions): Promise<TransformArtifacts> {
  const { run, schema, k, reporter } = options;
  const files = STAGE_FILES.transformation;
  const finalDir = run.stage("transformation");
  return writeStage(finalDir, async (dir) => {
    // One split at a time, raw features dropped as soon as they are imputed (bounded peak memory).
    let rawTrain: RawSplit | undefined = await loadSplit(input.train, schema, input.trainRows);
    const empty = emptyColumns(rawTrain.x, schema.featureNames);
    if (empty.length) reporter?.warn(`transform: ${empty.join(", ")} ${empty.length > 1 ? "are" : "is"} missing in every training row; imputed as 0`);
    const preprocessor = Preprocessor.fitMatrix(rawTrain.x, schema, { k });
    const train: TransformedSplit = { x: preprocessor.imputeInPlace(rawTrain.x), y: rawTrain.y };
    const trainMissing = rawTrain.missing;
    rawTrain = undefined;
    let rawTest: RawSplit | undefined = await loadSplit(input.test, schema, input.testRows);
    const test: TransformedSplit = { x: preprocessor.imputeInPlace(rawTest.x), y: rawTest.y };
    const testMissing = rawTest.missing;
    rawTest = undefined;
    await ensureParent(`${dir}/${files.preprocessor}`);
    await platform.writeFile(`${dir}/${files.preprocessor}`, JSON.stringify(preprocessor.toJSON()) + "\n");
    await writeSplitArray(`${dir}/${files.trainArray}`, train);
    await writeSplitArray(`${dir}/${files.testArray}`, test);
    const summary: TransformSummary = {
      features: [...preprocessor.features],
      k,
      train: { rows: train.x.rows, imputedCells: trainMissing },
      test: { rows: test.x.rows, imputedCells: testMissing },
      arrayFormat: `npy <f8 C-order (rows, ${preprocessor.features.length + 1}); last column = class index (${Object.entries(preprocessor.target.mapping).map(([v, i]) => `${v}→${i}`).join(", ")})`,
    };
    await platform.writeFile(`${dir}/${files.summary}`, JSON.stringify(summary, null, 2) + "\n");
    reporter?.info(`transform: imputed ${summary.train.imputedCells} train and ${summary.test.imputedCells} test cells (KNN, k=${k}); arrays ${train.x.rows}×${train.x.cols + 1} and ${test.x.rows}×${test.x.cols + 1}`);
    return {
      dir: finalDir,
      trainArray: `${finalDir}/${files.trainArray}`,
      testArray: `${finalDir}/${files.testArray}`,
      preprocessorFile: `${finalDir}/${files.preprocessor}`,
      summaryFile: `${finalDir}/${files.summary}`,
      preprocessor,
      train,
      test,
      summary,
    };
  });
}
