/**
 * Test helpers for tracking: read runs back with the official Python MlflowClient, start an
 * MLflow server of our own (to kill and restart it), and a loopback proxy that injects answers.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as netServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readdirSync, readFileSync } from "node:fs";
import { DENO, PYTHON, ROOT, requireEnv, tempDir } from "../helpers/env.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
export const MLFLOW_BIN = join(dirname(PYTHON), "mlflow");

export function mlflowUri(): string {
  return requireEnv("NETSEC_TEST_MLFLOW_URI");
}

export interface ReadBack {
  runs: Record<string, {
    name: string;
    status: string;
    experiment_id: string;
    start_time: number;
    end_time: number | null;
    params: Record<string, string>;
    tags: Record<string, string>;
    metrics: Record<string, [number, number, number | "NaN"][]>;
    artifacts: { path: string; size: number }[];
    datasets: { name: string; digest: string; source_type: string; source: string; schema: string; profile: string; tags: Record<string, string> }[];
  }>;
  model: { versions: { version: string; run_id: string; source: string; aliases: string[]; tags: Record<string, string>; description: string | null }[]; alias_version?: string } | null;
  client_version: string;
  experiment?: { id: string; tags: Record<string, string> } | null;
}

/** `netsec <args>` under the npm-installed Deno (the CLI as users run it). */
export function netsecCli(args: string[], cwd: string, env: Record<string, string | undefined>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const full: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) full[k] = v;
    execFile(DENO, ["run", "-A", join(ROOT, "src/cli.ts"), ...args], { cwd, env: full, maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

/** Every file under `dir` whose bytes contain any of `needles` (to prove a secret was written nowhere). */
export function filesContaining(dir: string, needles: string[]): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const bytes = readFileSync(path);
        if (needles.some((n) => bytes.includes(n))) hits.push(path);
      }
    }
  };
  walk(dir);
  return hits;
}

/** The Python of the MLflow 2.7.1 venv (scripts/setup.sh), for reading back from the 2.7.1 server with its own client. */
export const PYTHON27 = process.env.NETSEC_PYTHON27 ?? join(dirname(dirname(PYTHON)), "..", "venv-mlflow27", "bin", "python");

