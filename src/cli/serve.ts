/** `netsec serve`: the HTTP service over the pushed model (see docs/serving.md). */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import { defaultTrainCommand, parseOrigins, startServer } from "../serve/server.ts";
import { type Command, optionString } from "./command.ts";

function numberOption(value: string | undefined, name: string, min: number, max: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < min || n > max) {
    throw new NetsecError("USAGE", `netsec serve: --${name} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export const serveCommand: Command = {
  name: "serve",
  summary: "serve the pushed model over HTTP: upload page, /predict, /train, /health, /model, /docs",
  options: [
    { name: "port", value: "<n>", description: "TCP port (0 = any free port)", default: "8000" },
    { name: "host", value: "<address>", description: "Address to listen on (0.0.0.0 for all interfaces)", default: "127.0.0.1" },
    { name: "model-dir", value: "<dir>", description: "Folder holding model.json; watched for new pushes", default: "final_model" },
    { name: "max-body-mb", value: "<n>", description: "Largest accepted request body in MB (413 above)", default: "64" },
    { name: "cors-origin", value: "<origins>", description: "Comma-separated origins allowed by CORS (default: NETSEC_CORS_ORIGINS, else CORS off)" },
    { name: "body-timeout-s", value: "<n>", description: "Seconds a client may take to send a body (408 after)", default: "60" },
    { name: "header-timeout-s", value: "<n>", description: "Seconds a client may take to send the request line and headers (408 and closed after; checked every second)", default: "10" },
    { name: "train-data", value: "<csv|arff|mongodb uri>", description: "Data for POST /train (passed to netsec train --data; default: its own default)" },
    { name: "watch-ms", value: "<n>", description: "How often to check the model folder for a new model (0 = never)", default: "1000" },
  ],
  details: `
Training over HTTP (POST /train) is enabled only when NETSEC_TRAIN_TOKEN is set; clients send
"Authorization: Bearer <token>". A model pushed to --model-dir while the server runs is picked up
without a restart; requests in flight finish on the model they started with.`,
  async run({ args, reporter }) {
    const port = numberOption(optionString(args, "port"), "port", 0, 65535);
    const maxMb = numberOption(optionString(args, "max-body-mb"), "max-body-mb", 0.001, 4096);
    const bodySeconds = numberOption(optionString(args, "body-timeout-s"), "body-timeout-s", 1, 3600);
    const pollMs = numberOption(optionString(args, "watch-ms"), "watch-ms", 0, 3_600_000);
    const headerSeconds = numberOption(optionString(args, "header-timeout-s"), "header-timeout-s", 0.1, 3600);
    const host = optionString(args, "host") ?? "127.0.0.1";
    const modelDir = optionString(args, "model-dir") ?? "final_model";
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
      // The whole request (headers + body) gets the body timeout plus the header timeout.
      listener: { headerTimeoutMs: headerSeconds * 1000, requestTimeoutMs: (bodySeconds + headerSeconds) * 1000 + 1000, checkIntervalMs: Math.min(1000, headerSeconds * 1000) },
      log: (message) => reporter.info(`netsec serve: ${message}`),
    });
    reporter.info(`netsec serve: listening on ${server.url} (model dir ${modelDir}; POST /train ${trainToken ? "enabled" : "disabled: NETSEC_TRAIN_TOKEN not set"}; CORS ${corsOrigins.length ? corsOrigins.join(", ") : "off"})`);
    await new Promise<never>(() => {});
    return 0;
  },
};
