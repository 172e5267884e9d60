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
import { checkExplainCost, precheckExplainCost } from "./explain-slices.ts";
import { createExplainRunner, type ExplainRunner } from "./explain-queue.ts";
import { csvBody, htmlBody, jsonBody, negotiate } from "./output.ts";
import { parseThreshold } from "../models/model-file.ts";
import { requireBearer, requireTokenIfSet } from "./auth.ts";
import { matchedRoutes } from "hono/route";
import type { ServiceMetrics } from "./metrics.ts";
import type { PredictionLog } from "./prediction-log.ts";
import { recordFeedback } from "./feedback.ts";
import type { TrainJobs, TrainRequest } from "./train-jobs.ts";
import { openApiDocument } from "./openapi.ts";
import { indexPage } from "./pages/index-page.ts";
import { docsPage } from "./pages/docs-page.ts";
import { ServedMonitor } from "../monitor/served.ts";
import { monitorResponse } from "./monitor-route.ts";
import { registerMonitorMetrics } from "./monitor-metrics.ts";

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
  /** Prometheus metrics (GET /metrics); undefined = no /metrics route, nothing measured. */
  metrics?: ServiceMetrics;
  /** Bearer token GET /metrics asks for (NETSEC_METRICS_TOKEN); undefined = open. */
  metricsToken?: string;
  /** Where scored rows are logged (off the request path); undefined = not logged, /feedback 409. */
  predictionLog?: PredictionLog;
  /** Bearer token of POST /feedback (NETSEC_FEEDBACK_TOKEN); undefined = /feedback disabled (403). */
  feedbackToken?: string;
  /** Rolling windows of scored rows for /monitor (default: 10 000 rows per model). */
  monitor?: ServedMonitor;
  /** Where `?explain=true` is computed (default: a model worker, explain-queue.ts). */
  explainer?: ExplainRunner;
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

/** Methods HTTP itself defines (RFC 9110 § 9, PATCH from RFC 5789): any other is 501 Not Implemented. */
const STANDARD_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"]);

/** Methods a path of `app` answers (GET brings HEAD), or undefined when no route has that path. */
export function allowedMethods(routes: readonly { path: string; method: string }[], path: string): string[] | undefined {
  const methods = new Set<string>();
  for (const route of routes) {
    if (route.method === "ALL" || route.path.includes("*")) continue;
    const pattern = new RegExp(`^${route.path.split("/").map((part) => (part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))).join("/")}$`);
    if (pattern.test(path)) methods.add(route.method);
  }
  if (methods.has("GET")) methods.add("HEAD");
  return methods.size ? [...methods].sort() : undefined;
}

/** Status, body and headers for `method` on `path` when no route answers it: 405 (known path), 501 (method HTTP does not define) or 404. */
function refusalOf(routes: readonly { path: string; method: string }[], method: string, path: string, id: string): { status: number; body: { error: Record<string, unknown> }; headers: Record<string, string> } {
  const shown = excerpt(method, 20);
  const allowed = allowedMethods(routes, path);
  const standard = STANDARD_METHODS.has(method.toUpperCase());
  const [status, code, message] = !standard
    ? [501, "METHOD_NOT_IMPLEMENTED", `method ${shown} is not implemented by this server (${allowed ? `${excerpt(path, 100)} answers ${allowed.join(", ")}` : "it answers GET, HEAD and POST"}; see /docs)`]
    : allowed
      ? [405, "METHOD_NOT_ALLOWED", `${excerpt(path, 100)} answers ${allowed.join(", ")}, not ${shown} (see /docs)`]
      : [404, "NOT_FOUND", `no route ${shown} ${excerpt(path, 100)} (see /docs)`];
  return { status, body: { error: { status, code, message, requestId: id } }, headers: status === 405 && allowed ? { allow: allowed.join(", ") } : {} };
}

/**
 * The refusal of a method the listener cannot hand to the app: a web `Request` cannot carry TRACE,
 * CONNECT or TRACK (the fetch standard forbids them), so they never reach the routes. The same
 * answer as the app's (405 on a known path, else 501; JSON, a request id) and an access-log line.
 */
export function methodRefusal(routes: readonly { path: string; method: string }[], method: string, path: string, log?: (line: string) => void): Response {
  const id = nextRequestId();
  const r = refusalOf(routes, method, path, id);
  log?.(`${excerpt(method, 20)} ${excerpt(path, 200)} ${r.status} 0.0ms rows=- id=${id}`);
  return json(r.body, r.status, { ...r.headers, "x-request-id": id, "x-content-type-options": "nosniff" });
}

