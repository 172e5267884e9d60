/**
 * Stage results found again by their key (src/plan.ts): every run folder's run.json says which
 * stages it wrote and under which key, so a notebook session (or a kernel restarted an hour later)
 * that asks for the same stage with the same inputs reads the result back instead of running it.
 * Only stages a folder wrote itself count (not the ones it reuses by lineage), and only folders
 * whose stage is complete.
 */
import { platform } from "./runtime/index.ts";
import { loadRunFolder, readRunStatus, STAGE_DIRS, type RunFolder, type StageName } from "./artifacts.ts";

/** Run folder names look like `MM_DD_YYYY_HH_MM_SS[_n]`. */
const RUN_NAME = /^\d{2}_\d{2}_\d{4}_\d{2}_\d{2}_\d{2}(?:_\d+)?$/;

/** The newest run folder under `root` that wrote `stage` with `key`, or undefined. */
export async function findStage(root: string, stage: StageName, key: string): Promise<RunFolder | undefined> {
  if (!key || !(await platform.stat(root))?.isDirectory) return undefined;
  const names = (await platform.readDir(root)).filter((n) => RUN_NAME.test(n)).sort().reverse();
  for (const name of names) {
    const dir = `${root}/${name}`;
    const status = await readRunStatus(dir);
    if (status?.stages?.[stage]?.key !== key || status.lineage?.[stage]) continue;
    if (!(await platform.stat(`${dir}/${STAGE_DIRS[stage]}`))?.isDirectory) continue;
    return await loadRunFolder(dir);
  }
  return undefined;
}
