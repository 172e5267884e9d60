/** The OpenAPI 3.1 description of the service (served at /openapi.json and rendered at /docs). */
import type { Schema } from "../schema.ts";

const error = { $ref: "#/components/responses/Error" };

/** What the feature values are: the allowed sets when every feature has one (e.g. {-1, 0, 1}), else "numbers". */
function valuesText(schema: Schema): string {
  const sets = new Set(schema.features.map((f) => (f.allowed ? `{${[...f.allowed].sort((a, b) => a - b).join(", ")}}` : "")));
  if (!sets.has("")) return `values ${[...sets].join(" or ")}`;
  return sets.size === 1 ? "numbers" : "numbers; some columns allow only listed values";
}

export function openApiDocument(schema: Schema, version: string): Record<string, unknown> {
  const featureProps = Object.fromEntries(
    [...schema.features.map((f) => [f.name, f.allowed] as const), [schema.target.name, schema.target.allowed] as const].map(([name, allowed]) => [
      name,
      { type: ["number", "null"], ...(allowed ? { enum: [...allowed, null] } : {}) },
    ]),
  );
  const versionHeader = { "x-model-version": { description: "Version of the model that answered", schema: { type: "string" } } };
  return {
    openapi: "3.1.0",
    info: {
      title: "netsec serving API",
      version,
      description: `${schema.name === "phishing-websites" ? "Phishing-website classifier" : `Classifier of the data contract "${schema.name}"`}. Input rows carry the ${schema.featureNames.length} features of the data contract "${schema.name}" (${valuesText(schema)}; null or empty = missing); the target column ${schema.target.name} is optional and ignored for prediction. \`prediction\` uses the target's values (${schema.target.allowed.map((v) => `${v} = ${schema.labelOf(v)}`).join(", ")}); \`probability\` is the probability of ${schema.labelOf(schema.target.positive)}. Row numbers in errors are 1-based data rows (0 = the header / column list).`,
    },
    paths: {
      "/predict": {
        post: {
          summary: "Score rows",
          description: `CSV (text/csv body, or a multipart/form-data field named \`file\`) or JSON rows. The answer format follows Accept: application/json (default), text/csv (input columns + prediction + probability) or text/html (a table). A row is predicted ${schema.labelOf(schema.target.positive)} when its probability is ≥ the model's threshold (GET /model), or \`threshold\` when given. With \`explain=true\` every row also gets its per-feature contributions (JSON: \`contributions\`; CSV: \`contribution:<feature>\` columns and \`contribution:base\`): base + the contributions = the model's raw output for ${schema.labelOf(schema.target.positive)} (log-odds for hist_gbt and logistic_regression, probability for hist_forest; \`explanation.output\` says which).`,
          parameters: [
            { name: "threshold", in: "query", required: false, description: `Flag a row as ${schema.labelOf(schema.target.positive)} when its probability is ≥ this (default: the model's threshold)`, schema: { type: "number", minimum: 0, maximum: 1 } },
            { name: "explain", in: "query", required: false, description: "Add each row's per-feature contributions (TreeSHAP for tree models, exact linear terms for logistic regression)", schema: { type: "boolean" } },
          ],
          requestBody: {
            required: true,
            content: {
              "text/csv": { schema: { type: "string" }, example: `${schema.featureNames.join(",")}\n${schema.featureNames.map(() => "1").join(",")}\n` },
              "multipart/form-data": { schema: { type: "object", properties: { file: { type: "string", format: "binary" } }, required: ["file"] } },
              "application/json": {
                schema: {
                  oneOf: [
                    { type: "array", items: { $ref: "#/components/schemas/Row" } },
                    { $ref: "#/components/schemas/Row" },
                    { type: "object", properties: { columns: { type: "array", items: { type: "string" } }, rows: { type: "array", items: { type: "array", items: { type: ["number", "null"] } } } }, required: ["columns", "rows"] },
                  ],
                },
              },
            },
          },
          responses: {
            200: {
              description: "Predictions, one per input row, in input order",
              headers: versionHeader,
              content: {
                "application/json": { schema: { $ref: "#/components/schemas/Predictions" } },
                "text/csv": { schema: { type: "string" } },
                "text/html": { schema: { type: "string" } },
              },
            },
            400: error, 408: error, 413: error, 415: error, 422: error, 503: error,
          },
        },
      },
      "/health": { get: { summary: "Liveness and whether a model is loaded", responses: { 200: { description: "Serving", content: { "application/json": { schema: { type: "object" } } } }, 503: error } } },
      "/model": { get: { summary: "The model being served: version, metrics, schema hash, created", responses: { 200: { description: "Model metadata", headers: versionHeader, content: { "application/json": { schema: { $ref: "#/components/schemas/Model" } } } }, 503: error } } },
      "/train": {
        post: {
          summary: "Start a training run in the background (one at a time)",
          description: "Disabled (403) unless the server has NETSEC_TRAIN_TOKEN set. Optional JSON body {\"experiment\": \"<name in experiments/>\"}.",
          security: [{ bearer: [] }],
          requestBody: { required: false, content: { "application/json": { schema: { type: "object", properties: { experiment: { type: "string" } } } } } },
          responses: { 202: { description: "Started", content: { "application/json": { schema: { $ref: "#/components/schemas/TrainJob" } } } }, 401: error, 403: error, 409: error },
        },
      },
      "/train/{id}": {
        get: {
          summary: "Status and metrics of a training run",
          security: [{ bearer: [] }],
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: { 200: { description: "The job", content: { "application/json": { schema: { $ref: "#/components/schemas/TrainJob" } } } }, 401: error, 403: error, 404: error },
        },
      },
      "/metrics": { get: { summary: "Prometheus metrics (text format 0.0.4): requests, latency, rows, predictions by class, model_info", description: "Open unless the server has NETSEC_METRICS_TOKEN set; absent with --no-metrics.", security: [{}, { bearer: [] }], responses: { 200: { description: "Prometheus text exposition format", content: { "text/plain": { schema: { type: "string" } } } }, 401: error } } },
      "/monitor": { get: { summary: "Drift of the rows the served model scored (last ≤ 10 000) against its reference, and its performance estimated without labels (CBPE)", description: "HTML page with the drift chart, or JSON with Accept: application/json or ?format=json (docs/monitoring.md).", parameters: [{ name: "format", in: "query", required: false, schema: { type: "string", enum: ["json", "html"] } }], responses: { 200: { description: "The monitoring report", content: { "application/json": { schema: { type: "object" } }, "text/html": { schema: { type: "string" } } } }, 400: error, 404: error, 503: error } } },
      "/feedback": {
        post: {
          summary: "Mark served predictions right or wrong (next to the logged rows)",
          description: "Disabled (403) unless the server has NETSEC_FEEDBACK_TOKEN set; needs --prediction-log (else 409). Body: one item or an array; request_id is the x-request-id of the /predict answer, row its 1-based row; give label (true class) or correct.",
          security: [{ bearer: [] }],
          requestBody: { required: true, content: { "application/json": { schema: { oneOf: [{ $ref: "#/components/schemas/Feedback" }, { type: "array", items: { $ref: "#/components/schemas/Feedback" } }] } } } },
          responses: { 200: { description: "Marked", content: { "application/json": { schema: { type: "object", properties: { marked: { type: "integer" }, unknown: { type: "array" } } } } } }, 401: error, 403: error, 404: error, 409: error, 422: error },
        },
      },
      "/openapi.json": { get: { summary: "This document", responses: { 200: { description: "OpenAPI 3.1" } } } },
      "/docs": { get: { summary: "This document as a page", responses: { 200: { description: "HTML" } } } },
      "/": { get: { summary: "Upload page: score a CSV in the browser", responses: { 200: { description: "HTML" } } } },
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Row: { type: "object", properties: featureProps, required: schema.featureNames, additionalProperties: false },
        Predictions: {
          type: "object",
          properties: {
            modelVersion: { type: "string" },
            rows: { type: "integer" },
            threshold: { type: "number" },
            explanation: { type: "object", properties: { output: { type: "string" }, base: { type: "number" }, sumsTo: { type: "string" } } },
            predictions: { type: "array", items: { type: "object", properties: { row: { type: "integer" }, prediction: { type: "number", enum: schema.target.allowed }, label: { type: "string" }, probability: { type: "number" }, contributions: { type: "object", additionalProperties: { type: "number" } } } } },
          },
        },
        Model: { type: "object", properties: { version: { type: "string" }, createdAt: { type: "string" }, schemaHash: { type: "string" }, sha256: { type: "string" }, metrics: { type: "object" }, threshold: { type: ["number", "null"] }, explainable: { type: "boolean" } } },
        Feedback: { type: "object", properties: { request_id: { type: "string" }, row: { type: "integer", minimum: 1 }, label: { oneOf: [{ type: "number", enum: schema.target.allowed }, { type: "string", enum: schema.target.allowed.map((v) => schema.labelOf(v)) }] }, correct: { type: "boolean" } }, required: ["request_id", "row"], additionalProperties: false },
        TrainJob: { type: "object", properties: { id: { type: "string" }, state: { enum: ["running", "succeeded", "failed"] }, startedAt: { type: "string" }, finishedAt: { type: "string" }, exitCode: { type: "integer" }, result: { type: "object" }, error: { type: "string" } } },
        Error: { type: "object", properties: { error: { type: "object", properties: { status: { type: "integer" }, code: { type: "string" }, message: { type: "string" }, row: { type: "integer" }, column: { type: "string" }, value: { type: "string" }, expected: { type: "string" }, problems: { type: "array" } }, required: ["status", "code", "message"] } } },
      },
      responses: { Error: { description: "A refusal; `message` names the row and column when there is one", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } } },
    },
  };
}
