/** `netsec serve`: the HTTP service over the pushed model (see docs/serving.md). */
import { platform } from "../runtime/index.ts";
import type { StopSignal } from "../runtime/index.ts";
import { denoFlags, servePermissions } from "../runtime/deno-permissions.ts";
import type { PermissionSet } from "../runtime/platform.ts";
import { NetsecError } from "../errors.ts";
import { defaultTrainCommand, parseOrigins, startServer, type ServiceOptions } from "../serve/server.ts";
import { DEFAULT_REGISTRY_POLL_MS } from "../serve/registry-follower.ts";
import { parseModelUri } from "../tracking/registry-model.ts";
import { MlflowClient } from "../tracking/mlflow.ts";
import { resolveTrackingConfig } from "../tracking/config.ts";
import { type Command, optionFlag, optionString } from "./command.ts";
import { isMongoUri } from "../data/mongo-uri.ts";
import { predictionLogTarget } from "../serve/prediction-log-sinks.ts";
import { schemaFromArgs, schemaOption } from "./schema-option.ts";

const STOP_SIGNALS: StopSignal[] = ["SIGTERM", "SIGINT", "SIGHUP"];

/** Stop signals as they arrive, from the moment it is created (none is lost between two waits). */
function signalQueue(): { next(): Promise<StopSignal>; close(): void } {
  const arrived: StopSignal[] = [];
  let wake: (() => void) | undefined;
  const close = platform.onSignal(STOP_SIGNALS, (signal) => {
    arrived.push(signal);
    wake?.();
  });
  return {
    async next() {
      while (!arrived.length) await new Promise<void>((resolve) => (wake = resolve));
      return arrived.shift()!;
    },
    close,
  };
}

export function absolute(path: string): string {
  return path.startsWith("/") ? path : `${platform.cwd()}/${path.replace(/^\.\//, "")}`;
}

export interface ServePermissionInput {
  modelDir: string;
  host: string;
  port: number;
  train: boolean;
  registry?: { cacheDir: string; hosts: string[] };
  /** --schema: the contract file it reads. */
  schema?: string;
  rowLog?: { write?: string; hosts?: string[] };
}

/** What the prediction log's worker reads besides src/ (which serving always reads): the npm packages it imports (the MongoDB driver). */
function workerCode(): string[] {
  return [`${platform.projectRoot()}/node_modules`];
}

/**
 * The Deno permissions `netsec serve` needs with these options (docs/serving.md, "Permissions"):
 * what it checks at start, and what bin/netsec grants it (src/cli/serve-flags.ts).
 */
export function neededPermissions(options: ServePermissionInput): PermissionSet {
  const { registry } = options;
  // --model-uri: the tracking server (and DagsHub's user API) on the network; versions are
  // downloaded into the model cache, the one folder it writes.
  const base = servePermissions({
    root: platform.projectRoot(),
    modelDir: absolute(registry ? registry.cacheDir : options.modelDir),
    host: options.host,
    port: options.port,
    trainCommand: options.train ? platform.denoPath() : undefined,
    netHosts: [...registry?.hosts ?? [], ...options.rowLog?.hosts ?? []],
    // The prediction log's worker loads its modules from the project (code, no data).
    readPaths: [...options.schema ? [absolute(options.schema)] : [], ...options.rowLog ? workerCode() : []],
  });
  // The prediction log: its MongoDB hosts (net, above) or its JSONL file (write).
  const writes = [...registry ? [absolute(registry.cacheDir)] : [], ...options.rowLog?.write ? [absolute(options.rowLog.write)] : []];
  return writes.length ? { ...base, write: writes } : base;
}

/** The hosts `--model-uri` talks to: the tracking server, and DagsHub's user API when its token is used. */
export function trackingHosts(config: NonNullable<ReturnType<typeof resolveTrackingConfig>>): string[] {
  return [...new Set([new URL(config.uri).host, ...(config.auth.kind === "dagshub" ? [new URL(config.auth.host).host] : [])])];
}

/** What `--prediction-log` needs: the MongoDB hosts, or the JSONL file it writes. */
export function rowLogNeeds(logSpec: string | undefined): ServePermissionInput["rowLog"] {
  return logSpec ? (isMongoUri(logSpec) ? { hosts: predictionLogTarget(logSpec).hosts.split(",") } : { write: logSpec }) : undefined;
}

/**
 * Under Deno: refuse to start without the permissions serving needs (a clear message instead of a
 * failure at the first request), drop those it never needs even when started with --allow-all
 * (write, FFI; run unless POST /train is on), and say what it runs with.
 */
