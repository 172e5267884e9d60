/**
 * For the serve-from-registry tests: register a model folder as a version of a registered model
 * in a real MLflow server (through netsec's own tracker, as `netsec train` does), move aliases,
 * and run `netsec serve` (the Deno CLI) as a process of its own, which a test may kill.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createMlflowTracker, MlflowClient } from "../../src/tracking/index.ts";
import { DENO, ROOT, tempDir } from "../helpers/env.ts";
import { freePort } from "../tracking/helpers.ts";

/** Log `modelDir/model.json` as a run's MLflow model and register it as a new version of `name`; returns the version. */
export async function registerVersion(uri: string, name: string, modelDir: string, alias?: string): Promise<string> {
  const tracker = createMlflowTracker({
    config: { uri, auth: { kind: "none" }, experimentName: `registry-${name}`, source: "MLFLOW_TRACKING_URI", warnings: [] },
    stateDir: tempDir("netsec-registry-state-"),
    sourceName: "netsec registry test",
  });
  const run = await tracker.startRun(`register ${name}`);
  await run.logModel(join(modelDir, "model.json"));
  await run.registerModel(name, alias);
  await run.endRun();
  if (tracker.offline()) throw new Error(`registering ${name} did not reach ${uri}: ${tracker.warnings.join("; ")}`);
  const client = new MlflowClient(uri);
  const versions = await client.searchModelVersions(`name='${name}'`);
  return String(Math.max(...versions.map((v) => Number(v.version))));
}

export async function moveAlias(uri: string, name: string, alias: string, version: string): Promise<void> {
  await new MlflowClient(uri).setAlias(name, alias, version);
}

export interface ServeProcess {
  url: string;
  proc: ChildProcess;
  logs: string[];
  /** Resolves with the exit code. */
  exited: Promise<number>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** `netsec serve <args>` under Deno on a free loopback port; resolves once /health answers 200, or when the process exits. */
export async function startServe(args: string[], env: Record<string, string>, port?: number): Promise<ServeProcess> {
  const p = port ?? await freePort();
  const proc = spawn(DENO, ["run", "-A", join(ROOT, "src/cli.ts"), "serve", "--port", String(p), ...args], {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  proc.stdout!.on("data", (d) => logs.push(String(d)));
  proc.stderr!.on("data", (d) => logs.push(String(d)));
  const exited = new Promise<number>((resolve) => proc.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  const url = `http://127.0.0.1:${p}`;
  let done = false;
  void exited.then(() => (done = true));
  for (let i = 0; !done; i++) {
    if (await fetch(`${url}/health`).then((r) => r.status === 200, () => false)) break;
    if (i > 600) throw new Error(`netsec serve did not answer /health: ${logs.join("")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    proc,
    logs,
    exited,
    async kill(signal = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

/** GET /model as JSON. */
export async function modelInfo(url: string): Promise<Record<string, any>> {
  return (await fetch(`${url}/model`)).json() as Promise<Record<string, any>>;
}

/** Poll `probe` until it returns true (or `seconds` pass: then throw with `what`). */
export async function eventually(what: string, probe: () => Promise<boolean>, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
