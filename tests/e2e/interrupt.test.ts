/**
 * SIGINT / SIGTERM during `netsec train` (bin/netsec, Deno): the run's run.json says
 * `interrupted` (in which stage, by which signal) instead of `running` forever, the runs index and
 * `netsec runs` show it, and the exit status is 130 / 143 (issue 22: Deno died without a handler).
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";

const NETSEC = join(ROOT, "bin", "netsec");

function runJson(artifacts: string): { dir: string; status: Record<string, unknown> } | undefined {
  if (!existsSync(artifacts)) return undefined;
  const run = readdirSync(artifacts).find((n) => /^\d{2}_/.test(n));
  if (!run) return undefined;
  try {
    return { dir: join(artifacts, run), status: JSON.parse(readFileSync(join(artifacts, run, "run.json"), "utf8")) };
  } catch {
    return undefined; // being written
  }
}

/** Start `netsec train`, send `signal` once its first stage folder is in place; the exit status and the run. */
async function interruptedTrain(signal: "SIGINT" | "SIGTERM") {
  const cwd = tempDir("netsec-interrupt-");
  const artifacts = join(cwd, "Artifacts");
  const env = { ...process.env, MLFLOW_TRACKING_URI: "", NETSEC_STATE_DIR: join(cwd, ".netsec") };
  const child = spawn(NETSEC, ["train", "--data", SHARED_DATA, "--experiment", join(ROOT, "experiments", "default.yaml"), "--artifacts", artifacts, "--model-dir", join(cwd, "final_model")], { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, sig) => resolve({ code, signal: sig })));
  let sent = false;
  while (!sent) {
    const run = runJson(artifacts);
    if (run && existsSync(join(run.dir, "data_ingestion"))) {
      child.kill(signal);
      sent = true;
    } else if (child.exitCode !== null) break;
    else await new Promise((r) => setTimeout(r, 50));
  }
  const exit = await exited;
  return { exit, stderr, cwd, artifacts, env, run: runJson(artifacts)! };
}

function netsecRuns(cwd: string, env: NodeJS.ProcessEnv): Promise<{ runs: { status?: string }[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NETSEC, ["runs", "--json"], { cwd, env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1)!)) : reject(new Error(`netsec runs exited ${code}`))));
  });
}

describe("a signal during netsec train", () => {
  it("SIGINT: exit 130, run.json interrupted (stage and signal), the index and netsec runs show it", { timeout: 120_000 }, async () => {
    const { exit, stderr, cwd, artifacts, env, run } = await interruptedTrain("SIGINT");
    expect(exit, stderr).toEqual({ code: 130, signal: null });
    expect(stderr).toContain("train: SIGINT: stopping; the run is marked interrupted");
    expect(run.status).toMatchObject({ status: "interrupted", reason: "interrupted by SIGINT" });
    expect(typeof run.status.stage).toBe("string");
    expect(run.status.finishedAt).toBeTypeOf("string");
    const index = readFileSync(join(artifacts, "index.html"), "utf8");
    expect(index).toContain(`interrupted in ${run.status.stage as string}: interrupted by SIGINT`);
    const listed = await netsecRuns(cwd, env);
    expect(listed.runs.map((r) => r.status)).toEqual(["KILLED"]);
  });

  it("SIGTERM: exit 143, run.json interrupted", { timeout: 120_000 }, async () => {
    const { exit, stderr, run } = await interruptedTrain("SIGTERM");
    expect(exit, stderr).toEqual({ code: 143, signal: null });
    expect(run.status).toMatchObject({ status: "interrupted", reason: "interrupted by SIGTERM" });
  });
});