export function createApp(options: AppOptions): Hono<Env> {
  const { schema, store } = options;
  const limits: BodyLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const gate = new TurnGate(limits.maxConcurrentLarge, limits.maxQueuedLarge);
  // One explanation at a time, on a model worker (or a slice at a time on this thread where no
  // worker runs); the others wait their turn (a few), then 503 BUSY.
  const explainGate = new TurnGate(1, limits.maxQueuedExplain, "explanations");
  const explainer = options.explainer ?? createExplainRunner({ log: options.log });
  const log = options.log ?? (() => {});
  const access = options.accessLog ?? options.log;
  const doc = openApiDocument(schema, options.appVersion ?? "0.1.0");
  const app = new Hono<Env>();
  const metrics = options.metrics;

  // Requests by route pattern (never the raw path: bounded labels), method and status.
  if (metrics) {
    app.use("*", async (c, next) => {
      const route = matchedRoutes(c).findLast((r) => r.method !== "ALL")?.path ?? "(unmatched)";
      const done = metrics.startRequest(route, c.req.method);
      try {
        await next();
      } finally {
        done(c.res.status);
      }
    });
  }
  const monitor = options.monitor ?? new ServedMonitor();
  if (metrics) {
    registerMonitorMetrics(metrics.registry, () => {
      const model = store.current;
      const reference = model && store.referenceOf(model);
      return model && reference ? { version: String(model.version), report: monitor.report(model, reference) } : undefined;
    });
  }

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
  app.notFound((c) => {
    // A path that exists with other methods: 405 with Allow (OPTIONS: 204 with Allow); a method HTTP does not define: 501.
    const allowed = allowedMethods(app.routes, c.req.path);
    if (allowed && c.req.method.toUpperCase() === "OPTIONS") return new Response(null, { status: 204, headers: { allow: [...allowed, "OPTIONS"].join(", ") } });
    const r = refusalOf(app.routes, c.req.method, c.req.path, c.get("requestId"));
    if (r.status === 404) delete r.body.error.requestId; // as before: a plain 404 (the id is in the header)
    return json(versioned(r.body), r.status, r.headers);
  });

  app.get("/", () => new Response(indexPage(schema, { feedback: Boolean(options.feedbackToken && options.predictionLog) }), { headers: { "content-type": "text/html; charset=utf-8" } }));
  app.get("/docs", () => new Response(docsPage(doc), { headers: { "content-type": "text/html; charset=utf-8" } }));
  app.get("/openapi.json", () => json(doc));

  app.get("/health", () => {
    const status = store.status();
    return json({ status: status.loaded ? "ok" : "no-model", model: { loaded: status.loaded, version: status.version } }, status.loaded ? 200 : 503);
  });

  if (metrics) {
    app.get("/metrics", async (c) => {
      await requireTokenIfSet(c.req.raw, options.metricsToken, "NETSEC_METRICS_TOKEN");
      const { body, contentType } = await metrics.render();
      return new Response(body, { headers: { "content-type": contentType } });
    });
  }

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
      // Far over the explanation cap: refused before scoring (distinct rows counted up to the cap).
      if (explain) precheckExplainCost(model, features, limits.maxExplainCost);
      const scoring = performance.now();
      const scores = model.predictGrouped(features, { threshold });
      metrics?.observePredictions(version, (performance.now() - scoring) / 1000, scores);
      options.predictionLog?.offer(c.get("requestId"), version, features, scores);
      monitor.record(model, store.referenceOf(model), features, scores.probability, scores.group);
      // Explanations: cost-capped before any work, then computed off the event loop; they stop when the client leaves.
      if (explain) checkExplainCost(model, scores.distinct, limits.maxExplainCost);
      let explanation: Awaited<ReturnType<ExplainRunner["explain"]>> | undefined;
      if (explain) {
        const done = await explainGate.acquire();
        try {
          explanation = await explainer.explain(model, features, scores, c.req.raw.signal);
        } finally {
          done();
        }
      }
      const extras = { threshold: threshold ?? model.threshold, explanation, features: schema.featureNames };
      const headers = { "x-model-version": version };
      if (format === "csv") return new Response(await csvBody(input, scores, lines, extras) as BodyInit, { headers: { ...headers, "content-type": "text/csv; charset=utf-8" } });
      if (format === "html") return new Response(htmlBody(input, scores, schema, version), { headers: { ...headers, "content-type": "text/html; charset=utf-8" } });
      return new Response(await jsonBody(scores, schema, version, extras), { headers: { ...headers, "content-type": JSON_TYPE } });
    } finally {
      release?.();
    }
  });

  app.post("/feedback", async (c) => {
    if (!options.feedbackToken) throw new HttpError(403, "FEEDBACK_DISABLED", "feedback over HTTP is disabled: start the server with NETSEC_FEEDBACK_TOKEN set (clients then send Authorization: Bearer <token>) and --prediction-log");
    await requireTokenIfSet(c.req.raw, options.feedbackToken, "NETSEC_FEEDBACK_TOKEN");
    const { status, ...outcome } = await recordFeedback(c.req.raw, schema, limits, options.predictionLog);
    return json(outcome, status);
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
