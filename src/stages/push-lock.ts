/**
 * One push at a time into a model folder: `<modelDir>/push.lock` is a folder holding owner.json
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
export async function withPushLock<T>(modelDir: string, fn: () => Promise<T>, options: PushLockOptions = {}): Promise<T> {
  const waitMs = options.waitMs ?? PUSH_LOCK_WAIT_MS;
  const staleMs = options.staleMs ?? PUSH_LOCK_STALE_MS;
  const lock = `${modelDir}/${PUSH_LOCK}`;
  await platform.mkdir(modelDir);
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
      options.reporter?.warn(`push: removed a stale lock ${lock} (${holder ? `pid ${holder.pid}, since ${holder.startedAt}` : "no owner recorded"}): a push was killed while it held it`);
      await breakLock(lock, holder);
      continue;
    }
    if (Date.now() - started >= waitMs) {
      throw new NetsecError(
        "OUTPUT_UNWRITABLE",
        `${modelDir}: another push into this folder holds ${PUSH_LOCK} (${holder ? `pid ${holder.pid}, since ${holder.startedAt}` : "owner unknown"}) and did not finish within ${waitMs / 1000} s; try again, or remove ${lock} if no netsec process is pushing there`,
        { location: { file: lock } },
      );
    }
    if (!said) {
      options.reporter?.info(`push: waiting for another push into ${modelDir} (${holder ? `pid ${holder.pid}` : "owner unknown"}) to finish`);
      said = true;
    }
    await sleep(pause);
    pause = Math.min(250, pause * 2);
  }
  try {
    // Leftovers of killed pushes or waiters (a waiter's own staging lives for milliseconds).
    for (const name of await platform.readDir(modelDir)) {
      if (!/^push\.lock\.(tmp|stale|done)-/.test(name)) continue;
      const info = await platform.stat(`${modelDir}/${name}`);
      if (info && Date.now() - info.mtimeMs > 60_000) await platform.remove(`${modelDir}/${name}`);
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
