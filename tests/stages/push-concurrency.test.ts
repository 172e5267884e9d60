/**
 * Pushes into one model folder at the same time are serialised (issue 22: one failed with a raw
 * "Directory not empty (os error 39): rename …" and left versions/<n>.partial-… behind), and a
 * model folder copied by a tool that follows links (`current` a real folder) takes the next push
 * (it failed with "Is a directory (os error 21)").
 */
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadModelFile } from "../../src/models/model-file.ts";
import { loadSchema } from "../../src/schema.ts";
import { createReporter } from "../../src/reporter.ts";
import { PUSH_LOCK, withPushLock } from "../../src/stages/push-lock.ts";
import { isNetsecError } from "../../src/errors.ts";
import { DENO, ROOT, tempDir } from "../helpers/env.ts";
import { pushSynthetic } from "./push-synthetic.ts";

/** Everything under versions/ and the model folder that is not a finished set or a set file. */
function leftovers(modelDir: string): string[] {
  const top = readdirSync(modelDir).filter((n) => !["versions", "current", "model.json", "model.json.sha256", "manifest.json", "MODEL_CARD.md", "model.onnx"].includes(n));
  const versions = readdirSync(join(modelDir, "versions")).filter((n) => !/^\d+$/.test(n));
  return [...top, ...versions.map((n) => `versions/${n}`)];
}

function versions(modelDir: string): number[] {
  return readdirSync(join(modelDir, "versions")).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
}

/** A Deno process that fits `count` models, says "ready", waits for the file `go`, then pushes them back to back. */
function pushFromDeno(modelDir: string, first: number, count: number, go: string): { ready: Promise<void>; done: Promise<{ code: number | null; out: string; err: string }> } {
  const child = spawn(DENO, ["run", "-A", "--quiet", "--config", join(ROOT, "deno.json"), join(ROOT, "tests", "stages", "push-synthetic.ts"), modelDir, String(first), String(count), go], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on("data", (d) => {
    out += d;
    if (out.includes("ready")) onReady();
  });
  child.stderr.on("data", (d) => (err += d));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on("exit", (code) => {
    onReady();
    resolve({ code, out, err });
  }));
  return { ready, done };
}

