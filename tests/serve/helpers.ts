/**
 * Shared setup of the serving tests: contract-valid rows, the service without a socket
 * (`startToyService`: requests go through Hono's `app.request`) or, for the tests that need a real
 * listener (limits, slow clients, the browser), a server on 127.0.0.1 port 0, and a
 * small stand-in model file for the route tests (the real model files are exercised in
 * real-model.test.ts through `loadModelFile`). The stand-in scores rows with a fixed logistic
 * function, so tests can check the numbers the service returns.
 */
import { mkdirSync, renameSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadSchema, type Schema } from "../../src/schema.ts";
import type { Frame } from "../../src/data/frame.ts";
import type { ServingModel } from "../../src/serve/model-store.ts";
import { createService, type NetsecServer, type NetsecService, type ServerOptions, type ServiceOptions, startServer } from "../../src/serve/server.ts";
import { tempDir } from "../helpers/env.ts";

export const schema: Schema = await loadSchema();
export const FEATURES = schema.featureNames;

/** Row r, column c of a deterministic contract-valid data set. */
export function cell(r: number, c: number): number {
  const allowed = schema.features[c].allowed!;
  return allowed[(r * 7 + c * 3 + ((r * c) % 5)) % allowed.length];
}

export function rowObjects(n: number): Record<string, number>[] {
  return Array.from({ length: n }, (_, r) => Object.fromEntries(FEATURES.map((f, c) => [f, cell(r, c)])));
}

export function featureCsv(n: number, withTarget = false): string {
  const header = [...FEATURES, ...(withTarget ? [schema.target.name] : [])].map((h) => `"${h}"`).join(",");
  const lines = Array.from({ length: n }, (_, r) => [...FEATURES.map((_, c) => cell(r, c)), ...(withTarget ? [r % 2 ? 1 : -1] : [])].join(","));
  return `${header}\n${lines.join("\n")}\n`;
}

/** The stand-in model's P(phishing) for a features row: logistic of a fixed weighted sum. */
export function toyProbability(values: ArrayLike<number>, offset = 0, bias = 0): number {
  let z = bias;
  for (let c = 0; c < FEATURES.length; c++) {
    const v = values[offset + c];
    z -= (Number.isNaN(v) ? 0 : v) * ((c % 3) - 1 + 0.5);
  }
  return 1 / (1 + Math.exp(-z));
}

/** Write final_model/model.json for the stand-in model atomically (temp file + rename). */
export function writeToyModel(dir: string, version: number, bias = 0): void {
  mkdirSync(dir, { recursive: true });
  const body = JSON.stringify({ format: "toy", version, bias, createdAt: `2026-11-25T00:00:0${version % 10}Z`, schemaHash: schema.hash, metrics: { f1: 0.9 + version / 1000 } });
  const temp = join(dir, `model.json.tmp-${version}`);
  writeFileSync(temp, body);
  renameSync(temp, join(dir, "model.json"));
}

export async function toyLoader(dir: string): Promise<ServingModel> {
  const file = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as { format: string; version: number; bias: number; createdAt: string; schemaHash: string; metrics: Record<string, number> };
  if (file.format !== "toy") throw new Error(`not a toy model: ${file.format}`);
  return {
    version: file.version,
    createdAt: file.createdAt,
    schemaHash: file.schemaHash,
    metrics: file.metrics,
    predictGrouped(frame: Frame) {
      // Every row is its own group: the stand-in has no row cache.
      const width = frame.columns.length;
      const probability = new Float64Array(frame.rows);
      const prediction = new Int8Array(frame.rows);
      for (let r = 0; r < frame.rows; r++) {
        probability[r] = toyProbability(frame.values, r * width, file.bias);
        prediction[r] = probability[r] > 0.5 ? schema.target.positive : 1;
      }
      return { prediction, probability, group: Uint32Array.from({ length: frame.rows }, (_, r) => r), distinct: frame.rows };
    },
  };
}

export interface TestServer extends NetsecServer {
  modelDir: string;
}

export interface TestService extends NetsecService {
  modelDir: string;
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** Either the in-process service or a real server: what `expectHealthy` talks to. */
export type Target = { request(path: string, init?: RequestInit): Response | Promise<Response> } | { url: string };

function send(target: Target, path: string, init?: RequestInit): Promise<Response> {
  return "url" in target ? fetch(`${target.url}${path}`, init) : Promise.resolve(target.request(path, init));
}

function toyModelDir(options: { modelDir?: string }): string {
  const modelDir = options.modelDir ?? join(tempDir("netsec-serve-"), "final_model");
  if (!options.modelDir) writeToyModel(modelDir, 1);
  return modelDir;
}

/** The service over a fresh model folder holding stand-in version 1, without a socket. */
export async function startToyService(options: Partial<ServiceOptions> = {}): Promise<TestService> {
  const modelDir = toyModelDir(options);
  const service = await createService({ modelDir, load: toyLoader, schema, pollMs: 0, ...options });
  return {
    ...service,
    modelDir,
    request: async (path, init) => await service.request(path, init),
    close: async () => service.stop(),
  };
}

/** A server on 127.0.0.1:0 over a fresh model folder holding stand-in version 1. */
export async function startToyServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const modelDir = toyModelDir(options);
  const server = await startServer({ port: 0, host: "127.0.0.1", modelDir, load: toyLoader, schema, pollMs: 0, ...options });
  return { ...server, modelDir };
}

/** The service still works: /health answers and a good /predict is scored. */
export async function expectHealthy(target: Target): Promise<void> {
  const health = await send(target, "/health");
  if (health.status !== 200) throw new Error(`/health answered ${health.status}`);
  await health.body?.cancel();
  const predict = await send(target, "/predict", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rowObjects(2)) });
  if (predict.status !== 200) throw new Error(`/predict answered ${predict.status}: ${await predict.text()}`);
  const body = await predict.json() as { predictions: unknown[] };
  if (body.predictions.length !== 2) throw new Error(`/predict gave ${body.predictions.length} predictions for 2 rows`);
}
