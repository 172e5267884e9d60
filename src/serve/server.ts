/**
 * `createService`: wires schema, model store (with its watcher), background trainer and the Hono
 * app, with no listener (tests call `service.request(path, init)`, Hono's `app.request`).
 * `startServer`: the same service on `platform.serve`, used by `netsec serve` (Deno) and by the
 * tests that need a real socket (limits, slow clients, the browser).
 */
import { platform } from "../runtime/index.ts";
import type { ListenerLimitOptions, RunningServer } from "../runtime/index.ts";
import { loadSchema, type Schema } from "../schema.ts";
import { createApp } from "./app.ts";
import { errorBody, HttpError } from "./http-error.ts";
import type { BodyLimits } from "./limits.ts";
import { type ModelLoader, ModelStore } from "./model-store.ts";
import { TrainJobs, type TrainJobsOptions } from "./train-jobs.ts";
import { RegistryFollower, type RegistryFollowerOptions } from "./registry-follower.ts";

export interface ServiceOptions {
  modelDir: string;
  load: ModelLoader;
  schema?: Schema;
  limits?: Partial<BodyLimits>;
  corsOrigins?: string[];
  trainToken?: string;
  /** How training is started; default: `deno run -A <root>/src/cli.ts train --json --model-dir <dir>`. */
  train?: Pick<TrainJobsOptions, "command" | "args" | "cwd" | "spawn">;
  /** Model file poll interval in ms (default 1000). */
  pollMs?: number;
  /**
   * Serve a registered model instead of `modelDir` (`--model-uri`): it is fetched through the
   * tracking server into `cacheDir` and the alias polled; POST /train is off (a local push would
   * not reach the registry's alias).
   */
  registry?: Pick<RegistryFollowerOptions, "client" | "ref" | "cacheDir" | "pollMs">;
  log?: (message: string) => void;
}

export interface ServerOptions extends ServiceOptions {
  port: number;
  host: string;
  /** Slow-client limits of the listener (header/request/keep-alive timeouts; docs/serving.md). */
  listener?: ListenerLimitOptions;
}

export interface NetsecService {
  store: ModelStore;
  jobs: TrainJobs;
  /** Set when serving from the registry. */
  registry?: RegistryFollower;
  /** The app's fetch handler (what a listener calls). */
  fetch(request: Request): Response | Promise<Response>;
  /** A request without a socket: `request("/health")` (Hono's app.request). */
  request(path: string, init?: RequestInit): Response | Promise<Response>;
  /** Stop the model watcher and any training job; resolves when the job has ended. */
  stop(): Promise<void>;
}

export interface NetsecServer extends NetsecService {
  url: string;
  port: number;
  /** Requests being answered right now. */
  inFlight(): number;
  /** Stop now: listener, connections, watcher and a running training job. */
  close(): Promise<void>;
  /**
   * Graceful stop: refuse new requests, let the ones in flight finish (at most `timeoutMs`), close
   * the listener, stop the watcher and a running training job. `drained` is false when requests
   * were still running at the deadline (`inFlight` of them): the caller then exits anyway.
   */
  drain(options: { timeoutMs: number }): Promise<StopResult>;
}

export interface StopResult {
  drained: boolean;
  inFlight: number;
}

/** `netsec train --json --model-dir <dir> [--data <source>] [--artifacts <dir>]` under the npm-installed Deno. */
export function defaultTrainCommand(modelDir: string, options: { data?: string; artifacts?: string; schema?: string } = {}): Pick<TrainJobsOptions, "command" | "args" | "cwd"> {
  const root = platform.projectRoot();
  const args = ["run", "-A", "--quiet", "--config", `${root}/deno.json`, `${root}/src/cli.ts`, "train", "--json", "--model-dir", modelDir];
  if (options.data) args.push("--data", options.data);
  if (options.artifacts) args.push("--artifacts", options.artifacts);
  if (options.schema) args.push("--schema", options.schema);
  return { command: platform.denoPath(), args, cwd: platform.cwd() };
}

/** Comma-separated origins from a flag or NETSEC_CORS_ORIGINS ("" → none). */
export function parseOrigins(value: string | undefined): string[] {
  return (value ?? "").split(",").map((o) => o.trim()).filter(Boolean);
}

export async function createService(options: ServiceOptions): Promise<NetsecService> {
  const log = options.log ?? (() => {});
  const schema = options.schema ?? await loadSchema();
  if (options.registry) return await createRegistryService(options, options.registry, schema, log);
  const store = new ModelStore({ dir: options.modelDir, load: options.load, pollMs: options.pollMs, schemaHash: schema.hash, onEvent: log });
  await store.check();
  store.start();
  const jobs = new TrainJobs({
    ...(options.train ?? defaultTrainCommand(options.modelDir)),
    onFinished: (job) => {
      log(`training ${job.id} ${job.state} (exit code ${job.exitCode})`);
      void store.check();
    },
  });
  const app = createApp({ schema, store, limits: options.limits, corsOrigins: options.corsOrigins, trainToken: options.trainToken, jobs, log });
  return {
    store,
    jobs,
    fetch: (request) => app.fetch(request),
    request: (path, init) => app.request(path, init),
    async stop() {
      store.stop();
      await jobs.stop();
    },
  };
}

/** The service over a registered model: the follower fills the store; no folder watching, no /train. */
async function createRegistryService(options: ServiceOptions, registry: NonNullable<ServiceOptions["registry"]>, schema: Schema, log: (message: string) => void): Promise<NetsecService> {
  const store = new ModelStore({ dir: registry.cacheDir, load: options.load, pollMs: 0, schemaHash: schema.hash, onEvent: log });
  const follower = new RegistryFollower({ ...registry, store, load: options.load, log });
  await follower.start();
  const jobs = new TrainJobs({ ...(options.train ?? defaultTrainCommand(options.modelDir)) });
  const app = createApp({ schema, store, limits: options.limits, corsOrigins: options.corsOrigins, log, modelInfo: () => ({ ...follower.status() }) });
  return {
    store,
    jobs,
    registry: follower,
    fetch: (request) => app.fetch(request),
    request: (path, init) => app.request(path, init),
    async stop() {
      follower.stop();
      await jobs.stop();
    },
  };
}

export async function startServer(options: ServerOptions): Promise<NetsecServer> {
  const service = await createService(options);
  let server: RunningServer | undefined = await platform.serve(service.fetch, { port: options.port, hostname: options.host, limits: options.listener });
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const listening = server;
  return {
    ...service,
    url: `http://${host}:${server.port}`,
    port: server.port,
    inFlight: () => listening.inFlight(),
    async close() {
      const running = server;
      server = undefined;
      await Promise.all([service.stop(), running?.shutdown()]);
    },
    async drain({ timeoutMs }) {
      const running = server;
      server = undefined;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      const refuse = () => {
        const version = service.store.current?.version;
        const body = { ...errorBody(new HttpError(503, "STOPPING", "the server is stopping: send the request again (to another instance)")), ...(version === undefined ? {} : { modelVersion: String(version) }) };
        return new Response(JSON.stringify(body), { status: 503, headers: { "content-type": "application/json; charset=utf-8", "retry-after": "5" } });
      };
      const drained = await Promise.race([Promise.all([running?.drain(refuse), service.stop()]).then(() => true), deadline]);
      clearTimeout(timer);
      return { drained, inFlight: drained ? 0 : listening.inFlight() };
    },
  };
}