/** Runs tests/tracking/readback.py (official mlflow client; `python` picks the version) and parses its JSON. */
export function readBack(uri: string, spec: { runs: string[]; model?: string; alias?: string; experiment?: string; all_runs?: boolean }, env: Record<string, string> = {}, python = PYTHON): Promise<ReadBack> {
  return new Promise((resolve, reject) => {
    execFile(python, [join(HERE, "readback.py"), uri, JSON.stringify(spec)], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`readback.py failed: ${stderr}`));
      else resolve(JSON.parse(stdout) as ReadBack);
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = netServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitHealthy(uri: string, proc: ChildProcess, logs: string[]): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) throw new Error(`mlflow server exited: ${logs.join("").slice(-2000)}`);
    try {
      const r = await fetch(`${uri}/health`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`mlflow server at ${uri} did not become healthy: ${logs.join("").slice(-2000)}`);
}

/** An MLflow server of this test only (SQLite in a temp dir, free port), which it may kill and restart. */
export class OwnMlflow {
  readonly dir = tempDir("netsec-mlflow-");
  port = 0;
  #proc?: ChildProcess;
  #logs: string[] = [];

  get uri(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const proc = spawn(MLFLOW_BIN, [
      "server", "--host", "127.0.0.1", "--port", String(this.port), "--workers", "1",
      "--backend-store-uri", `sqlite:///${this.dir}/mlflow.db`,
      "--artifacts-destination", `${this.dir}/artifacts`, "--serve-artifacts",
    ], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    proc.stdout?.on("data", (d: Buffer) => this.#logs.push(d.toString()));
    proc.stderr?.on("data", (d: Buffer) => this.#logs.push(d.toString()));
    this.#proc = proc;
    await waitHealthy(this.uri, proc, this.#logs);
  }

  /** Kill the whole process group we started (mlflow forks its web server), and wait until the port is closed. */
  async kill(): Promise<void> {
    const proc = this.#proc;
    if (!proc?.pid || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    process.kill(-proc.pid, "SIGKILL");
    await exited;
    for (let i = 0; i < 100; i++) {
      try {
        await fetch(`${this.uri}/health`);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export type Injection = { status: number; body?: string; headers?: Record<string, string> } | "forward" | "forward-then-fail" | { delayMs: number };

export interface Proxy {
  uri: string;
  /** Every request seen: "METHOD /path" and what was done. */
  log: { method: string; path: string; action: string }[];
  /** Decide per request; default forwards everything. */
  plan: (method: string, path: string, index: number) => Injection;
  /** Resolves once no delayed request is still waiting to be forwarded. */
  drained(): Promise<void>;
  close(): Promise<void>;
}

/** A loopback proxy in front of `target` that can answer by itself (429, 500…) instead of forwarding. */
export async function startProxy(target: string): Promise<Proxy> {
  const to = new URL(target);
  let inFlight = 0;
  const wake: (() => void)[] = [];
  const proxy: Proxy = {
    uri: "", log: [], plan: () => "forward", close: async () => {},
    drained: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => wake.push(r))),
  };
  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse, fail: boolean, done: () => void = () => {}) => {
    const up = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on("data", (c: Buffer) => chunks.push(c));
      upRes.on("end", () => {
        done();
        if (res.destroyed || res.writableEnded) return;
        if (fail) {
          res.writeHead(502, { "content-type": "text/plain" }).end("bad gateway (injected after forwarding)");
        } else {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers).end(Buffer.concat(chunks));
        }
      });
    });
    up.on("error", (e) => {
      done();
      if (!res.destroyed && !res.headersSent) res.writeHead(502).end(String(e));
    });
    up.end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "").split("?")[0];
      const action = proxy.plan(req.method ?? "GET", path, proxy.log.length);
      proxy.log.push({ method: req.method ?? "GET", path, action: typeof action === "string" ? action : "delayMs" in action ? `delay ${action.delayMs}` : String(action.status) });
      if (typeof action === "object" && "delayMs" in action) {
        // A slow server: the request still reaches the real one (it may act after the client gave up).
        inFlight++;
        setTimeout(() => {
          forward(req, Buffer.concat(chunks), res, false, () => {
            inFlight--;
            if (inFlight === 0) wake.splice(0).forEach((r) => r());
          });
        }, action.delayMs);
      } else if (action === "forward" || action === "forward-then-fail") forward(req, Buffer.concat(chunks), res, action === "forward-then-fail");
      else res.writeHead(action.status, { "content-type": "application/json", ...(action.headers ?? {}) }).end(action.body ?? JSON.stringify({ error_code: "INTERNAL_ERROR", message: `injected ${action.status}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  proxy.uri = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  proxy.close = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return proxy;
}

/** Count metric points per key in a read-back run. */
export function pointCounts(run: ReadBack["runs"][string]): Record<string, number> {
  return Object.fromEntries(Object.entries(run.metrics).map(([k, v]) => [k, v.length]));
}

/**
 * MLflow 3: the source of a version registered from run `runId`'s model — `models:/<id>` of the
 * logged model the run output (src/tracking/apply.ts); the test fails when the run has none.
 */
export async function loggedModelSource(uri: string, runId: string): Promise<string> {
  const r = await fetch(`${uri}/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(runId)}`);
  const body = (await r.json()) as { run: { outputs?: { model_outputs?: { model_id: string }[] } } };
  const ids = (body.run.outputs?.model_outputs ?? []).map((o) => o.model_id);
  if (ids.length !== 1) throw new Error(`run ${runId} on ${uri} has ${ids.length} logged models, not 1`);
  return `models:/${ids[0]}`;
}