describe("pushes into one model folder", () => {
  it("two pushes at once in one process get two versions, the later one current, nothing left over", async () => {
    const schema = await loadSchema();
    const modelDir = join(tempDir("netsec-push-two-"), "final_model");
    await pushSynthetic(modelDir, schema, 0);
    const [a, b, c] = await Promise.all([pushSynthetic(modelDir, schema, 1), pushSynthetic(modelDir, schema, 2), pushSynthetic(modelDir, schema, 3)]);
    expect([a.version, b.version, c.version].sort()).toEqual([2, 3, 4]);
    expect(versions(modelDir)).toEqual([1, 2, 3, 4]);
    expect(leftovers(modelDir)).toEqual([]);
    expect((await loadModelFile(modelDir, { schema })).version).toBe(4);
  });

  it("two processes pushing at once: every push gets its own version, none fails, no .partial or lock is left", { timeout: 120_000 }, async () => {
    const schema = await loadSchema();
    const modelDir = join(tempDir("netsec-push-procs-"), "final_model");
    await pushSynthetic(modelDir, schema, 0);
    const go = join(modelDir, "..", "go");
    const procs = [pushFromDeno(modelDir, 10, 6, go), pushFromDeno(modelDir, 20, 6, go)];
    await Promise.all(procs.map((p) => p.ready));
    writeFileSync(go, "");
    const [one, two] = await Promise.all(procs.map((p) => p.done));
    expect([one.code, two.code, one.err, two.err]).toEqual([0, 0, "", ""]);
    const got = [...one.out.matchAll(/pushed (\d+)/g), ...two.out.matchAll(/pushed (\d+)/g)].map((m) => Number(m[1])).sort((x, y) => x - y);
    expect(got).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(versions(modelDir)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(leftovers(modelDir)).toEqual([]);
    expect((await loadModelFile(modelDir, { schema })).version).toBe(13);
  });

  it("the loser waits for a held lock, then fails with a coded message naming the holder (never a raw rename error)", async () => {
    const modelDir = join(tempDir("netsec-push-held-"), "final_model");
    mkdirSync(join(modelDir, PUSH_LOCK), { recursive: true });
    // a live holder: this very test process
    writeFileSync(join(modelDir, PUSH_LOCK, "owner.json"), JSON.stringify({ pid: process.pid, startedAt: "2026-12-08T00:00:00.000Z", token: "held" }));
    const error = await withPushLock(modelDir, async () => "ran", { waitMs: 300 }).then(() => undefined, (e: unknown) => e);
    expect(isNetsecError(error, "OUTPUT_UNWRITABLE")).toBe(true);
    expect((error as Error).message).toBe(`${modelDir}: another push into this folder holds push.lock (pid ${process.pid}, since 2026-12-08T00:00:00.000Z) and did not finish within 0.3 s; try again, or remove ${modelDir}/push.lock if no netsec process is pushing there`);
    // the holder's lock is untouched
    expect(JSON.parse(readFileSync(join(modelDir, PUSH_LOCK, "owner.json"), "utf8")).token).toBe("held");
  });

  it("a lock left by a killed push (its process gone, or older than the stale age) is broken with a warning", async () => {
    const modelDir = join(tempDir("netsec-push-stale-"), "final_model");
    const reporter = createReporter({ quiet: true });
    // a pid that is not running: a child that has exited
    const gone = spawn("true");
    await new Promise((r) => gone.on("exit", r));
    mkdirSync(join(modelDir, PUSH_LOCK), { recursive: true });
    writeFileSync(join(modelDir, PUSH_LOCK, "owner.json"), JSON.stringify({ pid: gone.pid, startedAt: "2026-12-08T00:00:00.000Z", token: "dead" }));
    expect(await withPushLock(modelDir, async () => "ran", { waitMs: 5000, reporter })).toBe("ran");
    expect(reporter.warnings.join("\n")).toContain(`push: removed a stale lock ${modelDir}/push.lock (pid ${gone.pid}, since 2026-12-08T00:00:00.000Z)`);
    expect(existsSync(join(modelDir, PUSH_LOCK))).toBe(false);
    // by age: a live pid, but the lock is 11 minutes old
    mkdirSync(join(modelDir, PUSH_LOCK));
    writeFileSync(join(modelDir, PUSH_LOCK, "owner.json"), JSON.stringify({ pid: process.pid, startedAt: "2026-12-08T00:00:00.000Z", token: "old" }));
    const old = (Date.now() - 11 * 60_000) / 1000;
    utimesSync(join(modelDir, PUSH_LOCK), old, old);
    expect(await withPushLock(modelDir, async () => "ran", { waitMs: 5000 })).toBe("ran");
    expect(readdirSync(modelDir)).toEqual([]);
  });
});

describe("a model folder copied with links followed (cp -rL)", () => {
  it("takes the next push: `current` (a copy of versions/2) becomes a link again, the new set is served", async () => {
    const schema = await loadSchema();
    const dir = tempDir("netsec-push-copied-");
    const original = join(dir, "final_model");
    await pushSynthetic(original, schema, 1);
    await pushSynthetic(original, schema, 2);
    const copy = join(dir, "copied");
    execFileSync("cp", ["-rL", original, copy]);
    expect(lstatSync(join(copy, "current")).isDirectory()).toBe(true);
    expect(lstatSync(join(copy, "model.json")).isFile()).toBe(true);
    // loading the copy works (it serves version 2 from its own files)
    expect((await loadModelFile(copy, { schema })).version).toBe(2);
    const reporter = createReporter({ quiet: true });
    const pushed = await pushSynthetic(copy, schema, 3, reporter);
    expect(pushed.version).toBe(3);
    expect(reporter.warnings.join("\n")).toContain(`push: ${copy}/current was a folder, not a link (the model folder was copied by a tool that follows links?): it was a copy of versions/2, now linked again`);
    expect(readlinkSync(join(copy, "current"))).toBe("versions/3");
    expect(readlinkSync(join(copy, "model.json"))).toBe("current/model.json");
    expect(versions(copy)).toEqual([1, 2, 3]);
    expect(leftovers(copy)).toEqual([]);
    const loaded = await loadModelFile(copy, { schema });
    expect(loaded.version).toBe(3);
    expect(loaded.sha256).toBe(pushed.sha256);
  });

  it("a copied `current` with no matching version is kept as a version of its own", async () => {
    const schema = await loadSchema();
    const dir = tempDir("netsec-push-copied-alone-");
    const original = join(dir, "final_model");
    await pushSynthetic(original, schema, 1);
    await pushSynthetic(original, schema, 2);
    const copy = join(dir, "copied");
    execFileSync("cp", ["-rL", original, copy]);
    rmSync(join(copy, "versions"), { recursive: true });
    const reporter = createReporter({ quiet: true });
    const pushed = await pushSynthetic(copy, schema, 3, reporter);
    expect(reporter.warnings.join("\n")).toContain(`push: ${copy}/current was a folder, not a link (the model folder was copied by a tool that follows links?): kept as versions/2`);
    expect(pushed.version).toBe(3);
    expect(versions(copy)).toEqual([2, 3]);
    expect(JSON.parse(readFileSync(join(copy, "versions", "2", "manifest.json"), "utf8")).version).toBe(2);
    expect((await loadModelFile(copy, { schema })).version).toBe(3);
  });
});
