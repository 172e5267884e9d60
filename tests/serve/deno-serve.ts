/**
 * `netsec serve` as users and the Docker image run it: the Deno CLI in its own process, with the
 * permission flags given (the narrowed ones of `servePermissions`, unless a test says otherwise),
 * for the shutdown and permission tests. Also a raw HTTP client that can send a request slowly.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { denoFlags, servePermissions } from "../../src/runtime/deno-permissions.ts";
import { DENO, ROOT, tempDir } from "../helpers/env.ts";

export interface DenoServe {
  child: ChildProcess;
  url: string;
  port: number;
  /** Everything the server wrote to stderr so far. */
  log(): string;
  /** Resolves when a line matching `pattern` is in the log. */
  waitForLog(pattern: RegExp): Promise<void>;
  /** The exit code (or the signal's name when it died of one). */
  exited: Promise<number | string>;
}

/** The flags `netsec serve` needs for `modelDir` on 127.0.0.1:`port` (and /train with `train`). */
export function narrowedFlags(modelDir: string, port: number, train = false): string[] {
  return denoFlags(servePermissions({ root: ROOT, modelDir, host: "127.0.0.1", port, trainCommand: train ? DENO : undefined }));
}

/**
 * The same with a JSONL prediction log: write for that file, and read for the packages its worker
 * loads (node_modules/; src/ is always read), as `neededPermissions` asks for.
 */
export function narrowedLogFlags(modelDir: string, port: number, logFile: string): string[] {
  return denoFlags({ ...servePermissions({ root: ROOT, modelDir, host: "127.0.0.1", port, readPaths: [join(ROOT, "node_modules")] }), write: [logFile] });
}

export async function startDenoServe(options: { flags: string[]; args: string[]; env?: Record<string, string> }): Promise<DenoServe> {
  const child = spawn(DENO, ["run", "--quiet", "--no-prompt", "--config", join(ROOT, "deno.json"), ...options.flags, join(ROOT, "src", "cli.ts"), "serve", ...options.args], {
    stdio: ["ignore", "ignore", "pipe"],
    cwd: tempDir("netsec-serve-cwd-"),
    env: { ...process.env, NO_COLOR: "1", NETSEC_CORS_ORIGINS: "", NETSEC_TRAIN_TOKEN: "", ...options.env },
  });
  let log = "";
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stderr!.on("data", (chunk) => {
    log += chunk;
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(log)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
  const waitForLog = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      if (pattern.test(log)) return resolve();
      waiters.push({ pattern, resolve });
      void exited.then((code) => reject(new Error(`netsec serve exited (${code}) before logging ${pattern}:\n${log}`)));
    });
  await waitForLog(/listening on http:\/\/\S+/);
  const url = /listening on (http:\/\/\S+)/.exec(log)![1];
  return { child, url, port: Number(new URL(url).port), log: () => log, waitForLog, exited };
}

/** A free port on 127.0.0.1 (for servers whose permission names their port). */
export { freePort } from "../tracking/helpers.ts";

/** A POST /predict whose body is sent in two parts: `finish()` sends the rest, `answer` is the raw response. */
export interface SlowRequest {
  socket: Socket;
  finish(): void;
  answer: Promise<string>;
}

export function slowPredict(port: number, csv: string, firstBytes = 200): Promise<SlowRequest> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    const answer = new Promise<string>((done) => {
      socket.on("data", (chunk) => (text += chunk.toString("utf8")));
      socket.on("close", () => done(text));
      socket.on("error", () => done(text));
    });
    socket.once("error", reject);
    socket.on("connect", () => {
      socket.write(`POST /predict HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: text/csv\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(csv)}\r\n\r\n${csv.slice(0, firstBytes)}`);
      // write, not end: a client that half-closes right after its body makes Deno 2.9.6's
      // Deno.serve fail that body about one time in four (BadResource), signal or not.
      resolve({ socket, finish: () => socket.write(csv.slice(firstBytes)), answer });
    });
  });
}

/** "ECONNREFUSED" when nothing listens on the port any more, else "connected". */
export function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.on("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}
