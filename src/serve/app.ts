/**
 * The HTTP service on Hono: routes only; parsing, limits, formats, model swap and training live in
 * their own files. Web-standard `fetch` handler, so it serves under Deno (the CLI) and Node (tests)
 * through `platform.serve`.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { cors } from "hono/cors";
import { excerpt, isNetsecError, quoted } from "../errors.ts";
import type { Schema } from "../schema.ts";
import { errorBody, HttpError } from "./http-error.ts";
import { type BodyLimits, DEFAULT_LIMITS, readBody, TurnGate } from "./limits.ts";
import type { ModelStore, ServingModel } from "./model-store.ts";
import { readPredictInput } from "./input.ts";
import { csvBody, htmlBody, jsonBody, negotiate } from "./output.ts";
import { parseThreshold } from "../models/model-file.ts";
import { requireBearer } from "./auth.ts";
import type { TrainJobs, TrainRequest } from "./train-jobs.ts";
import { openApiDocument } from "./openapi.ts";
import { indexPage } from "./pages/index-page.ts";
import { docsPage } from "./pages/docs-page.ts";
import { ServedMonitor } from "../monitor/served.ts";
import { monitorResponse } from "./monitor-route.ts";

export interface AppOptions {
  schema: Schema;
  store: ModelStore;
  limits?: Partial<BodyLimits>;
  /** Origins allowed by CORS; empty = no CORS headers at all. */
  corsOrigins?: string[];
  /** Bearer token for /train; undefined = training over HTTP disabled. */
  trainToken?: string;
  /** Background trainer; undefined = /train answers 403 (disabled). */
  jobs?: TrainJobs;
  appVersion?: string;
  log?: (message: string) => void;
  /** Where the model comes from, shown in /model (the registry: name, version, alias, last check). */
  modelInfo?: () => Record<string, unknown>;
  /** One line per request (method, path, status, ms, rows, request id); default: `log`. */
  accessLog?: (line: string) => void;
  /** Rolling windows of scored rows for /monitor (default: 10 000 rows per model). */
  monitor?: ServedMonitor;
}

export type Env = { Variables: { requestId: string; rows: number } };

const ID_PREFIX = Math.random().toString(36).slice(2, 8);
let idCounter = 0;

/** A request id unique in this process's log: `<random per process>-<counter>`. */
function nextRequestId(): string {
  idCounter += 1;
  return `${ID_PREFIX}-${idCounter.toString(36)}`;
}

const JSON_TYPE = "application/json; charset=utf-8";
const PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data: blob:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": JSON_TYPE, ...headers } });
}

function requireModel(store: ModelStore): ServingModel {
  const model = store.current;
  if (!model) {
    throw new HttpError(503, "NO_MODEL", `no model is loaded yet (${store.status().lastError ?? `waiting for ${store.file}`}): run \`netsec train\` to push one; the server picks it up by itself`);
  }
  return model;
}

/** A path that tries to climb out (`..`, also percent-encoded) is refused before routing. */
function climbs(url: string): boolean {
  const path = url.replace(/^[a-z]+:\/\/[^/]*/i, "").split("?")[0];
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch { /* keep the raw path */ }
  return /(^|[/\\])\.\.([/\\]|$)/.test(decoded) || /%2e%2e/i.test(path);
}

