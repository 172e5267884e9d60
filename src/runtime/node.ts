import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import * as crypto from "node:crypto";
import * as child from "node:child_process";
import type {
  ChildProcess,
  FileInfo,
  FileWriter,
  Platform,
  SpawnOptions,
  SpawnResult,
} from "./platform.ts";
import { rootFromModuleUrl, tempSibling, toBytes } from "./common.ts";
import { serveHttp } from "./http-listener.ts";
import { createNodeWorker } from "./node-worker.ts";

async function openWriter(file: string, options?: { append?: boolean }): Promise<FileWriter> {
  const handle = await fsp.open(file, options?.append ? "a" : "w");
  return {
    async write(chunk) {
      const bytes = toBytes(chunk);
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
        offset += bytesWritten;
      }
    },
    async close() {
      await handle.close();
    },
  };
}

async function* readChunks(file: string, chunkSize = 1 << 20): AsyncIterable<Uint8Array> {
  const handle = await fsp.open(file, "r");
  try {
    while (true) {
      const buffer = new Uint8Array(chunkSize);
      const { bytesRead } = await handle.read(buffer, 0, chunkSize, null);
      if (bytesRead === 0) return;
      yield bytesRead === chunkSize ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

function run(command: string, args: string[], options: SpawnOptions = {}): Promise<SpawnResult> {
  return new Promise((resolve, reject) => {
    const proc = child.spawn(command, args, {
      cwd: options.cwd,
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: [options.stdin === undefined ? "ignore" : "pipe", options.inherit ? "inherit" : "pipe", options.inherit ? "inherit" : "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout?.on("data", (d) => (stdout += d));
    proc.stderr?.on("data", (d) => (stderr += d));
    if (options.stdin !== undefined) proc.stdin?.end(options.stdin);
    proc.on("error", reject);
    proc.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function start(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const proc = child.spawn(command, args, {
    cwd: options.cwd,
    env: options.env ? { ...process.env, ...options.env } : process.env,
    stdio: ["ignore", options.capture ? "pipe" : options.inherit ? "inherit" : "ignore", options.capture ? "pipe" : options.inherit ? "inherit" : "ignore"],
  });
  const out: Buffer[] = [], err: Buffer[] = [];
  proc.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
  proc.stderr?.on("data", (chunk: Buffer) => err.push(chunk));
  const status = new Promise<number>((resolve) => {
    proc.on("error", () => resolve(127));
    proc.on("close", (code) => resolve(code ?? 1));
  });
  const output = options.capture
    ? status.then(() => ({ stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }))
    : undefined;
  return { pid: proc.pid ?? -1, status, output, kill: (signal = "SIGTERM") => void proc.kill(signal) };
}

export const nodePlatform: Platform = {
  name: "node",
  readFile: async (file) => new Uint8Array(await fsp.readFile(file)),
  readTextFile: (file) => fsp.readFile(file, "utf8"),
  readChunks,
  writeFile: (file, data) => fsp.writeFile(file, toBytes(data)),
  async writeFileAtomic(file, data) {
    const temp = tempSibling(file, process.pid);
    try {
      await fsp.writeFile(temp, toBytes(data));
      await fsp.rename(temp, file);
    } catch (error) {
      await fsp.rm(temp, { force: true });
      throw error;
    }
  },
  openWriter,
  mkdir: async (dir) => void (await fsp.mkdir(dir, { recursive: true })),
  rename: (from, to) => fsp.rename(from, to),
  remove: (target) => fsp.rm(target, { recursive: true, force: true }),
  async stat(target): Promise<FileInfo | undefined> {
    try {
      const s = await fsp.stat(target);
      return { isFile: s.isFile(), isDirectory: s.isDirectory(), size: s.size, mtimeMs: s.mtimeMs, dev: s.dev, ino: s.ino };
    } catch {
      return undefined;
    }
  },
  async readLink(target) {
    try {
      return await fsp.readlink(target);
    } catch {
      return undefined;
    }
  },
  async symlinkAtomic(target, file) {
    const temp = tempSibling(file, process.pid);
    try {
      await fsp.symlink(target, temp);
      await fsp.rename(temp, file);
    } catch (error) {
      await fsp.rm(temp, { force: true });
      throw error;
    }
  },
  realPath: (target) => fsp.realpath(target),
  readDir: async (dir) => (await fsp.readdir(dir)).sort(),
  copyFile: (from, to) => fsp.copyFile(from, to),
  makeTempDir: (prefix) => fsp.mkdtemp(path.join(os.tmpdir(), prefix)),
  cwd: () => process.cwd(),
  env: (name) => process.env[name],
  envObject: () => Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined)),
  args: () => process.argv.slice(2),
  exit: (code) => process.exit(code),
  stdoutWrite: (text) => void fs.writeSync(1, text),
  stderrWrite: (text) => void fs.writeSync(2, text),
  isTerminal: (stream) => Boolean((stream === "stdout" ? process.stdout : process.stderr).isTTY),
  pid: () => process.pid,
  rss: () => process.memoryUsage.rss(),
  terminateWithParent() {
    const parent = process.ppid;
    const timer = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(timer);
      process.kill(process.pid, "SIGTERM");
    }, 500);
    timer.unref();
  },
  run,
  start,
  serve: serveHttp,
  onSignal(signals, handler) {
    const listeners = signals.map((signal) => {
      const listener = () => handler(signal);
      process.on(signal, listener);
      return () => void process.off(signal, listener);
    });
    return () => listeners.forEach((remove) => remove());
  },
  sha256: async (data) => crypto.createHash("sha256").update(toBytes(data)).digest("hex"),
  denoPath: () => path.join(rootFromModuleUrl(import.meta.url), "node_modules", "deno", "deno"),
  projectRoot: () => rootFromModuleUrl(import.meta.url),
  jupyterDisplay: async () => false,
  inJupyter: () => false,
  createThread: createNodeWorker,
};
