import type {
  ChildProcess,
  FileInfo,
  FileWriter,
  PermissionSet,
  Permissions,
  Platform,
  SpawnOptions,
  SpawnResult,
  StopSignal,
  WorkerHandle,
} from "./platform.ts";
import { hex, rootFromModuleUrl, tempSibling, toBytes } from "./common.ts";
// Deno.serve has no header or body timeouts (denoland/deno#3515): Deno's node:http has them.
import { serveHttp } from "./http-listener.ts";
import { denoFlags } from "./deno-permissions.ts";

// deno-lint-ignore no-explicit-any
declare const Deno: any;

function writeAllSync(stream: { writeSync(b: Uint8Array): number }, text: string): void {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  while (offset < bytes.length) offset += stream.writeSync(bytes.subarray(offset));
}

async function openWriter(file: string, options?: { append?: boolean }): Promise<FileWriter> {
  const handle = await Deno.open(file, { write: true, create: true, truncate: !options?.append, append: Boolean(options?.append) });
  return {
    async write(chunk) {
      const bytes = toBytes(chunk);
      let offset = 0;
      while (offset < bytes.length) offset += await handle.write(bytes.subarray(offset));
    },
    async close() {
      handle.close();
    },
  };
}

async function* readChunks(file: string, chunkSize = 1 << 20): AsyncIterable<Uint8Array> {
  const handle = await Deno.open(file, { read: true });
  try {
    while (true) {
      const buffer = new Uint8Array(chunkSize);
      let filled = 0;
      while (filled < chunkSize) {
        const n = await handle.read(buffer.subarray(filled));
        if (n === null) break;
        filled += n;
      }
      if (filled === 0) return;
      yield filled === chunkSize ? buffer : buffer.subarray(0, filled);
      if (filled < chunkSize) return;
    }
  } finally {
    handle.close();
  }
}

async function run(command: string, args: string[], options: SpawnOptions = {}): Promise<SpawnResult> {
  const cmd = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: options.inherit ? "inherit" : "piped",
    stderr: options.inherit ? "inherit" : "piped",
  });
  const proc = cmd.spawn();
  if (options.stdin !== undefined) {
    const writer = proc.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await proc.output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: options.inherit ? "" : decoder.decode(out.stdout),
    stderr: options.inherit ? "" : decoder.decode(out.stderr),
  };
}

function start(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const proc = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
    stdout: options.capture ? "piped" : options.inherit ? "inherit" : "null",
    stderr: options.capture ? "piped" : options.inherit ? "inherit" : "null",
  }).spawn();
  const output = options.capture
    ? Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]).then(([stdout, stderr]) => ({ stdout, stderr }))
    : undefined;
  return {
    output,
    pid: proc.pid,
    status: proc.status.then((s: { code: number }) => s.code),
    kill: (signal = "SIGTERM") => {
      try {
        proc.kill(signal);
      } catch { /* already gone */ }
    },
  };
}

/** SIGTERM handlers registered through onSignal: terminateWithParent calls them itself (see there). */
const sigtermHandlers = new Set<(signal: StopSignal) => void>();

function onSignal(signals: StopSignal[], handler: (signal: StopSignal) => void): () => void {
  const listeners = signals.map((signal) => {
    const listener = () => handler(signal);
    Deno.addSignalListener(signal, listener);
    if (signal === "SIGTERM") sigtermHandlers.add(handler);
    return () => {
      Deno.removeSignalListener(signal, listener);
      if (signal === "SIGTERM") sigtermHandlers.delete(handler);
    };
  });
  return () => listeners.forEach((remove) => remove());
}

const granted = (descriptor: Record<string, string>) => Deno.permissions.querySync(descriptor).state === "granted";

const permissions: Permissions = {
  missing(set: PermissionSet): string[] {
    const lacking: PermissionSet = {
      read: set.read.filter((path) => !granted({ name: "read", path })),
      write: set.write.filter((path) => !granted({ name: "write", path })),
      net: set.net.filter((host) => !granted({ name: "net", host })),
      env: set.env === true ? !granted({ name: "env" }) : Array.isArray(set.env) ? set.env.filter((variable) => !granted({ name: "env", variable })) : false,
      run: set.run.filter((command) => !granted({ name: "run", command })),
    };
    return denoFlags(lacking);
  },
  unrestricted: () => granted({ name: "write" }),
  revoke(name) {
    Deno.permissions.revokeSync({ name });
  },
};

type JupyterDisplay = { display(value: unknown, options: { raw: boolean; display_id?: string; update?: boolean }): Promise<void> };

/** `Deno.jupyter` inside `deno jupyter`, else undefined (its getter throws elsewhere). */
function denoJupyter(): JupyterDisplay | undefined {
  try {
    return (Deno as unknown as { jupyter?: JupyterDisplay }).jupyter ?? undefined;
  } catch {
    return undefined;
  }
}

