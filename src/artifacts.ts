/**
 * The artifact layout: every path a stage reads or writes comes from here (no string-built paths
 * scattered over the stages). A run lives in `Artifacts/<MM_DD_YYYY_HH_MM_SS>/`, one folder a stage.
 */
import { platform } from "./runtime/index.ts";
import { NetsecError } from "./errors.ts";

/** The seed's run-folder timestamp, `MM_DD_YYYY_HH_MM_SS`, in local time. */
export function runTimestamp(date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(date.getMonth() + 1)}_${p(date.getDate())}_${date.getFullYear()}_${p(date.getHours())}_${p(date.getMinutes())}_${p(date.getSeconds())}`;
}

export const STAGE_DIRS = {
  ingestion: "data_ingestion",
  validation: "data_validation",
  transformation: "data_transformation",
  trainer: "model_trainer",
  evaluation: "model_evaluation",
} as const;

export type StageName = keyof typeof STAGE_DIRS;

/** Files inside each stage folder, relative to it. */
export const STAGE_FILES = {
  ingestion: {
    featureStore: (name: string) => `feature_store/${name}.csv`,
    train: "ingested/train.csv",
    test: "ingested/test.csv",
    summary: "ingestion.json",
  },
  validation: {
    validTrain: "validated/train.csv",
    validTest: "validated/test.csv",
    invalidTrain: "invalid/train.csv",
    invalidTest: "invalid/test.csv",
    contract: "contract.json",
    driftYaml: "drift_report/report.yaml",
    driftJson: "drift_report/report.json",
    /** Drift of the new data against a reference run (`--reference`), same keys as report.yaml. */
    driftReferenceYaml: "drift_report/reference.yaml",
  },
  transformation: {
    /** NumPy .npy, float64 little-endian, C order, shape (rows, features + 1): the last column is the target class index (docs/pipeline.md). */
    trainArray: "transformed/train.npy",
    testArray: "transformed/test.npy",
    summary: "transformation.json",
    preprocessor: "transformed_object/preprocessor.json",
  },
  trainer: {
    model: "trained_model/model.json",
    leaderboard: "leaderboard.csv",
    /** Fold scores, timings, both CV protocols' scores of the winner, its training score. */
    search: "search.json",
    /** The decision threshold: rule, value, out-of-fold precision/recall/F1 and PR curve. */
    threshold: "threshold.json",
  },
  evaluation: {
    metrics: "metrics.json",
    confusion: "confusion.json",
    comparison: "comparison.json",
    /** Per-prediction explanations of the test rows: mean |contribution| per feature and a sample. */
    explanations: "explanations.json",
  },
} as const;

export interface RunFolder {
  /** e.g. `Artifacts/11_25_2026_09_30_00` */
  dir: string;
  timestamp: string;
  /** Absolute-or-relative folder of a stage. */
  stage(name: StageName): string;
  /** A file inside a stage folder. */
  file<S extends StageName>(stage: S, relative: string): string;
}

export function runFolder(artifactsRoot: string, timestamp: string): RunFolder {
  const dir = `${artifactsRoot}/${timestamp}`;
  return {
    dir,
    timestamp,
    stage: (name) => `${dir}/${STAGE_DIRS[name]}`,
    file: (stage, relative) => `${dir}/${STAGE_DIRS[stage]}/${relative}`,
  };
}

/** A new run folder under `artifactsRoot`, never reusing an existing one (adds `_2`, `_3` … if a second run starts in the same second). */
export async function newRunFolder(artifactsRoot: string, date = new Date()): Promise<RunFolder> {
  await platform.mkdir(artifactsRoot);
  const base = runTimestamp(date);
  for (let n = 1; ; n++) {
    const ts = n === 1 ? base : `${base}_${n}`;
    if (!(await platform.stat(`${artifactsRoot}/${ts}`))) {
      await platform.mkdir(`${artifactsRoot}/${ts}`);
      return runFolder(artifactsRoot, ts);
    }
  }
}

/** The run folder of an existing path such as `Artifacts/11_25_2026_09_30_00`. */
export function openRunFolder(dir: string): RunFolder {
  const clean = dir.replace(/\/+$/, "");
  const cut = clean.lastIndexOf("/");
  return runFolder(cut < 0 ? "." : clean.slice(0, cut), cut < 0 ? clean : clean.slice(cut + 1));
}

/**
 * Run `write` against a fresh staging folder, then rename it to `finalDir`. If `write` throws,
 * the staging folder is removed and `finalDir` is untouched: no stage leaves half-written output.
 */
export async function writeStage<T>(finalDir: string, write: (dir: string) => Promise<T>): Promise<T> {
  if (await platform.stat(finalDir)) {
    throw new NetsecError("CONFIG_INVALID", `${finalDir} already exists: a stage never overwrites an earlier result; start a new run`);
  }
  const staging = `${finalDir}.partial`;
  await platform.remove(staging);
  await platform.mkdir(staging);
  try {
    const result = await write(staging);
    await platform.rename(staging, finalDir);
    return result;
  } catch (error) {
    await platform.remove(staging);
    throw error;
  }
}

/** mkdir -p of the folder that will hold `file`. */
export async function ensureParent(file: string): Promise<void> {
  const cut = file.lastIndexOf("/");
  if (cut > 0) await platform.mkdir(file.slice(0, cut));
}
