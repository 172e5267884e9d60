/**
 * One push at a time into a model folder (and, with the same lock, one `netsec sync` at a time on
 * an outbox: tracking/sync.ts): `<modelDir>/push.lock` is a folder holding owner.json
 * (pid, start time). It is taken by renaming a freshly made folder onto that name — a rename onto
 * a non-empty folder fails, on every system and runtime, so exactly one process gets it — and
 * released by removing it. A push holds it only while it numbers and writes its set (well under a
 * second for the models netsec makes), so a second push waits for it (`PUSH_LOCK_WAIT_MS` at
 * most, then a coded error saying who holds it). A lock left by a killed push is broken: when its
 * process is gone (Linux: no /proc/<pid>) or it is older than `PUSH_LOCK_STALE_MS`.
 * docs/models.md lists these limits.
 */
import { NetsecError } from "../errors.ts";
import type { Reporter } from "../reporter.ts";
import { platform } from "../runtime/index.ts";

export const PUSH_LOCK = "push.lock";
/** Longest a push waits for another push into the same folder (ms). */
export const PUSH_LOCK_WAIT_MS = 60_000;
/** A lock older than this is taken to be left by a killed push (ms). */
export const PUSH_LOCK_STALE_MS = 10 * 60_000;

interface LockOwner {
  pid: number;
  startedAt: string;
  token: string;
}

export interface PushLockOptions {
  waitMs?: number;
  staleMs?: number;
  reporter?: Reporter;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readOwner(lock: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await platform.readTextFile(`${lock}/owner.json`)) as LockOwner;
  } catch {
    return undefined;
  }
}

/** Whether the owner's process is known to be gone (Linux /proc; elsewhere: unknown → false). */
async function processGone(pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    if (!(await platform.stat("/proc/self"))) return false;
    return !(await platform.stat(`/proc/${pid}`));
  } catch {
    return false;
  }
}

async function isStale(lock: string, owner: LockOwner | undefined, staleMs: number): Promise<boolean> {
  const info = await platform.stat(lock);
  if (!info) return false; // released meanwhile: just try again
  if (Date.now() - info.mtimeMs > staleMs) return true;
  // no owner.json yet: being made right now (or killed in between; the age rule covers that)
  return owner !== undefined && owner.pid !== platform.pid() && (await processGone(owner.pid));
}

/** Move a stale lock aside (only if it is still the one judged stale) and remove it. */
async function breakLock(lock: string, stale: LockOwner | undefined): Promise<void> {
  const aside = `${lock}.stale-${crypto.randomUUID()}`;
  try {
    await platform.rename(lock, aside);
  } catch {
    return; // someone else broke or released it
  }
  const moved = await readOwner(aside);
  if (stale && moved?.token !== stale.token) {
    // A fresh lock was taken between the look and the move: give it back.
    await platform.rename(aside, lock).catch(() => {});
    return;
  }
  await platform.remove(aside);
}

/** Run `fn` holding the push lock of `modelDir`. */
export function withPushLock<T>(modelDir: string, fn: () => Promise<T>, options: PushLockOptions = {}): Promise<T> {
  const waitMs = options.waitMs ?? PUSH_LOCK_WAIT_MS;
  return withFolderLock(modelDir, PUSH_LOCK, fn, {
    waitMs,
    staleMs: options.staleMs ?? PUSH_LOCK_STALE_MS,
    reporter: options.reporter,
    what: "push",
    busy: (holder) => new NetsecError(
      "OUTPUT_UNWRITABLE",
      `${modelDir}: another push into this folder holds ${PUSH_LOCK} (${holder}) and did not finish within ${waitMs / 1000} s; try again, or remove ${modelDir}/${PUSH_LOCK} if no netsec process is pushing there`,
      { location: { file: `${modelDir}/${PUSH_LOCK}` } },
    ),
  });
}

export interface FolderLockOptions {
  waitMs: number;
  staleMs: number;
  reporter?: Pick<Reporter, "info" | "warn">;
  /** What holds it, for messages ("push", "netsec sync"). */
  what: string;
  /** The error when the wait is over; `holder` describes the holder ("pid 12, since …"). */
  busy: (holder: string) => Error;
}

/**
 * Run `fn` holding the lock folder `<dir>/<name>` (see the module comment: taken by a rename,
 * waited for, broken when stale, removed after `fn`).
 */
export async function withFolderLock<T>(dir: string, name: string, fn: () => Promise<T>, options: FolderLockOptions): Promise<T> {
  const { waitMs, staleMs } = options;
  const lock = `${dir}/${name}`;
  await platform.mkdir(dir);
  const owner: LockOwner = { pid: platform.pid(), startedAt: new Date().toISOString(), token: crypto.randomUUID() };
  const started = Date.now();
  let said = false;
  let pause = 20;
  while (true) {
    const staging = `${lock}.tmp-${owner.token}`;
    await platform.mkdir(staging);
    await platform.writeFile(`${staging}/owner.json`, JSON.stringify(owner) + "\n");
    try {
      await platform.rename(staging, lock);
      break;
    } catch (error) {
      await platform.remove(staging);
      if (!(await platform.stat(lock))) {
        // The rename failed and there is no lock in the way: not a lock conflict.
        if (Date.now() - started > 1000) throw error;
        continue;
      }
    }
    const holder = await readOwner(lock);
    if (await isStale(lock, holder, staleMs)) {
      options.reporter?.warn(`${options.what}: removed a stale lock ${lock} (${holder ? `pid ${holder.pid}, since ${holder.startedAt}` : "no owner recorded"}): a ${options.what} was killed while it held it`);
      await breakLock(lock, holder);
      continue;
    }
    if (Date.now() - started >= waitMs) throw options.busy(holder ? `pid ${holder.pid}, since ${holder.startedAt}` : "owner unknown");
    if (!said) {
      options.reporter?.info(`${options.what}: waiting for another ${options.what} in ${dir} (${holder ? `pid ${holder.pid}` : "owner unknown"}) to finish`);
      said = true;
    }
    await sleep(pause);
    pause = Math.min(250, pause * 2);
  }
  try {
    // Leftovers of killed holders or waiters (a waiter's own staging lives for milliseconds).
    for (const entry of await platform.readDir(dir)) {
      if (!entry.startsWith(`${name}.`) || !/^\.(tmp|stale|done)-/.test(entry.slice(name.length))) continue;
      const info = await platform.stat(`${dir}/${entry}`);
      if (info && Date.now() - info.mtimeMs > 60_000) await platform.remove(`${dir}/${entry}`);
    }
    return await fn();
  } finally {
    // Remove only our own lock (never one broken and retaken while we ran past the stale age).
    const now = await readOwner(lock);
    if (now?.token === owner.token) {
      const aside = `${lock}.done-${owner.token}`;
      await platform.rename(lock, aside).then(() => platform.remove(aside), () => {});
    }
  }
}
