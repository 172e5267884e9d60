/**
 * Transform stage: fit the preprocessor (KNN imputer, target mapping) on the validated train rows
 * only, apply it to train and test, and save `transformed_object/preprocessor.json` and the arrays
 * `transformed/{train,test}.npy` (float64, shape (rows, features + 1), last column the target
 * class index: the seed's `np.c_[X, y]`).
 */
import type { Frame } from "../data/frame.ts";
import type { Matrix } from "../models/classifier.ts";
import type { Schema } from "../schema.ts";
import type { Reporter } from "../cli/reporter.ts";
import { STAGE_FILES, ensureParent, writeStage, type RunFolder } from "../artifacts.ts";
import { platform } from "../runtime/index.ts";
import { writeNpy } from "../data/npy.ts";
import { NetsecError } from "../errors.ts";
import { Preprocessor } from "./preprocessor.ts";

export interface TransformInput {
  /** Validated rows, contract columns (features then target). */
  train: Frame;
  test: Frame;
}

export interface TransformOptions {
  run: RunFolder;
  schema: Schema;
  /** Neighbours of the KNN imputer (experiment `transform.knn_neighbors`). */
  k: number;
  reporter?: Reporter;
}

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

function countMissing(frame: Frame, features: readonly string[]): number {
  const idx = features.map((f) => frame.columns.indexOf(f));
  const width = frame.columns.length;
  let n = 0;
  for (let r = 0; r < frame.rows; r++) for (const c of idx) if (Number.isNaN(frame.values[r * width + c])) n++;
  return n;
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
    const preprocessor = Preprocessor.fit(input.train, schema, { k });
    const apply = (frame: Frame, name: string): TransformedSplit => {
      const { x, y } = preprocessor.transformFrame(frame);
      if (!y) throw new NetsecError("TRANSFORM_FAILED", `the validated ${name} data has no ${schema.target.name} column`);
      return { x, y };
    };
    const train = apply(input.train, "train");
    const test = apply(input.test, "test");
    await ensureParent(`${dir}/${files.preprocessor}`);
    await platform.writeFile(`${dir}/${files.preprocessor}`, JSON.stringify(preprocessor.toJSON()) + "\n");
    await writeSplitArray(`${dir}/${files.trainArray}`, train);
    await writeSplitArray(`${dir}/${files.testArray}`, test);
    const summary: TransformSummary = {
      features: [...preprocessor.features],
      k,
      train: { rows: train.x.rows, imputedCells: countMissing(input.train, preprocessor.features) },
      test: { rows: test.x.rows, imputedCells: countMissing(input.test, preprocessor.features) },
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