/** A module Web Worker (`createWorker` and `createThread` are the same thing under Deno). */
function denoWorker(moduleUrl: URL): WorkerHandle {
  const worker = new Worker(moduleUrl, { type: "module" });
  const handle: WorkerHandle = {
    postMessage: (message, transfer) => worker.postMessage(message, transfer ?? []),
    onmessage: null,
    onerror: null,
    terminate: () => worker.terminate(),
  };
  worker.onmessage = (event: MessageEvent) => handle.onmessage?.(event.data);
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    handle.onerror?.(event.message);
  };
  return handle;
}

export const denoPlatform: Platform = {
  name: "deno",
  readFile: (file) => Deno.readFile(file),
  readTextFile: (file) => Deno.readTextFile(file),
  readChunks,
  writeFile: (file, data) => Deno.writeFile(file, toBytes(data)),
  async writeFileAtomic(file, data) {
    const temp = tempSibling(file, Deno.pid);
    try {
      await Deno.writeFile(temp, toBytes(data));
      await Deno.rename(temp, file);
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw error;
    }
  },
  openWriter,
  mkdir: (dir) => Deno.mkdir(dir, { recursive: true }),
  rename: (from, to) => Deno.rename(from, to),
  async remove(target) {
    try {
      await Deno.remove(target, { recursive: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  },
  async stat(target): Promise<FileInfo | undefined> {
    try {
      const s = await Deno.stat(target);
      return { isFile: s.isFile, isDirectory: s.isDirectory, size: s.size, mtimeMs: s.mtime?.getTime() ?? 0, dev: s.dev ?? 0, ino: s.ino ?? 0 };
    } catch {
      return undefined;
    }
  },
  async readLink(target) {
    try {
      return await Deno.readLink(target);
    } catch {
      return undefined;
    }
  },
  async symlinkAtomic(target, file) {
    const temp = tempSibling(file, Deno.pid);
    try {
      await Deno.symlink(target, temp);
      await Deno.rename(temp, file);
    } catch (error) {
      await Deno.remove(temp).catch(() => {});
      throw error;
    }
  },
  realPath: (target) => Deno.realPath(target),
  async readDir(dir) {
    const names: string[] = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    return names.sort();
  },
  copyFile: (from, to) => Deno.copyFile(from, to),
  makeTempDir: (prefix) => Deno.makeTempDir({ prefix }),
  cwd: () => Deno.cwd(),
  env: (name) => Deno.env.get(name),
  envObject: () => Deno.env.toObject(),
  args: () => [...Deno.args],
  exit(code): never {
    Deno.exit(code);
    throw new Error("unreachable");
  },
  stdoutWrite: (text) => writeAllSync(Deno.stdout, text),
  stderrWrite: (text) => writeAllSync(Deno.stderr, text),
  isTerminal: (stream) => (stream === "stdout" ? Deno.stdout : Deno.stderr).isTerminal(),
  pid: () => Deno.pid,
  rss: () => Deno.memoryUsage().rss,
  terminateWithParent() {
    const parent = Deno.ppid;
    const timer = setInterval(() => {
      if (Deno.ppid === parent) return;
      clearInterval(timer);
      // As if SIGTERM had come: the handlers directly (Deno.kill needs --allow-run, which
      // `netsec serve` under its narrowed flags does not have), else the signal itself.
      if (sigtermHandlers.size) for (const handler of [...sigtermHandlers]) handler("SIGTERM");
      else {
        try {
          Deno.kill(Deno.pid, "SIGTERM");
        } catch {
          Deno.exit(143);
        }
      }
    }, 500);
    Deno.unrefTimer(timer);
  },
  run,
  start,
  serve: serveHttp,
  onSignal,
  permissions,
  sha256: async (data) => hex(await crypto.subtle.digest("SHA-256", toBytes(data) as Uint8Array<ArrayBuffer>)),
  denoPath: () => Deno.execPath(),
  projectRoot: () => rootFromModuleUrl(import.meta.url),
  createWorker: denoWorker,
  createThread: denoWorker,
  async jupyterDisplay(bundle, options = {}) {
    const jupyter = denoJupyter();
    if (!jupyter) return false;
    await jupyter.display(bundle, { raw: true, ...(options.id ? { display_id: options.id } : {}), ...(options.update ? { update: true } : {}) });
    // The kernel can publish the cell's "idle" status before this output leaves its queue, and
    // headless clients (nbclient) stop listening at "idle": give the output time to go first.
    if (!options.update) await new Promise((resolve) => setTimeout(resolve, 50));
    return true;
  },
  inJupyter: () => denoJupyter() !== undefined,
};
