/**
 * Everything a run report shows, read from one run folder. Each stage's files are optional (a
 * run that stopped after validation still gets a report of what it did); what is missing is
 * listed so the report can say so.
 */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import { openRunFolder, STAGE_FILES, type RunFolder } from "../artifacts.ts";
import { readCsv } from "../data/csv.ts";
import type { Frame } from "../data/frame.ts";
import type { Json } from "./find.ts";
import { parseLeaderboard, type LeaderboardRow } from "./leaderboard.ts";

export interface RunData {
  run: RunFolder;
  ingestion?: Json;
  contract?: Json;
  drift?: Json;
  /** Validated (else ingested) train and test rows, for class balance and distributions. */
  train?: Frame;
  test?: Frame;
  leaderboard?: LeaderboardRow[];
  /** model_trainer/search.json (both CV protocols' scores of the winner). */
  search?: Json;
  /** model_trainer/threshold.json (the decision threshold and the out-of-fold curve it was chosen on). */
  threshold?: Json;
  /** model_evaluation/explanations.json (mean |contribution| per feature, a sample of test rows). */
  explanations?: Json;
  metrics?: Json;
  confusion?: Json;
  comparison?: Json;
  /** The trained model file (for feature importances), when small enough to read. */
  model?: Json;
  /** Files looked for and not found, relative to the run folder. */
  missing: string[];
}

async function exists(path: string): Promise<boolean> {
  return Boolean((await platform.stat(path))?.isFile);
}

export async function readJsonFile(path: string): Promise<Json> {
  const text = await platform.readTextFile(path);
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new NetsecError("DATA_INVALID", `${path} is not valid JSON: ${(error as Error).message}`, { cause: error, location: { file: path } });
  }
}

/** Largest model.json the report reads for importances (bigger forests are skipped, not loaded). */
const MODEL_READ_LIMIT = 64 * 1024 * 1024;

export async function loadRunData(runDir: string): Promise<RunData> {
  const info = await platform.stat(runDir);
  if (!info?.isDirectory) throw new NetsecError("FILE_NOT_FOUND", `run folder not found: ${runDir} (expected a folder such as Artifacts/11_25_2026_09_30_00)`, { location: { file: runDir } });
  const run = openRunFolder(runDir);
  const data: RunData = { run, missing: [] };
  const rel = (path: string) => path.slice(run.dir.length + 1);
  const json = async (path: string, optional = false): Promise<Json | undefined> => {
    if (await exists(path)) return readJsonFile(path);
    if (!optional) data.missing.push(rel(path));
    return undefined;
  };
  data.ingestion = await json(run.file("ingestion", STAGE_FILES.ingestion.summary));
  data.contract = await json(run.file("validation", STAGE_FILES.validation.contract));
  data.drift = await json(run.file("validation", STAGE_FILES.validation.driftJson));
  for (const split of ["train", "test"] as const) {
    const candidates = [
      run.file("validation", split === "train" ? STAGE_FILES.validation.validTrain : STAGE_FILES.validation.validTest),
      run.file("ingestion", split === "train" ? STAGE_FILES.ingestion.train : STAGE_FILES.ingestion.test),
    ];
    for (const path of candidates) {
      if (await exists(path)) {
        data[split] = (await readCsv(path)).frame;
        break;
      }
    }
    if (!data[split]) data.missing.push(rel(candidates[1]));
  }
  const leaderboardPath = run.file("trainer", STAGE_FILES.trainer.leaderboard);
  if (await exists(leaderboardPath)) data.leaderboard = parseLeaderboard(await platform.readTextFile(leaderboardPath));
  else data.missing.push(rel(leaderboardPath));
  // Optional: runs of older netsec versions have none, explanations exist for some families only.
  data.search = await json(run.file("trainer", STAGE_FILES.trainer.search), true);
  data.threshold = await json(run.file("trainer", STAGE_FILES.trainer.threshold), true);
  data.metrics = await json(run.file("evaluation", STAGE_FILES.evaluation.metrics));
  data.confusion = await json(run.file("evaluation", STAGE_FILES.evaluation.confusion));
  data.comparison = await json(run.file("evaluation", STAGE_FILES.evaluation.comparison));
  data.explanations = await json(run.file("evaluation", STAGE_FILES.evaluation.explanations), true);
  const modelPath = run.file("trainer", STAGE_FILES.trainer.model);
  const modelInfo = await platform.stat(modelPath);
  if (modelInfo?.isFile && modelInfo.size <= MODEL_READ_LIMIT) data.model = await readJsonFile(modelPath);
  return data;
}
