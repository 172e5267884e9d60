/**
 * Run folders under an artifacts root, newest first — for notebooks that pick up where an earlier
 * notebook (or `netsec train`) left off, e.g. "the newest run that has an evaluation".
 */
import { platform } from "../runtime/index.ts";
import { readRunStatus, runFolder, STAGE_DIRS, STAGE_FILES, type RunFolder, type RunStatus, type StageName } from "../artifacts.ts";
import { RUN_SUMMARY_FILE, type RunRow } from "../tracking/runs.ts";

/** "complete", "failed in validation: <reason>", "incomplete: running, or stopped before it ended". */
export function runStateText(status: RunStatus | undefined): string {
  if (!status) return "unknown (no run.json)";
  if (status.status === "complete") return "complete";
  if (status.status === "failed" || status.status === "interrupted") return `${status.status}${status.stage ? ` in ${status.stage}` : ""}${status.reason ? `: ${status.reason.length > 200 ? `${status.reason.slice(0, 200)}…` : status.reason}` : ""}`;
  return "incomplete: running, or stopped before it ended";
}

const RUN_NAME = /^(\d{2})_(\d{2})_(\d{4})_(\d{2})_(\d{2})_(\d{2})(?:_(\d+))?$/;

/** Sort key of a run folder name `MM_DD_YYYY_HH_MM_SS[_n]` (chronological). */
export function runSortKey(name: string): string | undefined {
  const m = RUN_NAME.exec(name);
  if (!m) return undefined;
  const [, mo, d, y, h, mi, s, n] = m;
  return `${y}${mo}${d}${h}${mi}${s}_${(n ?? "1").padStart(4, "0")}`;
}

export interface RunInfo {
  run: RunFolder;
  /** Stage folders present (complete: `.partial` ones are not counted). */
  stages: StageName[];
  hasReport: boolean;
  /** `<run>/run.json`: complete, failed (with the reason) or running / stopped; undefined for older runs. */
  status?: RunStatus;
  /** The columns `netsec runs` shows, read from the folder's files. */
  row: RunRow;
}

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const value = JSON.parse(await platform.readTextFile(path));
    return value && typeof value === "object" && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** `MM_DD_YYYY_HH_MM_SS[_n]` → local time as ISO-like text. */
function folderTime(name: string): string {
  const m = /^(\d{2})_(\d{2})_(\d{4})_(\d{2})_(\d{2})_(\d{2})/.exec(name);
  return m ? `${m[3]}-${m[1]}-${m[2]}T${m[4]}:${m[5]}:${m[6]}` : name;
}

/**
 * A run folder's row: best candidate and CV score from model_trainer/search.json, test F1 from
 * model_evaluation/metrics.json, data digest, push and tracking status from summary.json (written
 * by `netsec train` at the end of a run; absent while it runs or when it was killed).
 */
export async function runFolderRow(run: RunFolder, stages: StageName[]): Promise<RunRow> {
  const row: RunRow = { id: run.timestamp, name: run.timestamp, time: folderTime(run.timestamp), runDir: run.dir, params: {}, where: "folder" };
  if (stages.includes("trainer")) {
    const best = (await readJson(run.file("trainer", STAGE_FILES.trainer.search)))?.best as { family?: string; params?: Record<string, unknown>; meanScore?: number; scoring?: string } | undefined;
    if (best?.family) {
      row.family = best.family;
      row.params = Object.fromEntries(Object.entries(best.params ?? {}).map(([k, v]) => [k, String(v)]));
      row.cvScore = typeof best.meanScore === "number" && Number.isFinite(best.meanScore) ? best.meanScore : undefined;
      row.scoring = best.scoring;
    }
  }
  const metrics = stages.includes("evaluation") ? await readJson(run.file("evaluation", STAGE_FILES.evaluation.metrics)) : undefined;
  const f1 = (metrics?.test as { f1?: unknown } | undefined)?.f1;
  if (typeof f1 === "number") row.testF1 = f1;
  const summary = await readJson(`${run.dir}/${RUN_SUMMARY_FILE}`);
  if (summary) {
    if (typeof summary.dataDigest === "string") row.dataDigest = summary.dataDigest;
    const push = (summary.stages as Record<string, { pushed?: unknown; version?: unknown }> | undefined)?.push;
    if (typeof push?.pushed === "boolean") row.pushed = push.pushed;
    if (typeof push?.version === "number") row.modelVersion = push.version;
    if (typeof summary.runStatus === "string") row.status = summary.runStatus;
  }
  return row;
}

/** Every run under `artifactsRoot`, newest first. */
export async function listRuns(artifactsRoot: string): Promise<RunInfo[]> {
  if (!(await platform.stat(artifactsRoot))?.isDirectory) return [];
  const names = (await platform.readDir(artifactsRoot)).filter((n) => runSortKey(n) !== undefined);
  names.sort((a, b) => (runSortKey(b)! < runSortKey(a)! ? -1 : 1));
  const out: RunInfo[] = [];
  for (const name of names) {
    const own = runFolder(artifactsRoot, name);
    const entries = new Set(await platform.readDir(own.dir));
    const status = entries.has("run.json") ? await readRunStatus(own.dir) : undefined;
    // Stages reused from an earlier run (a notebook session's lineage) count as this run's.
    const run = runFolder(artifactsRoot, name, status?.lineage ?? {});
    const stages = (Object.keys(STAGE_DIRS) as StageName[]).filter((s) => entries.has(STAGE_DIRS[s]) || run.lineage[s] !== undefined);
    const row = await runFolderRow(run, stages);
    // The folder's own marker says best whether the run ended (summary.json is written only when it did).
    if (status) row.status = runStateText(status);
    out.push({ run, stages, hasReport: entries.has("report.html"), status, row });
  }
  return out;
}

/** The newest run that has all of `stages`, or undefined. */
export async function latestRun(artifactsRoot: string, ...stages: StageName[]): Promise<RunFolder | undefined> {
  return (await listRuns(artifactsRoot)).find((r) => stages.every((s) => r.stages.includes(s)))?.run;
}
