/**
 * `netsec sync`: replay journals to the MLflow server. For each journal in the outbox (and, with
 * `includeLocal`, the local run log) the operations without an ack are applied in order with the
 * duplicate checks of apply.ts; each success appends an ack, so a sync that stops half-way (server
 * gone again) resumes where it stopped. A fully sent outbox journal moves to `outbox/sent/`.
 * One sync at a time per outbox: `outbox/sync.lock` (stages/push-lock.ts's folder lock); a second
 * sync waits for the first (at most `SYNC_LOCK_WAIT_MS`), then finds what it left, so two syncs at
 * once put each run on the server once.
 */
import { platform } from "../runtime/index.ts";
import { Applier, refusedForGood } from "./apply.ts";
import { Journal, type Op } from "./journal.ts";
import { MlflowClient } from "./mlflow.ts";
import { RegistryUnavailableError } from "./registry.ts";
import type { TrackingConfig } from "./config.ts";
import type { HttpOptions } from "./http.ts";
import { mergeBatches, openMarker, outboxDir } from "./remote.ts";
import { withFolderLock } from "../stages/push-lock.ts";
import { NetsecError } from "../errors.ts";

export interface SyncOptions {
  config: TrackingConfig;
  stateDir: string;
  includeLocal?: boolean;
  http?: HttpOptions;
  onWarning?: (message: string) => void;
  onProgress?: (message: string) => void;
  /** Also replay journals a running process may still be writing (default: skip them). */
  force?: boolean;
  /** A journal marked open but not written for this long belongs to a process that died (default 10 min). */
  staleMs?: number;
}

export interface SyncResult {
  journals: number;
  /** Journals fully sent by this sync. */
  completed: number;
  opsSent: number;
  opsLeft: number;
  runsCreated: number;
  /** Runs found on the server by their client id (created before, answer lost). */
  runsFound: number;
  metricsSent: number;
  /** Metric points already on the server, not sent again. */
  metricsSkipped: number;
  /** Serious problems: one line per journal that could not be finished. */
  failures: string[];
  /** Journals skipped because a running `netsec train` is still writing them. */
  inProgress: string[];
  /** The server could not be reached (no answer, connection refused, timed out). */
  unreachable: boolean;
  /** Runs of the local run log (recorded with no server) not sent yet; `--local` sends them. */
  localWaiting: number;
}

/** Journals under `dir` that still have operations without an ack. */
export async function unsentJournals(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const path of await journalsIn(dir)) {
    const { ops, acks } = await new Journal(path).read();
    if (ops.some((op) => !acks.has(op.id))) out.push(path);
  }
  return out;
}

/** Consecutive logBatch ops of one run become one group (one log-batch); every other op is alone. */
function groupBatches(ops: Op[]): Op[][] {
  const groups: Op[][] = [];
  for (const op of ops) {
    const last = groups.at(-1);
    if (op.op === "logBatch" && last?.[0].op === "logBatch" && last[0].run === op.run) last.push(op);
    else groups.push([op]);
  }
  return groups;
}

function isUnreachable(error: unknown): boolean {
  return error instanceof Error && "status" in error && (error as { status: number }).status === 0;
}

async function journalsIn(dir: string): Promise<string[]> {
  if (!(await platform.stat(dir))?.isDirectory) return [];
  return (await platform.readDir(dir)).filter((n) => n.endsWith(".jsonl")).map((n) => `${dir}/${n}`);
}

export const SYNC_LOCK = "sync.lock";
/** Longest a sync waits for another sync of the same outbox (ms). */
export const SYNC_LOCK_WAIT_MS = 120_000;

