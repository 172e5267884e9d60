/**
 * The one interface through which netsec touches the outside world (files, environment,
 * processes, HTTP). `deno.ts` and `node.ts` implement it; nothing outside `src/runtime/`
 * imports `Deno.*` or `node:*` modules.
 */

export interface FileInfo {
  isFile: boolean;
  isDirectory: boolean;
  size: number;
  mtimeMs: number;
  /** Device and inode (same file ⇔ same pair, through links too); 0 where unknown. */
  dev: number;
  ino: number;
}

/** A sink for bytes or text, written in order; `close()` flushes. */
export interface FileWriter {
  write(chunk: Uint8Array | string): Promise<void>;
  close(): Promise<void>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Inherit stdout/stderr instead of capturing them. */
  inherit?: boolean;
  stdin?: string;
  /** `start()` only: capture stdout/stderr (read them from `ChildProcess.output`). */
  capture?: boolean;
}

export interface SpawnResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A process started in the background. */
export interface ChildProcess {
  pid: number;
  /** Resolves with the exit code when the process ends. */
  status: Promise<number>;
  kill(signal?: "SIGTERM" | "SIGKILL"): void;
  /** With `capture: true`: everything the process wrote, once it has ended. */
  output?: Promise<{ stdout: string; stderr: string }>;
}

/** Slow-client limits of the HTTP listener (src/runtime/http-listener.ts has the defaults). */
export interface ListenerLimitOptions {
  /** Request line + headers must arrive within this (408 and close after). */
  headerTimeoutMs?: number;
  /** The whole request (headers + body) must arrive within this. */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs?: number;
  /** A client that reads nothing of its response for this long is dropped. */
  writeTimeoutMs?: number;
  /** Request line + headers at most this many bytes (431 above). */
  maxHeaderBytes?: number;
  /** How often the deadlines are checked (the bound is timeout + this). */
  checkIntervalMs?: number;
  maxConnections?: number;
}

export interface ServeOptions {
  port: number;
  hostname: string;
  signal?: AbortSignal;
  limits?: ListenerLimitOptions;
  /** Called once the server listens, with the port actually bound (useful with port 0). */
  onListen?: (address: { hostname: string; port: number }) => void;
  /**
   * The answer to a request whose method a web `Request` cannot carry (TRACE, CONNECT, TRACK are
   * forbidden by the fetch standard), so the handler never sees it; default: 501 JSON.
   */
  refuseMethod?: (method: string, path: string) => Response;
}

export interface RunningServer {
  port: number;
  hostname: string;
  /** Close the listener and every connection now (tests, abort). */
  shutdown(): Promise<void>;
  /** Requests whose handler is running now. */
  inFlight(): number;
  /**
   * Graceful stop: requests in flight run to their end; a request arriving meanwhile gets
   * `refuse()`'s answer with `connection: close`; once no handler is running the listener and
   * every connection are closed, and it resolves.
   */
  drain(refuse?: () => Response): Promise<void>;
}

/** The signals that ask a process to stop. */
export type StopSignal = "SIGTERM" | "SIGINT" | "SIGHUP";

/**
 * What a Deno process may touch, as Deno's `--allow-*` flags say it (see `deno-permissions.ts`).
 * `env: true` = every variable; a list = only those.
 */
export interface PermissionSet {
  read: string[];
  write: string[];
  net: string[];
  env: boolean | string[];
  run: string[];
}

/** Deno's permission model at run time (absent under Node, which has none in use here). */
export interface Permissions {
  /** The `--allow-*` flags this process lacks to do everything in `set` ([] = it has them all). */
  missing(set: PermissionSet): string[];
  /** True when the process may write anywhere (started with `--allow-all` or a bare `--allow-write`). */
  unrestricted(): boolean;
  /** Drop a whole permission for the rest of the process's life. */
  revoke(name: "run" | "write" | "ffi"): void;
}

export type FetchHandler = (request: Request) => Response | Promise<Response>;

