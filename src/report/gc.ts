/**
 * `netsec gc --keep N` (and `lab.gc({ keep })`): remove the oldest run folders of an Artifacts
 * folder, keeping the newest N — and always the run behind the model that final_model/ serves,
 * every run a kept run reuses stages from (its lineage), and runs still being written.
 */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import { readRunStatus } from "../artifacts.ts";
import { MODEL_FILES, modelSetDir, type ModelManifest } from "../models/model-file.ts";
import { runSortKey } from "./runs.ts";
import { writeRunsIndex } from "./index-page.ts";

export interface GcOptions {
  /** Run folders to keep, newest first (≥ 0). */
  keep: number;
  /** The model folder whose run is never removed (default final_model). */
  modelDir?: string;
  /** Say what would be removed, remove nothing. */
  dryRun?: boolean;
}

export interface GcOutcome {
  removed: string[];
  kept: { run: string; why: string }[];
  /** Bytes the removed folders held. */
  bytes: number;
  dryRun: boolean;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await platform.readDir(dir)) {
    const path = `${dir}/${name}`;
    const info = await platform.stat(path);
    if (info?.isDirectory && !(await platform.readLink(path))) total += await folderBytes(path);
    else if (info?.isFile) total += info.size;
  }
  return total;
}

/** The run folder name the served model was pushed from (manifest.json runDir), if any. */
async function servedRun(modelDir: string): Promise<string | undefined> {
  try {
    const manifest = JSON.parse(await platform.readTextFile(`${await modelSetDir(modelDir)}/${MODEL_FILES.manifest}`)) as ModelManifest;
    return manifest.runDir?.replace(/\/+$/, "").split("/").at(-1);
  } catch {
    return undefined;
  }
}

export async function collectRuns(artifacts: string, options: GcOptions): Promise<GcOutcome> {
  if (!Number.isInteger(options.keep) || options.keep < 0) throw new NetsecError("USAGE", `keep must be a whole number ≥ 0, got ${options.keep}`);
  if (!(await platform.stat(artifacts))?.isDirectory) throw new NetsecError("FILE_NOT_FOUND", `no run folders: ${artifacts} does not exist`, { location: { file: artifacts } });
  const names = (await platform.readDir(artifacts)).filter((n) => runSortKey(n) !== undefined).sort((a, b) => (runSortKey(b)! < runSortKey(a)! ? -1 : 1));
  const served = await servedRun(options.modelDir ?? "final_model");
  const why = new Map<string, string>();
  names.slice(0, options.keep).forEach((n) => why.set(n, "among the newest"));
  if (served && names.includes(served)) why.set(served, `its model is the one ${options.modelDir ?? "final_model"} serves`);
  const statuses = new Map(await Promise.all(names.map(async (n) => [n, await readRunStatus(`${artifacts}/${n}`)] as const)));
  for (const n of names) {
    const s = statuses.get(n);
    // A run whose process is alive (Linux's /proc) is being written, by another process or by this one.
    if (s?.status === "running" && s.pid !== undefined && (s.pid === platform.pid() || (await platform.stat(`/proc/${s.pid}`))?.isDirectory)) why.set(n, "still being written");
  }
  // lineage: a kept run's reused stages live in earlier runs; keep those too (transitively)
  const queue = [...why.keys()];
  while (queue.length) {
    const n = queue.pop()!;
    for (const from of Object.values(statuses.get(n)?.lineage ?? {})) {
      if (from && !why.has(from) && names.includes(from)) {
        why.set(from, `run ${n} reuses its stages`);
        queue.push(from);
      }
    }
  }
  const removed = names.filter((n) => !why.has(n));
  let bytes = 0;
  for (const n of removed) {
    bytes += await folderBytes(`${artifacts}/${n}`);
    if (!options.dryRun) await platform.remove(`${artifacts}/${n}`);
  }
  if (!options.dryRun && removed.length) await writeRunsIndex(artifacts);
  return { removed, kept: names.filter((n) => why.has(n)).map((run) => ({ run, why: why.get(run)! })), bytes, dryRun: Boolean(options.dryRun) };
}
