/** `netsec serve`: the HTTP service over the pushed model (see docs/serving.md). */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import { defaultTrainCommand, parseOrigins, startServer, type ServiceOptions } from "../serve/server.ts";
import { DEFAULT_REGISTRY_POLL_MS } from "../serve/registry-follower.ts";
import { parseModelUri } from "../tracking/registry-model.ts";
import { MlflowClient } from "../tracking/mlflow.ts";
import { resolveTrackingConfig } from "../tracking/config.ts";
import { type Command, optionString } from "./command.ts";

function numberOption(value: string | undefined, name: string, min: number, max: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < min || n > max) {
    throw new NetsecError("USAGE", `netsec serve: --${name} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** The registry side of `--model-uri`: the URI, a client of the configured tracking server, the cache folder. */
async function registryOptions(modelUri: string, pollMs: number, cache: string | undefined): Promise<NonNullable<ServiceOptions["registry"]>> {
  const ref = parseModelUri(modelUri);
  const config = resolveTrackingConfig((name) => platform.env(name));
  if (!config) throw new NetsecError("USAGE", `netsec serve --model-uri ${modelUri}: set MLFLOW_TRACKING_URI (or the DagsHub variables) to the tracking server that holds the registry`);
  // Short calls: a poll that cannot get through gives up in seconds and the current model serves on.
  const client = new MlflowClient(config.uri, config.auth, { timeoutMs: 10_000, totalMs: 20_000, retries: 2 });
  const cacheDir = cache ?? await platform.makeTempDir("netsec-registry-");
  return { client, ref, cacheDir, pollMs };
}

export const serveCommand: Command = {
  name: "serve",
  summary: "serve the pushed model over HTTP: upload page, /predict, /train, /health, /model, /docs",
  options: [
    { name: "port", value: "<n>", description: "TCP port (0 = any free port)", default: "8000" },
    { name: "host", value: "<address>", description: "Address to listen on (0.0.0.0 for all interfaces)", default: "127.0.0.1" },
    { name: "model-dir", value: "<dir>", description: "Folder holding model.json; watched for new pushes (default: final_model)" },
    { name: "model-uri", value: "models:/<name>@<alias>", description: "Serve a registered model instead (or models:/<name>/<version>), fetched through MLFLOW_TRACKING_URI" },
    { name: "registry-poll-s", value: "<n>", description: "With --model-uri and an alias: how often to check where the alias points", default: String(DEFAULT_REGISTRY_POLL_MS / 1000) },
    { name: "model-cache", value: "<dir>", description: "With --model-uri: where fetched versions are kept (default: a new temporary folder)" },
    { name: "max-body-mb", value: "<n>", description: "Largest accepted request body in MB (413 above)", default: "64" },
    { name: "cors-origin", value: "<origins>", description: "Comma-separated origins allowed by CORS (default: NETSEC_CORS_ORIGINS, else CORS off)" },
    { name: "body-timeout-s", value: "<n>", description: "Seconds a client may take to send a body (408 after)", default: "60" },
    { name: "train-data", value: "<csv|arff|mongodb uri>", description: "Data for POST /train (passed to netsec train --data; default: its own default)" },
    { name: "watch-ms", value: "<n>", description: "How often to check the model folder for a new model (0 = never)", default: "1000" },
  ],
  details: `
Training over HTTP (POST /train) is enabled only when NETSEC_TRAIN_TOKEN is set; clients send
"Authorization: Bearer <token>". A model pushed to --model-dir while the server runs is picked up
without a restart; requests in flight finish on the model they started with.

--model-uri models:/netsec-phishing@champion serves the version the alias names, downloaded
through the tracking server of MLFLOW_TRACKING_URI (credentials as for netsec train) and checked
against the sha256 its run recorded; the alias is checked every --registry-poll-s seconds and a
new version is swapped in the same way. Unreachable registry at start: exit 1; later: the last
good model keeps serving and /model shows the error. /train is off in this mode.`,
  async run({ args, reporter }) {
    const port = numberOption(optionString(args, "port"), "port", 0, 65535);
    const maxMb = numberOption(optionString(args, "max-body-mb"), "max-body-mb", 0.001, 4096);
    const bodySeconds = numberOption(optionString(args, "body-timeout-s"), "body-timeout-s", 1, 3600);
    const pollMs = numberOption(optionString(args, "watch-ms"), "watch-ms", 0, 3_600_000);
    const host = optionString(args, "host") ?? "127.0.0.1";
    const modelUri = optionString(args, "model-uri");
    if (modelUri && optionString(args, "model-dir")) throw new NetsecError("USAGE", "netsec serve: give --model-dir or --model-uri, not both");
    const modelDir = optionString(args, "model-dir") ?? "final_model";
    const registry = modelUri ? await registryOptions(modelUri, numberOption(optionString(args, "registry-poll-s"), "registry-poll-s", 0, 86_400) * 1000, optionString(args, "model-cache")) : undefined;
    const corsOrigins = parseOrigins(optionString(args, "cors-origin") ?? platform.env("NETSEC_CORS_ORIGINS"));
    const trainToken = platform.env("NETSEC_TRAIN_TOKEN") || undefined;
    // Loaded on use, so the other commands start without the model families.
    const { loadModelFile } = await import("../models/model-file.ts");
    const server = await startServer({
      port,
      host,
      modelDir,
      load: (dir) => loadModelFile(dir),
      limits: { maxBytes: Math.round(maxMb * 1024 * 1024), totalTimeoutMs: bodySeconds * 1000, idleTimeoutMs: Math.min(10_000, bodySeconds * 1000) },
      corsOrigins,
      trainToken,
      train: defaultTrainCommand(modelDir, { data: optionString(args, "train-data") }),
      pollMs,
      registry,
      log: (message) => reporter.info(`netsec serve: ${message}`),
    });
    const origin = registry
      ? `${modelUri} from ${registry.client.uri}, version ${server.registry?.status().version}; POST /train disabled`
      : `model dir ${modelDir}; POST /train ${trainToken ? "enabled" : "disabled: NETSEC_TRAIN_TOKEN not set"}`;
    reporter.info(`netsec serve: listening on ${server.url} (${origin}; CORS ${corsOrigins.length ? corsOrigins.join(", ") : "off"})`);
    await new Promise<never>(() => {});
    return 0;
  },
};
