/**
 * `createService`: wires schema, model store (with its watcher), background trainer and the Hono
 * app, with no listener (tests call `service.request(path, init)`, Hono's `app.request`).
 * `startServer`: the same service on `platform.serve`, used by `netsec serve` (Deno) and by the
 * tests that need a real socket (limits, slow clients, the browser).
 */
import { platform } from "../runtime/index.ts";
import type { ListenerLimitOptions, RunningServer } from "../runtime/index.ts";
import { loadSchema, type Schema } from "../schema.ts";
import { createApp, methodRefusal } from "./app.ts";
import { createExplainRunner, type ExplainRunner } from "./explain-queue.ts";
import { errorBody, HttpError } from "./http-error.ts";
import type { BodyLimits } from "./limits.ts";
import { type ModelLoader, ModelStore } from "./model-store.ts";
import { TrainJobs, type TrainJobsOptions } from "./train-jobs.ts";
import { RegistryFollower, type RegistryFollowerOptions } from "./registry-follower.ts";
import { type ModelInfoLabels, ServiceMetrics } from "./metrics.ts";
import { PredictionLog, type PredictionLogSink } from "./prediction-log.ts";

export interface ServiceOptions {
  modelDir: string;
  load: ModelLoader;
  schema?: Schema;
  /** Where `?explain=true` is computed (default: a model worker, explain-queue.ts; tests pass their own). */
  explainer?: ExplainRunner;
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
  /** Prometheus metrics at GET /metrics (default true; false = no route, nothing measured). */
  metrics?: boolean;
  /** Bearer token GET /metrics asks for (NETSEC_METRICS_TOKEN); undefined = open. */
  metricsToken?: string;
  /** Log scored rows (`--prediction-log`): a MongoDB URI, a JSONL path, or a sink. */
  predictionLog?: { sink: string | PredictionLogSink; share?: number; maxQueuedRows?: number; batchRows?: number };
  /** Bearer token of POST /feedback (NETSEC_FEEDBACK_TOKEN); undefined = disabled. */
  feedbackToken?: string;
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
  /** The Prometheus registry behind /metrics (undefined when metrics are off): add gauges to it. */
  metrics?: ServiceMetrics;
  /** The prediction log, when one is configured. */
  predictionLog?: PredictionLog;
  /** The app's fetch handler (what a listener calls). */
  fetch(request: Request): Response | Promise<Response>;
  /** A request without a socket: `request("/health")` (Hono's app.request). */
  request(path: string, init?: RequestInit): Response | Promise<Response>;
  /** The answer (405/501 JSON, request id, log line) to a method the listener cannot hand to `fetch` (TRACE, CONNECT). */
  refuseMethod(method: string, path: string): Response;
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

/** The service's metrics over `store`, `source` naming where its model comes from. */
function serviceMetrics(options: ServiceOptions, schema: Schema, store: ModelStore, source: () => string): ServiceMetrics | undefined {
  if (options.metrics === false) return undefined;
  const modelInfo = (): ModelInfoLabels | undefined => {
    const status = store.status();
    return status.loaded ? { version: status.version ?? "", sha256: status.sha256 ?? "", source: source() } : undefined;
  };
  return new ServiceMetrics({ schema, modelInfo });
}

function predictionLog(options: ServiceOptions, schema: Schema, metrics: ServiceMetrics | undefined, log: (message: string) => void): PredictionLog | undefined {
  const spec = options.predictionLog;
  if (!spec) return undefined;
  return new PredictionLog({ sink: spec.sink, schema, share: spec.share, maxQueuedRows: spec.maxQueuedRows, batchRows: spec.batchRows, registry: metrics?.registry, log });
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
  const metrics = serviceMetrics(options, schema, store, () => store.file);
  const rowLog = predictionLog(options, schema, metrics, log);
  const explainer = options.explainer ?? createExplainRunner({ log });
  const app = createApp({ schema, store, limits: options.limits, corsOrigins: options.corsOrigins, trainToken: options.trainToken, jobs, log, metrics, metricsToken: options.metricsToken, predictionLog: rowLog, feedbackToken: options.feedbackToken, explainer });
  return {
    store,
    jobs,
    metrics,
    predictionLog: rowLog,
    fetch: (request) => app.fetch(request),
    request: (path, init) => app.request(path, init),
    refuseMethod: (method, path) => methodRefusal(app.routes, method, path, log),
    async stop() {
      store.stop();
      explainer.close();
      await Promise.all([jobs.stop(), rowLog?.close()]);
    },
  };
}

/** The service over a registered model: the follower fills the store; no folder watching, no /train. */
async function createRegistryService(options: ServiceOptions, registry: NonNullable<ServiceOptions["registry"]>, schema: Schema, log: (message: string) => void): Promise<NetsecService> {
  const store = new ModelStore({ dir: registry.cacheDir, load: options.load, pollMs: 0, schemaHash: schema.hash, onEvent: log });
  const follower = new RegistryFollower({ ...registry, store, load: options.load, log });
  await follower.start();
  const jobs = new TrainJobs({ ...(options.train ?? defaultTrainCommand(options.modelDir)) });
  const metrics = serviceMetrics(options, schema, store, () => follower.status().modelUri);
  const rowLog = predictionLog(options, schema, metrics, log);
  const explainer = options.explainer ?? createExplainRunner({ log });
  const app = createApp({ schema, store, limits: options.limits, corsOrigins: options.corsOrigins, log, modelInfo: () => ({ ...follower.status() }), metrics, metricsToken: options.metricsToken, predictionLog: rowLog, feedbackToken: options.feedbackToken, explainer });
  return {
    store,
    jobs,
    metrics,
    registry: follower,
    fetch: (request) => app.fetch(request),
    request: (path, init) => app.request(path, init),
    refuseMethod: (method, path) => methodRefusal(app.routes, method, path, log),
    async stop() {
      follower.stop();
      explainer.close();
      await Promise.all([jobs.stop(), rowLog?.close()]);
    },
  };
}

export async function startServer(options: ServerOptions): Promise<NetsecServer> {
  const service = await createService(options);
  // A port that cannot be bound: stop the model watcher too, so nothing keeps running.
  let server: RunningServer | undefined = await platform.serve(service.fetch, { port: options.port, hostname: options.host, limits: options.listener, refuseMethod: service.refuseMethod }).catch(async (error) => {
    await service.stop().catch(() => undefined);
    throw error;
  });
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