function checkPermissions(options: ServePermissionInput): string {
  const permissions = platform.permissions;
  if (!permissions) return "permissions: those of the process (Node)";
  const { registry } = options;
  const needed = neededPermissions(options);
  const writes = needed.write;
  const missing = permissions.missing(needed);
  if (missing.length) {
    throw new NetsecError("USAGE", `netsec serve: Deno was started without ${missing.join(" ")}; serving needs ${denoFlags(needed).join(" ")} (docs/serving.md, "Permissions")`);
  }
  const all = permissions.unrestricted();
  if (!writes.length) permissions.revoke("write");
  permissions.revoke("ffi");
  if (!options.train) permissions.revoke("run");
  const kept = [...registry ? ["the model cache"] : [], ...options.rowLog?.write ? ["the prediction log"] : []];
  const dropped = `${kept.length ? "" : "write, "}FFI${options.train ? "" : " and run"} revoked${kept.length ? ` (write kept: ${kept.join(", ")})` : ""}`;
  return all
    ? `permissions: started with --allow-all: ${dropped}; read, net and env stay unrestricted (docs/serving.md, "Permissions", narrows them)`
    : `permissions: has what serving needs (${denoFlags(needed).join(" ")}); ${dropped}`;
}

function numberOption(value: string | undefined, name: string, min: number, max: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < min || n > max) {
    throw new NetsecError("USAGE", `netsec serve: --${name} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** A listener that could not bind (port in use, port needing privileges) as one line saying what to do; undefined for any other error. */
export function listenRefusal(error: unknown, host: string, port: number): NetsecError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "EADDRINUSE") {
    return new NetsecError("PORT_IN_USE", `port ${port} on ${host} is already in use (another netsec serve, or another program); pick another with --port <n>, or --port 0 for any free port`, { cause: error });
  }
  if (code === "EACCES") {
    return new NetsecError("PORT_IN_USE", `port ${port} on ${host} needs privileges this process does not have; pick a port from 1024 up with --port <n>, or --port 0 for any free port`, { cause: error });
  }
  if (code === "EADDRNOTAVAIL") {
    return new NetsecError("USAGE", `--host ${host}: no network interface of this machine has that address; give one of its addresses (127.0.0.1, or 0.0.0.0 for all)`, { cause: error });
  }
  return undefined;
}

/** The registry side of `--model-uri`: the URI, a client of the configured tracking server, the cache folder. */
async function registryOptions(modelUri: string, pollMs: number, cache: string | undefined): Promise<NonNullable<ServiceOptions["registry"]> & { hosts: string[] }> {
  const ref = parseModelUri(modelUri);
  const config = resolveTrackingConfig((name) => platform.env(name));
  if (!config) throw new NetsecError("USAGE", `netsec serve --model-uri ${modelUri}: set MLFLOW_TRACKING_URI (or the DagsHub variables) to the tracking server that holds the registry`);
  // Short calls: a poll that cannot get through gives up in seconds and the current model serves on.
  const client = new MlflowClient(config.uri, config.auth, { timeoutMs: 10_000, totalMs: 20_000, retries: 2 });
  // bin/netsec creates the cache before Deno starts when none is given (it grants write to that one folder).
  const given = cache ?? (platform.env("NETSEC_MODEL_CACHE") || undefined);
  const cacheDir = given ?? await platform.makeTempDir("netsec-registry-");
  if (given) await platform.mkdir(given);
  return { client, ref, cacheDir, pollMs, hosts: trackingHosts(config) };
}

export const serveCommand: Command = {
  name: "serve",
  summary: "serve the pushed model over HTTP: upload page, /predict, /train, /health, /model, /docs",
  options: [
    { name: "port", value: "<n>", description: "TCP port (0 = any free port)", default: "8000" },
    { name: "host", value: "<address>", description: "Address to listen on (0.0.0.0 for all interfaces)", default: "127.0.0.1" },
    { name: "model-dir", value: "<dir>", description: "Folder holding model.json; watched for new pushes (default: final_model)" },
    schemaOption,
    { name: "model-uri", value: "models:/<name>@<alias>", description: "Serve a registered model instead (or models:/<name>/<version>, or runs:/<run_id>/<path> on DagsHub), fetched through MLFLOW_TRACKING_URI" },
    { name: "registry-poll-s", value: "<n>", description: "With --model-uri and an alias: how often to check where the alias points", default: String(DEFAULT_REGISTRY_POLL_MS / 1000) },
    { name: "model-cache", value: "<dir>", description: "With --model-uri: where fetched versions are kept (default: a new temporary folder)" },
    { name: "max-body-mb", value: "<n>", description: "Largest accepted request body in MB (413 above)", default: "64" },
    { name: "max-explain-cost", value: "<n>", description: "Most work of one /predict?explain=true request, distinct rows × trees (422 above)", default: "200000" },
    { name: "cors-origin", value: "<origins>", description: "Comma-separated origins allowed by CORS (default: NETSEC_CORS_ORIGINS, else CORS off)" },
    { name: "body-timeout-s", value: "<n>", description: "Seconds a client may take to send a body (408 after)", default: "60" },
    { name: "header-timeout-s", value: "<n>", description: "Seconds a client may take to send the request line and headers (408 and closed after; checked every second)", default: "10" },
    { name: "train-data", value: "<csv|arff|mongodb uri>", description: "Data for POST /train (passed to netsec train --data; default: its own default)" },
    { name: "watch-ms", value: "<n>", description: "How often to check the model folder for a new model (0 = never)", default: "1000" },
    { name: "prediction-log", value: "<mongodb uri | file.jsonl>", description: "Log scored rows (request id, row, model version, features, probability) to mongodb://host/db.collection or a JSONL file, off the request path; needed by POST /feedback" },
    { name: "prediction-log-share", value: "<0..1>", description: "Share of scored rows logged (sampled per row)", default: "1" },
    { name: "no-metrics", description: "Do not measure requests nor answer GET /metrics (by default open; NETSEC_METRICS_TOKEN restricts it to a bearer token)" },
    { name: "shutdown-timeout-s", value: "<n>", description: "On SIGTERM/SIGINT/SIGHUP: how long requests in flight may take to finish", default: "8" },
  ],
  details: `
Training over HTTP (POST /train) is enabled only when NETSEC_TRAIN_TOKEN is set; clients send
"Authorization: Bearer <token>". A model pushed to --model-dir while the server runs is picked up
without a restart; requests in flight finish on the model they started with.

--model-uri models:/netsec-phishing@champion serves the version the alias names, downloaded
through the tracking server of MLFLOW_TRACKING_URI (credentials as for netsec train) and checked
against the sha256 its run recorded; the alias is checked every --registry-poll-s seconds and a
new version is swapped in the same way. Unreachable registry at start: exit 1; later: the last
good model keeps serving and /model shows the error. /train is off in this mode.
--model-uri runs:/<run_id>/model serves the model a run logged (DagsHub's MLflow has no
registry), checked the same way, never polled. What the registry answers is checked: positive
version numbers of the model asked for, size caps, redirects within the tracking server only.

SIGTERM, SIGINT or SIGHUP stops the server gracefully: new requests get 503, requests in
flight finish (up to --shutdown-timeout-s), a running training job is stopped; exit code 0, or 1
when requests were still running at the deadline or a second signal came.`,
  async run({ args, reporter }) {
    const port = numberOption(optionString(args, "port"), "port", 0, 65535);
    const maxMb = numberOption(optionString(args, "max-body-mb"), "max-body-mb", 0.001, 4096);
    const maxExplainCost = numberOption(optionString(args, "max-explain-cost"), "max-explain-cost", 1, 1e12);
    const bodySeconds = numberOption(optionString(args, "body-timeout-s"), "body-timeout-s", 1, 3600);
    const pollMs = numberOption(optionString(args, "watch-ms"), "watch-ms", 0, 3_600_000);
    const headerSeconds = numberOption(optionString(args, "header-timeout-s"), "header-timeout-s", 0.1, 3600);
    const shutdownSeconds = numberOption(optionString(args, "shutdown-timeout-s"), "shutdown-timeout-s", 0, 3600);
    const host = optionString(args, "host") ?? "127.0.0.1";
    const modelUri = optionString(args, "model-uri");
    if (modelUri && optionString(args, "model-dir")) throw new NetsecError("USAGE", "netsec serve: give --model-dir or --model-uri, not both");
    const modelDir = optionString(args, "model-dir") ?? "final_model";
    const registry = modelUri ? await registryOptions(modelUri, numberOption(optionString(args, "registry-poll-s"), "registry-poll-s", 0, 86_400) * 1000, optionString(args, "model-cache")) : undefined;
    const corsOrigins = parseOrigins(optionString(args, "cors-origin") ?? platform.env("NETSEC_CORS_ORIGINS"));
    const trainToken = platform.env("NETSEC_TRAIN_TOKEN") || undefined;
    const logSpec = optionString(args, "prediction-log");
    const logShare = numberOption(optionString(args, "prediction-log-share") ?? "1", "prediction-log-share", 0.000001, 1);
    const rowLog = rowLogNeeds(logSpec);
    const schemaPath = optionString(args, "schema");
    const permissionNote = checkPermissions({ modelDir, host, port, train: !registry && trainToken !== undefined, schema: schemaPath, registry: registry && { cacheDir: registry.cacheDir, hosts: registry.hosts }, rowLog });
    // Listen for stop signals before anything else: as PID 1 in a container a signal without a
    // handler is ignored, elsewhere it kills the process on the spot.
    const signals = signalQueue();
    // Loaded on use, so the other commands start without the model families.
    const { loadModelFile } = await import("../models/model-file.ts");
    // What the service says while it starts waits until it listens: a port in use is then the only line.
    const early: string[] = [];
    let log = (message: string): void => void early.push(message);
    const schema = await schemaFromArgs(args);
    const server = await startServer({
      port,
      host,
      modelDir,
      schema,
      load: (dir) => loadModelFile(dir, { schema }),
      limits: { maxBytes: Math.round(maxMb * 1024 * 1024), maxExplainCost, totalTimeoutMs: bodySeconds * 1000, idleTimeoutMs: Math.min(10_000, bodySeconds * 1000) },
      corsOrigins,
      trainToken,
      train: defaultTrainCommand(modelDir, { data: optionString(args, "train-data"), schema: schemaPath && absolute(schemaPath) }),
      pollMs,
      // The whole request (headers + body) gets the body timeout plus the header timeout.
      listener: { headerTimeoutMs: headerSeconds * 1000, requestTimeoutMs: (bodySeconds + headerSeconds) * 1000 + 1000, checkIntervalMs: Math.min(1000, headerSeconds * 1000) },
      registry,
      metrics: !optionFlag(args, "no-metrics"),
      metricsToken: platform.env("NETSEC_METRICS_TOKEN") || undefined,
      predictionLog: logSpec ? { sink: logSpec, share: logShare } : undefined,
      feedbackToken: platform.env("NETSEC_FEEDBACK_TOKEN") || undefined,
      log: (message) => log(message),
    }).catch((error) => {
      const refused = listenRefusal(error, host, port);
      if (refused) throw refused;
      for (const message of early) reporter.info(`netsec serve: ${message}`);
      throw error;
    });
    log = (message) => reporter.info(`netsec serve: ${message}`);
    for (const message of early) log(message);
    const origin = registry
      ? `${modelUri} from ${registry.client.uri}, version ${server.registry?.status().version}; POST /train disabled`
      : `model dir ${modelDir}; POST /train ${trainToken ? "enabled" : "disabled: NETSEC_TRAIN_TOKEN not set"}`;
    reporter.info(`netsec serve: ${permissionNote}`);
    if (server.predictionLog) reporter.info(`netsec serve: prediction log: ${server.predictionLog.description}${logShare < 1 ? ` (${logShare * 100} % of rows)` : ""}; POST /feedback ${platform.env("NETSEC_FEEDBACK_TOKEN") ? "enabled" : "disabled: NETSEC_FEEDBACK_TOKEN not set"}`);
    reporter.info(`netsec serve: listening on ${server.url} (${origin}; CORS ${corsOrigins.length ? corsOrigins.join(", ") : "off"})`);
    const signal = await signals.next();
    const inFlight = server.inFlight();
    reporter.info(`netsec serve: ${signal}: stopping (new requests refused; ${inFlight} request${inFlight === 1 ? "" : "s"} in flight, waiting up to ${shutdownSeconds} s)`);
    const outcome = await Promise.race([server.drain({ timeoutMs: shutdownSeconds * 1000 }), signals.next()]);
    signals.close();
    if (typeof outcome === "string") {
      reporter.info(`netsec serve: second signal (${outcome}): stopping now`);
      return 1;
    }
    if (!outcome.drained) {
      reporter.info(`netsec serve: ${outcome.inFlight} request${outcome.inFlight === 1 ? "" : "s"} still running after ${shutdownSeconds} s: closing ${outcome.inFlight === 1 ? "it" : "them"}`);
      return 1;
    }
    reporter.info("netsec serve: stopped");
    return 0;
  },
};
