/**
 * bin/netsec (npm's bin, what `npx netsec` runs): a shell script that execs the npm-installed Deno,
 * so the process started is Deno itself; SIGTERM sent to it, or to `npx netsec`, stops the server
 * (port closed, no Deno left) and the exit status is Deno's.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeRealModel } from "./serve/real-model.ts";
import { ROOT, tempDir } from "./helpers/env.ts";
import { freePort } from "./tracking/helpers.ts";

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const healthy = (port: number) => fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));

/** Deno processes (by /proc/<pid>/exe) whose command line holds `marker`. */
function denoWith(marker: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (readlinkSync(`/proc/${entry}/exe`).endsWith("/deno") && cmd.includes(marker)) out.push(Number(entry));
    } catch { /* gone or not ours */ }
  }
  return out;
}

describe("bin/netsec and signals", () => {
  it("is Deno itself (exec, no wrapper process): SIGTERM stops serve, closes the port, exit status is Deno's", async () => {
    const dir = tempDir("netsec-bin-");
    await writeRealModel(join(dir, "final_model"), 1, 5);
    const port = await freePort();
    const child = spawn(join(ROOT, "bin", "netsec"), ["serve", "--port", String(port), "--model-dir", join(dir, "final_model")], { cwd: dir, stdio: "ignore" });
    const status = exited(child);
    await until("the server", () => healthy(port));
    expect(readlinkSync(`/proc/${child.pid}/exe`)).toBe(join(ROOT, "node_modules", "deno", "deno"));
    child.kill("SIGTERM");
    expect(await status).toEqual({ code: 0, signal: null }); // serve's graceful stop: exit 0
    expect(await healthy(port)).toBe(false);
  });

  it("npx netsec serve: SIGTERM to npx also stops Deno (npm's shell does not pass it on; Deno follows its parent)", async () => {
    const dir = tempDir("netsec-npx-");
    await writeRealModel(join(dir, "final_model"), 1, 5);
    const port = await freePort();
    const child = spawn("npx", ["netsec", "serve", "--port", String(port), "--model-dir", join(dir, "final_model")], { cwd: ROOT, stdio: "ignore" });
    const status = exited(child);
    await until("the server", () => healthy(port), 60_000);
    const denos = denoWith(String(port));
    try {
      expect(denos.length).toBe(1);
      child.kill("SIGTERM");
      await status;
      await until("Deno to exit", () => !alive(denos[0]));
      expect(await healthy(port)).toBe(false);
    } finally {
      for (const pid of denos) if (alive(pid)) process.kill(pid, "SIGKILL"); // never leave a server behind
    }
  });
});