export function createApp(options: AppOptions): Hono<Env> {
  const { schema, store } = options;
  const limits: BodyLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const gate = new TurnGate(limits.maxConcurrentLarge, limits.maxQueuedLarge);
  const log = options.log ?? (() => {});
  const access = options.accessLog ?? options.log;
  const doc = openApiDocument(schema, options.appVersion ?? "0.1.0");
  const app = new Hono<Env>();
  const monitor = options.monitor ?? new ServedMonitor();

  // One access-log line per request, with the id that a 500's body and error log line carry.
  app.use("*", async (c, next) => {
    const started = performance.now();
    const id = nextRequestId();
    c.set("requestId", id);
    await next();
    c.res.headers.set("x-request-id", id);
    if (access) {
      const rows = c.get("rows");
      access(`${c.req.method} ${excerpt(c.req.path, 200)} ${c.res.status} ${(performance.now() - started).toFixed(1)}ms rows=${rows ?? "-"} id=${id}`);
    }
  });
  app.use("*", async (c, next) => {
    if (climbs(c.req.raw.url)) throw new HttpError(400, "BAD_PATH", "paths with '..' are refused");
    await next();
    const version = store.current?.version;
    const headers = c.res.headers;
    if (!headers.has("x-model-version") && version !== undefined) headers.set("x-model-version", String(version));
    headers.set("x-content-type-options", "nosniff");
    // Pages are self-contained: inline script/style, requests only back to this server.
    if (headers.get("content-type")?.startsWith("text/html")) headers.set("content-security-policy", PAGE_CSP);
  });
  if (options.corsOrigins?.length) {
    app.use("*", cors({ origin: options.corsOrigins, allowHeaders: ["content-type", "authorization", "accept"], exposeHeaders: ["x-model-version"], allowMethods: ["GET", "POST", "OPTIONS"] }));
  }

  // Refusals say which model was serving too (the header carries it as well).
  const versioned = (body: { error: Record<string, unknown> }) => {
    const version = store.current?.version;
    return version === undefined ? body : { ...body, modelVersion: String(version) };
  };
  app.onError((error, c: Context<Env>) => {
    if (error instanceof HttpError) return json(versioned(errorBody(error)), error.status, error.status === 503 ? { "retry-after": "1" } : {});
    if (isNetsecError(error) && (error.code === "PREDICT_INVALID" || error.code === "DATA_INVALID" || error.code === "EXPLAIN_UNAVAILABLE")) {
      return json(versioned({ error: { status: 422, code: error.code, message: error.message, ...error.location } }), 422);
    }
    // Anything else is ours: the client gets an id to quote, the log gets the details.
    const id = c.get("requestId") ?? nextRequestId();
    log(`error ${id} on ${c.req.method} ${excerpt(c.req.path, 200)}: ${(error as Error)?.stack ?? String(error)}`);
    return json(versioned({ error: { status: 500, code: "INTERNAL", message: `internal error (request id ${id}; the details are in the server log)`, requestId: id } }), 500);
  });
  app.notFound((c) => json(versioned({ error: { status: 404, code: "NOT_FOUND", message: `no route ${excerpt(c.req.method, 20)} ${excerpt(c.req.path, 100)} (see /docs)` } }), 404));

  app.get("/", () => new Response(indexPage(schema), { headers: { "content-type": "text/html; charset=utf-8" } }));
  app.get("/docs", () => new Response(docsPage(doc), { headers: { "content-type": "text/html; charset=utf-8" } }));
  app.get("/openapi.json", () => json(doc));

  app.get("/health", () => {
    const status = store.status();
    return json({ status: status.loaded ? "ok" : "no-model", model: { loaded: status.loaded, version: status.version } }, status.loaded ? 200 : 503);
  });

  app.get("/model", () => {
    const model = requireModel(store);
    const status = store.status();
    const origin = options.modelInfo?.();
    return json({
      ...(origin ? { name: origin.name, alias: origin.alias } : {}),
      version: String(model.version),
      createdAt: model.createdAt,
      schemaHash: model.schemaHash,
      metrics: model.metrics,
      threshold: model.threshold ?? null,
      explainable: model.explainable ?? false,
      sha256: status.sha256,
      loadedAt: status.loadedAt,
      ...(origin ? { registry: origin } : { file: store.file }),
    }, 200, { "x-model-version": String(model.version) });
  });

  app.post("/predict", async (c) => {
    // Take the model once: a hot swap during this request does not change who answers it.
    const model = requireModel(store);
    const version = String(model.version);
    const format = negotiate(c.req.header("accept") ?? null);
    // ?threshold=<0…1> overrides the model's decision threshold; ?explain=true adds contributions.
    const thresholdText = c.req.query("threshold");
    const threshold = parseThreshold(thresholdText);
    if (thresholdText !== undefined && threshold === undefined) throw new HttpError(400, "BAD_THRESHOLD", `threshold=${quoted(thresholdText)}: expected a number in [0, 1] (the probability of ${schema.labelOf(schema.target.positive)} from which a row is flagged)`, { value: excerpt(thresholdText), expected: "a number in [0, 1]" });
    const explainText = c.req.query("explain");
    if (explainText !== undefined && !["true", "false", "1", "0", ""].includes(explainText)) throw new HttpError(400, "BAD_EXPLAIN", `explain=${quoted(explainText)}: expected true or false`, { value: excerpt(explainText), expected: "true or false" });
    const explain = explainText === "true" || explainText === "1" || explainText === "";
    if (explain && (!model.explainFrame || model.explainable === false)) throw new HttpError(422, "EXPLAIN_UNAVAILABLE", "the model being served has no per-prediction explanations (they exist for hist_gbt, hist_forest and logistic_regression)");
    // Large bodies take turns (bounded memory); small ones (single rows) never wait.
    let release: (() => void) | undefined;
    try {
      const { input, features, lines } = await readPredictInput(c.req.raw, schema, limits, async () => {
        release = await gate.acquire();
      });
      c.set("rows", features.rows);
      const scores = model.predictGrouped(features, { threshold });
      monitor.record(model, store.referenceOf(model), features, scores.probability, scores.group);
      const extras = { threshold: threshold ?? model.threshold, explanation: explain ? model.explainFrame!(features) : undefined, features: schema.featureNames };
      const headers = { "x-model-version": version };
      if (format === "csv") return new Response(csvBody(input, scores, lines, extras) as BodyInit, { headers: { ...headers, "content-type": "text/csv; charset=utf-8" } });
      if (format === "html") return new Response(htmlBody(input, scores, schema, version), { headers: { ...headers, "content-type": "text/html; charset=utf-8" } });
      return new Response(jsonBody(scores, schema, version, extras), { headers: { ...headers, "content-type": JSON_TYPE } });
    } finally {
      release?.();
    }
  });

  app.get("/monitor", (c) => monitorResponse(c.req.raw, requireModel(store), store, monitor));

  app.post("/train", async (c) => {
    await requireBearer(c.req.raw, options.trainToken);
    if (!options.jobs) throw new HttpError(403, "TRAIN_DISABLED", "training over HTTP is not available on this server");
    let request: TrainRequest = {};
    const type = c.req.header("content-type");
    if (type && c.req.header("content-length") !== "0") {
      const bytes = await readBody(c.req.raw, { ...limits, maxBytes: 64 * 1024 }).catch((error) => {
        if (error instanceof HttpError && error.code === "EMPTY_BODY") return undefined;
        throw error;
      });
      if (bytes) {
        if (!type.toLowerCase().startsWith("application/json")) throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", "POST /train takes an empty body or application/json {\"experiment\": \"<name>\"}");
        try {
          request = JSON.parse(new TextDecoder().decode(bytes)) as TrainRequest;
        } catch (error) {
          throw new HttpError(400, "MALFORMED_JSON", `the body is not valid JSON: ${(error as Error).message}`);
        }
        if (!request || typeof request !== "object" || Array.isArray(request)) throw new HttpError(400, "JSON_SHAPE", "expected {\"experiment\": \"<name>\"}");
      }
    }
    const job = options.jobs.start({ experiment: request.experiment });
    log(`training ${job.id} started`);
    return json(job, 202, { location: `/train/${job.id}` });
  });

  app.get("/train/:id", async (c) => {
    await requireBearer(c.req.raw, options.trainToken);
    const job = options.jobs?.get(c.req.param("id"));
    if (!job) throw new HttpError(404, "NOT_FOUND", `no training run with id ${c.req.param("id")} (ids are kept in memory until the server restarts)`);
    return json(job);
  });

  return app;
}