export async function syncJournals(options: SyncOptions & { lockWaitMs?: number }): Promise<SyncResult> {
  const out = outboxDir(options.stateDir);
  const waitMs = options.lockWaitMs ?? SYNC_LOCK_WAIT_MS;
  return await withFolderLock(out, SYNC_LOCK, () => syncUnlocked(options), {
    waitMs,
    // A sync whose process is gone is seen at once (Linux); elsewhere a lock this old is taken as left behind.
    staleMs: 6 * 3600_000,
    what: "netsec sync",
    reporter: { info: (m: string) => options.onProgress?.(m), warn: (m: string) => options.onWarning?.(m) },
    busy: (holder) => new NetsecError("TRACKING_FAILED", `another netsec sync (${holder}) is sending ${out} and did not finish within ${waitMs / 1000} s; nothing was sent by this one: run it again when that one is done (or remove ${out}/${SYNC_LOCK} if no sync is running)`, { location: { file: `${out}/${SYNC_LOCK}` } }),
  });
}

async function syncUnlocked(options: SyncOptions): Promise<SyncResult> {
  const client = new MlflowClient(options.config.uri, options.config.auth, options.http);
  const warn = options.onWarning ?? (() => {});
  const out = outboxDir(options.stateDir);
  const paths = [...(await journalsIn(out)), ...(options.includeLocal ? await journalsIn(`${options.stateDir}/runs`) : [])];
  const result: SyncResult = { journals: paths.length, completed: 0, opsSent: 0, opsLeft: 0, runsCreated: 0, runsFound: 0, metricsSent: 0, metricsSkipped: 0, failures: [], inProgress: [], unreachable: false, localWaiting: 0 };
  try {
    // One call first, so an unreachable server is said plainly (even with nothing to send).
    await client.serverInfo();
  } catch (error) {
    result.unreachable = isUnreachable(error);
    result.failures.push(`${options.config.uri}: ${error instanceof Error ? error.message : String(error)}`);
    result.opsLeft = (await Promise.all(paths.map(async (p) => {
      const { ops, acks } = await new Journal(p).read();
      return ops.filter((op) => !acks.has(op.id)).length;
    }))).reduce((a, b) => a + b, 0);
    result.localWaiting = (await unsentJournals(`${options.stateDir}/runs`)).length;
    return result;
  }
  for (const path of paths) {
    const marker = await platform.stat(openMarker(path));
    const written = (await platform.stat(path))?.mtimeMs ?? 0;
    if (marker && !options.force && Date.now() - Math.max(written, marker.mtimeMs) < (options.staleMs ?? 10 * 60_000)) {
      result.inProgress.push(path);
      warn(`${path} is still being written by a running netsec process: left for the next sync (use --force if that process is gone)`);
      continue;
    }
    const journal = new Journal(path);
    const { ops, acks } = await journal.read();
    const applier = new Applier(client, journal, warn);
    applier.remember(ops, acks);
    const todo = ops.filter((op) => !acks.has(op.id));
    let left = todo.length;
    for (const group of groupBatches(todo)) {
      const op = group.length > 1 ? mergeBatches(group as Extract<Op, { op: "logBatch" }>[]) : group[0];
      try {
        const ack = await applier.apply(op, true);
        for (const g of group) await journal.append({ ...ack, of: g.id });
        result.opsSent += group.length;
        left -= group.length;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (refusedForGood(error, op)) {
          for (const g of group) await journal.append({ op: "ack", of: g.id, at: Date.now(), refused: message });
          warn(error instanceof RegistryUnavailableError ? message : `MLflow refused ${op.op} of run ${op.run} (skipped from now on): ${message}`);
          left -= group.length;
          continue;
        }
        result.failures.push(`${path}: stopped at ${op.op} (${left} operations left): ${message}`);
        if (isUnreachable(error)) result.unreachable = true;
        break;
      }
    }
    for (const key of ["runsCreated", "runsFound", "metricsSent", "metricsSkipped"] as const) result[key] += applier.stats[key];
    result.opsLeft += left;
    options.onProgress?.(`${path}: ${todo.length - left}/${todo.length} operations sent`);
    if (left === 0 && path.startsWith(`${out}/`)) {
      await platform.mkdir(`${out}/sent`);
      await platform.rename(path, `${out}/sent/${path.slice(out.length + 1)}`);
      await platform.remove(journal.filesDir);
      await platform.remove(openMarker(path));
      result.completed++;
    } else if (left === 0) {
      result.completed++;
    }
  }
  result.localWaiting = (await unsentJournals(`${options.stateDir}/runs`)).length;
  return result;
}
