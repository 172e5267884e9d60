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
    /** The source's data row of every row of ingested/<split>.csv: npy, float64, (rows, 1). */
    sourceRows: (split: "train" | "test") => `ingested/${split}_rows.npy`,
    summary: "ingestion.json",
  },
  validation: {
    validTrain: "validated/train.csv",
    validTest: "validated/test.csv",
    /** The row of ingested/<split>.csv of every validated row: npy, float64, (rows, 1). */
    fileRows: (split: "train" | "test") => `validated/${split}_rows.npy`,
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
    /** The winner's out-of-fold P(positive class) of every training row: npy, float64, (rows, 1) (the threshold is re-decided on it). */
    oof: "oof.npy",
  },
  evaluation: {
    metrics: "metrics.json",
    confusion: "confusion.json",
    comparison: "comparison.json",
    /** Per-prediction explanations of the test rows: mean |contribution| per feature and a sample. */
    explanations: "explanations.json",
    /** P(positive class) of every test row (transformed test order): npy, float64, (rows, 1). */
    probability: "probability.npy",
    /** The monitoring reference pushed with the model (src/monitor/reference.ts). */
    reference: "reference.json",
  },
} as const;

export interface RunFolder {
  /** e.g. `Artifacts/11_25_2026_09_30_00` */
  dir: string;
  timestamp: string;
  /** The folder that holds the run folders (`Artifacts`). */
  root: string;
  /**
   * Stages this run reuses from earlier runs of the same root: stage → that run's folder name.
   * A run made by a notebook session that changed only the model search holds model_trainer/ and
   * model_evaluation/ of its own and reads its data stages from the run that made them.
   */
  lineage: Partial<Record<StageName, string>>;
  /** The folder of a stage's output: this run's own, or the run it reuses it from. */
  stage(name: StageName): string;
  /** A file inside a stage folder. */
  file<S extends StageName>(stage: S, relative: string): string;
}

export function runFolder(artifactsRoot: string, timestamp: string, lineage: Partial<Record<StageName, string>> = {}): RunFolder {
  const at = (name: string) => (artifactsRoot === "." ? name : `${artifactsRoot}/${name}`);
  const dir = at(timestamp);
  const stage = (name: StageName) => `${lineage[name] ? at(lineage[name]!) : dir}/${STAGE_DIRS[name]}`;
  return {
    dir,
    timestamp,
    root: artifactsRoot,
    lineage: { ...lineage },
    stage,
    file: (name, relative) => `${stage(name)}/${relative}`,
  };
}

/** A new run folder under `artifactsRoot`, never reusing an existing one (adds `_2`, `_3` … if a second run starts in the same second). */
export async function newRunFolder(artifactsRoot: string, date = new Date(), lineage: Partial<Record<StageName, string>> = {}): Promise<RunFolder> {
  await platform.mkdir(artifactsRoot);
  const base = runTimestamp(date);
  for (let n = 1; ; n++) {
    const ts = n === 1 ? base : `${base}_${n}`;
    if (!(await platform.stat(`${artifactsRoot}/${ts}`))) {
      await platform.mkdir(`${artifactsRoot}/${ts}`);
      return runFolder(artifactsRoot, ts, lineage);
    }
  }
}

/** The run folder of an existing path such as `Artifacts/11_25_2026_09_30_00` (without its lineage: see loadRunFolder). */
export function openRunFolder(dir: string, lineage: Partial<Record<StageName, string>> = {}): RunFolder {
  const clean = dir.replace(/\/+$/, "");
  const cut = clean.lastIndexOf("/");
  return runFolder(cut < 0 ? "." : clean.slice(0, cut), cut < 0 ? clean : clean.slice(cut + 1), lineage);
}

/** An existing run folder with the lineage its run.json records (stages it reuses from earlier runs). */
export async function loadRunFolder(dir: string): Promise<RunFolder> {
  const status = await readRunStatus(dir);
  return openRunFolder(dir, status?.lineage ?? {});
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

/**
 * `<run>/run.json`: whether a run folder is complete. Written "running" when the folder is made,
 * replaced (atomically) by "complete" when the last stage is done or "failed" with the reason and
 * stage when one fails ("interrupted" on SIGINT/SIGTERM); a run that still says "running" after its
 * process ended was stopped (killed, machine down). Runs made before this file existed have none.
 * Shape (docs/pipeline.md): `{"format": "netsec-run", "status": "running"|"complete"|"failed"|
 * "interrupted", "startedAt": ISO, "finishedAt"?: ISO, "stage"?: name, "reason"?: text, "pid"?: number,
 * "by"?: text, "stages"?: {name: {key, seconds, finishedAt}}, "lineage"?: {name: run folder name}}`.
 */
export const RUN_STATUS_FILE = "run.json";

export type RunState = "running" | "complete" | "failed" | "interrupted";

/** One stage of a run as run.json records it. */
export interface RunStageRecord {
  /** What the stage's result is a function of (src/plan.ts): the same key, the same result. */
  key: string;
  seconds: number;
  /** When it finished (ISO). */
  finishedAt: string;
}

export interface RunStatus {
  format: "netsec-run";
  status: RunState;
  startedAt: string;
  finishedAt?: string;
  /** The stage that failed (failed runs). */
  stage?: string;
  /** Why it failed (the error message, at most 2000 characters). */
  reason?: string;
  /** The process that ran it. */
  pid?: number;
  /** Who made it: "netsec train", "notebook session". */
  by?: string;
  /** Stages written into this folder, with their keys. */
  stages?: Partial<Record<StageName, RunStageRecord>>;
  /** Stages reused from earlier runs of the same Artifacts folder: stage → that run's folder name. */
  lineage?: Partial<Record<StageName, string>>;
}

export async function writeRunStatus(dir: string, status: Omit<RunStatus, "format">): Promise<void> {
  const value: RunStatus = { format: "netsec-run", ...status };
  if (value.reason && value.reason.length > 2000) value.reason = `${value.reason.slice(0, 2000)}…`;
  await platform.writeFileAtomic(`${dir}/${RUN_STATUS_FILE}`, JSON.stringify(value, null, 2) + "\n");
}

/** The run's status file, or undefined when it has none (or it is not readable JSON of that shape). */
export async function readRunStatus(dir: string): Promise<RunStatus | undefined> {
  try {
    const value = JSON.parse(await platform.readTextFile(`${dir}/${RUN_STATUS_FILE}`)) as RunStatus;
    return value && value.format === "netsec-run" && ["running", "complete", "failed", "interrupted"].includes(value.status) ? value : undefined;
  } catch {
    return undefined;
  }
}
