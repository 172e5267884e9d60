/**
 * A run as the report, the index and a notebook see it: its folder, status and the typed result of
 * every stage it has. `netsec train` and a notebook session hand their results over in memory
 * (`runRecordOf`); `netsec report <run dir>` reads them back with the stages' own loaders
 * (`loadRunRecord`). A stage that is missing is listed, and the report says so.
 */
import { platform } from "../runtime/index.ts";
import { NetsecError, isNetsecError } from "../errors.ts";
import { loadRunFolder, readRunStatus, RUN_STATUS_FILE, STAGE_DIRS, type RunFolder, type RunStatus, type StageName } from "../artifacts.ts";
import type { Schema } from "../schema.ts";
import type { IngestArtifacts } from "../stages/ingest.ts";
import type { ValidateArtifacts } from "../stages/validate.ts";
import type { TrainArtifacts } from "../stages/train.ts";
import type { EvaluateArtifacts } from "../stages/evaluate.ts";
import type { PushArtifacts } from "../stages/push.ts";
import { loadEvaluation, loadIngestion, loadTrainer, loadValidation, readJsonFile } from "../stages/load.ts";
import { RUN_SUMMARY_FILE } from "../tracking/runs.ts";

export interface RunRecord {
  run: RunFolder;
  /** `<run>/run.json` (complete, failed with the reason, or running / stopped); undefined for runs from before it existed. */
  status?: RunStatus;
  ingestion?: IngestArtifacts;
  validation?: ValidateArtifacts;
  trainer?: TrainArtifacts;
  evaluation?: EvaluateArtifacts;
  /** What push decided (in memory; from the run's summary.json when read back). */
  push?: Pick<PushArtifacts, "pushed" | "reasons" | "version" | "sha256" | "modelDir">;
  /** Stage folders the run does not have (not run, or not finished). */
  missing: string[];
  /** `netsec train --feedback`: the new model on the held-out feedback rows (`feedback_evaluation.json`). */
  feedback?: FeedbackReport;
}

/** What `feedback_evaluation.json` holds. */
export interface FeedbackReport {
  rows: number;
  trainRows: number;
  digest: string;
  location: string;
  classes: Record<string, number>;
  metrics?: Record<string, number>;
}

/** The run folder's file of the feedback evaluation. */
export const FEEDBACK_FILE = "feedback_evaluation.json";

/** The record of results held in memory (a run that just finished, a notebook session). */
export function runRecordOf(run: RunFolder, results: Omit<RunRecord, "run" | "missing" | "status">, status?: RunStatus): RunRecord {
  const missing = (["ingestion", "validation", "trainer", "evaluation"] as const).filter((s) => !results[s]).map((s) => STAGE_DIRS[s]);
  return { run, status, ...results, missing };
}

interface SummaryFile {
  stages?: { push?: { pushed?: boolean; version?: number | null; sha256?: string | null; reasons?: string[]; dir?: string } };
}

/** A run folder read back: every stage it holds (its own or, by lineage, an earlier run's). */
export async function loadRunRecord(runDir: string, schema: Schema): Promise<RunRecord> {
  const info = await platform.stat(runDir);
  if (!info?.isDirectory) throw new NetsecError("FILE_NOT_FOUND", `run folder not found: ${runDir} (expected a folder such as Artifacts/11_25_2026_09_30_00)`, { location: { file: runDir } });
  const entries = new Set(await platform.readDir(runDir));
  const stageDirs = Object.values(STAGE_DIRS);
  if (!entries.has(RUN_STATUS_FILE) && !stageDirs.some((d) => entries.has(d) || entries.has(`${d}.partial`))) {
    throw new NetsecError("USAGE", `${runDir} is not a run folder: it has no ${RUN_STATUS_FILE} and none of the stage folders (${stageDirs.join(", ")}); give one of the folders netsec train makes, such as Artifacts/11_25_2026_09_30_00`, { location: { file: runDir } });
  }
  const run = await loadRunFolder(runDir);
  const record: RunRecord = { run, status: await readRunStatus(runDir), missing: [] };
  const load = async <T>(stage: StageName, loader: () => Promise<T>): Promise<T | undefined> => {
    if (!(await platform.stat(run.stage(stage)))?.isDirectory) {
      record.missing.push(STAGE_DIRS[stage]);
      return undefined;
    }
    try {
      return await loader();
    } catch (error) {
      if (!isNetsecError(error, "FILE_NOT_FOUND")) throw error;
      record.missing.push(`${STAGE_DIRS[stage]} (${error.message})`);
      return undefined;
    }
  };
  record.ingestion = await load("ingestion", () => loadIngestion(run));
  record.validation = await load("validation", () => loadValidation(run));
  record.trainer = await load("trainer", () => loadTrainer(run, schema));
  record.evaluation = await load("evaluation", () => loadEvaluation(run));
  if (entries.has(FEEDBACK_FILE)) record.feedback = await readJsonFile<FeedbackReport>(`${runDir}/${FEEDBACK_FILE}`).catch(() => undefined);
  if (entries.has(RUN_SUMMARY_FILE)) {
    const push = (await readJsonFile<SummaryFile>(`${runDir}/${RUN_SUMMARY_FILE}`).catch(() => ({} as SummaryFile))).stages?.push;
    if (push && typeof push.pushed === "boolean") {
      record.push = { pushed: push.pushed, reasons: push.reasons ?? [], version: push.version ?? undefined, sha256: push.sha256 ?? undefined, modelDir: push.dir ?? "" };
    }
  }
  return record;
}