export interface Platform {
  readonly name: "deno" | "node";
  readFile(path: string): Promise<Uint8Array>;
  readTextFile(path: string): Promise<string>;
  /** Stream a file in chunks (constant memory). */
  readChunks(path: string, chunkSize?: number): AsyncIterable<Uint8Array>;
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  /** Write to `path.tmp-<pid>-<n>` and rename over `path`: readers never see half a file. */
  writeFileAtomic(path: string, data: Uint8Array | string): Promise<void>;
  openWriter(path: string, options?: { append?: boolean }): Promise<FileWriter>;
  mkdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  stat(path: string): Promise<FileInfo | undefined>;
  /** The target of a symbolic link, or undefined when `path` is not one (or does not exist). */
  readLink(path: string): Promise<string | undefined>;
  /** Point `path` at `target` with a symbolic link made next to it and renamed over it (atomic). */
  symlinkAtomic(target: string, path: string): Promise<void>;
  /** The absolute path with every link resolved. */
  realPath(path: string): Promise<string>;
  readDir(path: string): Promise<string[]>;
  copyFile(from: string, to: string): Promise<void>;
  makeTempDir(prefix: string): Promise<string>;
  cwd(): string;
  env(name: string): string | undefined;
  envObject(): Record<string, string>;
  args(): string[];
  exit(code: number): never;
  stdoutWrite(text: string): void;
  stderrWrite(text: string): void;
  isTerminal(stream: "stdout" | "stderr"): boolean;
  /** This process's id. */
  pid(): number;
  /** Resident set size of this process in bytes. */
  rss(): number;
  /**
   * Sends this process SIGTERM (as if its parent had passed one on) once its parent has exited;
   * checked twice a second, without keeping the process alive.
   */
  terminateWithParent(): void;
  /** Run a command to completion. */
  run(command: string, args: string[], options?: SpawnOptions): Promise<SpawnResult>;
  /** Start a command in the background. */
  start(command: string, args: string[], options?: SpawnOptions): ChildProcess;
  serve(handler: FetchHandler, options: ServeOptions): Promise<RunningServer>;
  sha256(data: Uint8Array | string): Promise<string>;
  /**
   * Call `handler` each time one of `signals` arrives (instead of the default of dying at once);
   * returns a function that removes the handler again.
   */
  onSignal(signals: StopSignal[], handler: (signal: StopSignal) => void): () => void;
  /** Deno's permissions (Deno only). */
  permissions?: Permissions;
  /** Absolute path of the Deno binary installed from npm (for `netsec` subprocesses). */
  denoPath(): string;
  /** Absolute path of the repository root (where package.json lives). */
  projectRoot(): string;
  /**
   * Show a MIME bundle in the Deno Jupyter kernel; false when not running in one. With `id`, the
   * output can be replaced later (`update: true` sends update_display_data for that id): live
   * progress in one cell.
   */
  jupyterDisplay(bundle: Record<string, unknown>, options?: { id?: string; update?: boolean }): Promise<boolean>;
  /** Whether this process is a Jupyter kernel (a notebook cell's output is where results go). */
  inJupyter(): boolean;
  /** A module Web Worker (Deno); absent where the runtime has none (Node: callers run in-process). */
  createWorker?(moduleUrl: URL): WorkerHandle;
  /**
   * A module worker on every runtime (Deno: a Web Worker; Node: worker_threads with the TypeScript
   * sources transpiled as they load, node-worker.ts, ~0.5 s to start): for I/O that must leave the serving thread
   * whatever runs it (the prediction log). The module talks through the Web Worker globals
   * (`onmessage`, `postMessage`) on both. Compute pools keep using `createWorker`.
   */
  createThread(moduleUrl: URL): WorkerHandle;
}

/** A module worker: structured-clone messages both ways. */
export interface WorkerHandle {
  /** `transfer`: buffers moved to the worker instead of copied (unusable here afterwards). */
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  onmessage: ((message: unknown) => void) | null;
  onerror: ((message: string) => void) | null;
  terminate(): void;
}
