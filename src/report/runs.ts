/**
 * Run folders under an artifacts root, newest first — for notebooks that pick up where an earlier
 * notebook (or `netsec train`) left off, e.g. "the newest run that has an evaluation".
 */
import { platform } from "../runtime/index.ts";
import { readRunStatus, runFolder, STAGE_DIRS, type RunFolder, type RunStatus, type StageName } from "../artifacts.ts";

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
}

/** Every run under `artifactsRoot`, newest first. */
export async function listRuns(artifactsRoot: string): Promise<RunInfo[]> {
  if (!(await platform.stat(artifactsRoot))?.isDirectory) return [];
  const names = (await platform.readDir(artifactsRoot)).filter((n) => runSortKey(n) !== undefined);
  names.sort((a, b) => (runSortKey(b)! < runSortKey(a)! ? -1 : 1));
  const out: RunInfo[] = [];
  for (const name of names) {
    const run = runFolder(artifactsRoot, name);
    const entries = new Set(await platform.readDir(run.dir));
    const stages = (Object.keys(STAGE_DIRS) as StageName[]).filter((s) => entries.has(STAGE_DIRS[s]));
    out.push({ run, stages, hasReport: entries.has("report.html"), status: entries.has("run.json") ? await readRunStatus(run.dir) : undefined });
  }
  return out;
}

/** The newest run that has all of `stages`, or undefined. */
export async function latestRun(artifactsRoot: string, ...stages: StageName[]): Promise<RunFolder | undefined> {
  return (await listRuns(artifactsRoot)).find((r) => stages.every((s) => r.stages.includes(s)))?.run;
}
