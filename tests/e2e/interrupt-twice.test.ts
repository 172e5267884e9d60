/**
 * A second signal during `netsec train`'s shutdown exits at once (issue 22; src/cli/train.ts): the
 * first SIGINT starts the orderly stop (run.json interrupted, tracking ended KILLED — waited for
 * up to 5 s —, the runs index rewritten, exit 130); a second one while that waits on a slow
 * tracking server ends the process there, with 130, before the index is rewritten. With the
 * second signal ignored, the process would wait for the tracking server and write the index.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";
import { mlflowUri, startProxy, type Proxy } from "../tracking/helpers.ts";

const NETSEC = join(ROOT, "bin", "netsec");
const proxies: Proxy[] = [];
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
});

describe("a second signal during netsec train's shutdown", () => {
  it("exits at once with 130, without waiting for the tracking server or rewriting the index", { timeout: 120_000 }, async () => {
    // Every MLflow call answered after 20 s: the first signal's shutdown waits on it (5 s at most).
    const proxy = await startProxy(mlflowUri());
    proxies.push(proxy);
    proxy.plan = () => ({ delayMs: 20_000 });
    const cwd = tempDir("netsec-interrupt-twice-");
    const artifacts = join(cwd, "Artifacts");
    const env = { ...process.env, MLFLOW_TRACKING_URI: proxy.uri, MLFLOW_EXPERIMENT_NAME: `twice-${Date.now().toString(36)}`, NETSEC_TRACKING_WAIT_MS: "2000", NETSEC_STATE_DIR: join(cwd, ".netsec") };
    const child = spawn(NETSEC, ["train", "--data", SHARED_DATA, "--experiment", join(ROOT, "experiments", "default.yaml"), "--artifacts", artifacts, "--model-dir", join(cwd, "final_model")], { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, sig) => resolve({ code, signal: sig })));
    const stageFolder = () => existsSync(artifacts) && readdirSync(artifacts).some((run) => /^\d{2}_/.test(run) && existsSync(join(artifacts, run, "data_ingestion")));
    while (!stageFolder() && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGINT");
    while (!stderr.includes("train: SIGINT: stopping; the run is marked interrupted") && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGINT");
    const exit = await exited;
    expect(exit, stderr).toEqual({ code: 130, signal: null });
    expect(stderr.split("train: SIGINT: stopping").length - 1).toBe(1);
    // The orderly stop was cut short: the index (written after tracking's end) was not rewritten.
    const index = join(artifacts, "index.html");
    expect(existsSync(index) ? readFileSync(index, "utf8") : "").not.toContain("interrupted by SIGINT");
  });
});
