/**
 * The push lock's grace and stale-lock rules (src/stages/push-lock.ts, issue 22), each pinned by a
 * case that fails when the rule is removed: a push waits for a held lock and runs as soon as it is
 * released; a lock whose owner cannot be read (owner.json cut short: the holder is unknown, so
 * maybe alive) is left alone until it is older than the stale age, then broken; leftovers of killed holders (`push.lock.tmp-…`,
 * `.stale-…`, `.done-…`) are removed once older than a minute, never younger ones (a waiter's
 * staging folder lives for milliseconds).
 */
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createReporter } from "../../src/reporter.ts";
import { PUSH_LOCK, PUSH_LOCK_STALE_MS, withPushLock } from "../../src/stages/push-lock.ts";
import { isNetsecError } from "../../src/errors.ts";
import { tempDir } from "../helpers/env.ts";

const age = (path: string, ms: number) => {
  const t = (Date.now() - ms) / 1000;
  utimesSync(path, t, t);
};

describe("the push lock's grace", () => {
  it("a push waits for a held lock and runs once it is released (with one 'waiting' line)", async () => {
    const modelDir = join(tempDir("netsec-push-grace-"), "final_model");
    const lock = join(modelDir, PUSH_LOCK);
    mkdirSync(lock, { recursive: true });
    writeFileSync(join(lock, "owner.json"), JSON.stringify({ pid: process.pid, startedAt: "2026-12-08T00:00:00.000Z", token: "held" }));
    const reporter = createReporter({ quiet: true });
    const infos: string[] = [];
    const events: string[] = [];
    const waiting = withPushLock(modelDir, async () => (events.push("ran"), "ran"), { waitMs: 30_000, reporter: { ...reporter, info: (m: string) => infos.push(m), warn: reporter.warn.bind(reporter) } as typeof reporter });
    await new Promise((r) => setTimeout(r, 300));
    expect(events).toEqual([]); // still waiting: the lock is held by a live process
    events.push("released");
    rmSync(lock, { recursive: true });
    expect(await waiting).toBe("ran");
    expect(events).toEqual(["released", "ran"]);
    expect(infos).toEqual([`push: waiting for another push in ${modelDir} (pid ${process.pid}) to finish`]);
    expect(reporter.warnings).toEqual([]); // a held lock is not stale
    expect(existsSync(lock)).toBe(false);
  });

  it("a lock whose owner cannot be read: not broken before the stale age (busy, owner unknown), broken after it", async () => {
    const modelDir = join(tempDir("netsec-push-noowner-"), "final_model");
    const lock = join(modelDir, PUSH_LOCK);
    mkdirSync(lock, { recursive: true });
    writeFileSync(join(lock, "owner.json"), '{"pid": 12'); // cut short
    const error = await withPushLock(modelDir, async () => "ran", { waitMs: 200 }).then(() => undefined, (e: unknown) => e);
    expect(isNetsecError(error, "OUTPUT_UNWRITABLE")).toBe(true);
    expect((error as Error).message).toBe(`${modelDir}: another push into this folder holds push.lock (owner unknown) and did not finish within 0.2 s; try again, or remove ${modelDir}/push.lock if no netsec process is pushing there`);
    expect(existsSync(lock)).toBe(true);
    // Just past the stale age (10 minutes): a push killed between making the folder and writing its owner.
    expect(PUSH_LOCK_STALE_MS).toBe(10 * 60_000);
    age(lock, PUSH_LOCK_STALE_MS + 5_000);
    const reporter = createReporter({ quiet: true });
    expect(await withPushLock(modelDir, async () => "ran", { waitMs: 200, reporter })).toBe("ran");
    expect(reporter.warnings).toEqual([`push: removed a stale lock ${lock} (no owner recorded): a push was killed while it held it`]);
    // Just under it: still respected.
    mkdirSync(lock);
    writeFileSync(join(lock, "owner.json"), "");
    age(lock, PUSH_LOCK_STALE_MS - 60_000);
    expect(await withPushLock(modelDir, async () => "ran", { waitMs: 200 }).then(() => "ran", (e: Error) => e.message)).toMatch(/holds push\.lock \(owner unknown\)/);
  });

  it("leftovers of killed holders are removed once older than a minute; younger ones are kept", async () => {
    const modelDir = join(tempDir("netsec-push-leftovers-"), "final_model");
    mkdirSync(modelDir, { recursive: true });
    for (const name of ["push.lock.tmp-old", "push.lock.stale-old", "push.lock.done-old", "push.lock.tmp-young", "push.lock.other-old"]) {
      mkdirSync(join(modelDir, name));
      if (name.endsWith("-old")) age(join(modelDir, name), 2 * 60_000);
      else age(join(modelDir, name), 30_000);
    }
    expect(await withPushLock(modelDir, async () => readdirSync(modelDir).sort())).toEqual(["push.lock", "push.lock.other-old", "push.lock.tmp-young"]);
    expect(readdirSync(modelDir).sort()).toEqual(["push.lock.other-old", "push.lock.tmp-young"]);
  });
});
