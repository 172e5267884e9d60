/**
 * `bin/netsec serve` (what users and `npx netsec serve` run) starts Deno with the narrowed
 * permissions docs/serving.md describes, not --allow-all (issue 22): the flags of the running
 * process are exactly `servePermissions`'s, serve says so at start, and under those flags a write
 * outside the allowed paths is refused (the permission probe, run with the process's own flags).
 * With --model-uri and no --model-cache, the cache bin/netsec creates is the one folder writable.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { DENO, ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";
import { freePort, narrowedFlags } from "./deno-serve.ts";
import { writeRealModel } from "./real-model.ts";

const BIN = join(ROOT, "bin", "netsec");

describe("bin/netsec serve: narrowed Deno permissions", () => {
  const modelDir = join(tempDir("netsec-bin-perm-"), "final_model");
  let child: ChildProcess | undefined;
  let log = "";
  let port = 0;
  beforeAll(async () => {
    await writeRealModel(modelDir, 1, 3);
    port = await freePort();
    child = spawn(BIN, ["serve", "--port", String(port), "--model-dir", modelDir, "--watch-ms", "0"], {
      cwd: tempDir("netsec-bin-perm-cwd-"),
      env: { ...process.env, NO_COLOR: "1", NETSEC_TRAIN_TOKEN: "", npm_command: "" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr!.on("data", (d) => (log += d));
    for (let i = 0; !/listening on/.test(log); i++) {
      if (i > 1200 || child.exitCode !== null) throw new Error(`bin/netsec serve did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 120_000);
  afterAll(() => {
    child?.kill("SIGKILL");
  });

  it("the Deno process (bin/netsec exec'd it: same pid) runs with exactly the flags of docs/serving.md, and says so", () => {
    const argv = readFileSync(`/proc/${child!.pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    expect(argv[0]).toBe(DENO);
    const flags = argv.filter((a) => a.startsWith("--allow"));
    expect(flags).toEqual(narrowedFlags(modelDir, port));
    expect(flags).not.toContain("--allow-all");
    expect(log).toContain(`netsec serve: permissions: has what serving needs (${narrowedFlags(modelDir, port).join(" ")}); write, FFI and run revoked`);
  });

  it("under the process's own flags a write outside the allowed paths (the model folder, /tmp, the repository) is refused, reading other files too", async () => {
    const flags = readFileSync(`/proc/${child!.pid}/cmdline`, "utf8").split("\0").filter((a) => a.startsWith("--allow"));
    const plan = JSON.stringify({
      read: [join(ROOT, "schema.yaml"), join(modelDir, "model.json")],
      noWrite: [modelDir, "/tmp", ROOT],
      noRead: ["/etc/passwd", SHARED_DATA],
      noRun: ["/bin/sh"],
    });
    const probe = spawnSync(DENO, ["run", "--quiet", "--no-prompt", "--no-config", ...flags, join(ROOT, "scripts", "permission-probe.ts"), plan], { encoding: "utf8" });
    expect(probe.stdout).toContain(`ok   write into ${modelDir}: refused (NotCapable)`);
    expect(probe.stdout).toContain("ok   write into /tmp: refused (NotCapable)");
    expect(probe.stdout).toContain(`ok   write into ${ROOT}: refused (NotCapable)`);
    expect(probe.stdout).toContain("ok   read /etc/passwd: refused (NotCapable)");
    expect(probe.stdout).not.toContain("BAD");
    expect(probe.status).toBe(0);
    // And the server it started still serves.
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });

  it("--model-uri without --model-cache: bin/netsec creates the cache; it is the one folder read and written, the tracking host the one other host", () => {
    const r = spawnSync(DENO, ["run", "--allow-all", "--quiet", "--config", join(ROOT, "deno.json"), join(ROOT, "src/cli/serve-flags.ts"), "--port", "8123", "--model-uri", "models:/m@champion"], {
      encoding: "utf8",
      env: { ...process.env, MLFLOW_TRACKING_URI: "http://127.0.0.1:5999", NETSEC_MODEL_CACHE: "", DAGSHUB_USER_TOKEN: "" },
    });
    const [cache, ...flags] = r.stdout.trimEnd().split("\n");
    expect(cache).toMatch(/netsec-registry-/);
    expect(statSync(cache).isDirectory()).toBe(true);
    expect(flags).toEqual([`--allow-read=${ROOT}/schema.yaml,${cache},${ROOT}/src`, `--allow-write=${cache}`, "--allow-net=127.0.0.1:8123,127.0.0.1:5999", "--allow-env"]);
    expect(existsSync(cache)).toBe(true);
  });
});

describe("bin/netsec serve --prediction-log: the flags it computes let the log's worker load and write", () => {
  const dir = tempDir("netsec-bin-perm-log-");
  const modelDir = join(dir, "final_model");
  const logFile = join(dir, "predictions.jsonl");
  let child: ChildProcess | undefined;
  let log = "";
  afterAll(() => {
    child?.kill("SIGKILL");
  });

  it("read of node_modules/ too (the worker's packages; src/ is always read), write of the log file only; scored rows reach the file", async () => {
    await writeRealModel(modelDir, 1, 3);
    const port = await freePort();
    child = spawn(BIN, ["serve", "--port", String(port), "--model-dir", modelDir, "--watch-ms", "0", "--prediction-log", logFile], {
      cwd: tempDir("netsec-bin-perm-log-cwd-"),
      env: { ...process.env, NO_COLOR: "1", NETSEC_TRAIN_TOKEN: "", npm_command: "" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr!.on("data", (d) => (log += d));
    for (let i = 0; !/listening on/.test(log); i++) {
      if (i > 1200 || child.exitCode !== null) throw new Error(`bin/netsec serve did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const flags = readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0").filter((a) => a.startsWith("--allow"));
    expect(flags).toContain(`--allow-read=${join(ROOT, "schema.yaml")},${modelDir},${join(ROOT, "node_modules")},${join(ROOT, "src")}`);
    expect(flags).toContain(`--allow-write=${logFile}`);
    const body = JSON.stringify([Object.fromEntries(JSON.parse(readFileSync(join(modelDir, "model.json"), "utf8")).features.map((f: string) => [f, 1]))]);
    const response = await fetch(`http://127.0.0.1:${port}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(response.status).toBe(200);
    const id = response.headers.get("x-request-id");
    for (let i = 0; !(existsSync(logFile) && readFileSync(logFile, "utf8").includes(`"request_id":${JSON.stringify(id)}`)); i++) {
      if (i > 1200) throw new Error(`no logged row in ${logFile}:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(log).not.toContain("worker failed");
  }, 120_000);
});
