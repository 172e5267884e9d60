/**
 * GET /metrics in the Prometheus text format: the counts after known traffic (requests by route
 * pattern and status, rows, predictions by class, the probability histogram, model_info), the
 * token that restricts it, and no route at all when metrics are off. The stand-in model's
 * probabilities (toyProbability) give the expected class counts independently of the service.
 * A real Prometheus scraping `netsec serve` is in metrics-prometheus.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { FEATURES, featureCsv, rowObjects, schema, startToyService, type TestService, toyProbability } from "./helpers.ts";
import { PROBABILITY_BUCKETS } from "../../src/serve/metrics.ts";
import { sample } from "./metrics-helpers.ts";

let service: TestService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

const predictCsv = (s: TestService, rows: number, init: RequestInit = {}) => s.request("/predict", { method: "POST", headers: { "content-type": "text/csv" }, body: featureCsv(rows), ...init });

describe("GET /metrics", () => {
  it("counts requests by route pattern and status, rows, classes and probabilities, and names the model", async () => {
    service = await startToyService();
    for (let i = 0; i < 3; i++) expect((await predictCsv(service, 7)).status).toBe(200);
    expect((await service.request("/predict", { method: "POST", headers: { "content-type": "text/csv" }, body: "nope\n1\n" })).status).toBe(422);
    expect((await service.request("/health")).status).toBe(200);
    expect((await service.request("/train/abc")).status).toBe(403);
    expect((await service.request("/no/such/page")).status).toBe(404);
    const response = await service.request("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();

    expect(sample(text, "netsec_http_requests_total", { route: "/predict", method: "POST", status: "200" })).toBe(3);
    expect(sample(text, "netsec_http_requests_total", { route: "/predict", method: "POST", status: "422" })).toBe(1);
    expect(sample(text, "netsec_http_requests_total", { route: "/health", method: "GET", status: "200" })).toBe(1);
    // The pattern, not the id; an unknown path is one series whatever the path.
    expect(sample(text, "netsec_http_requests_total", { route: "/train/:id", method: "GET", status: "403" })).toBe(1);
    expect(sample(text, "netsec_http_requests_total", { route: "(unmatched)", method: "GET", status: "404" })).toBe(1);
    expect(text).not.toContain("/no/such/page");
    expect(sample(text, "netsec_http_request_duration_seconds_count", { route: "/predict", method: "POST", status: "200" })).toBe(3);
    expect(sample(text, "netsec_http_request_duration_seconds_bucket", { route: "/predict", method: "POST", status: "200", le: "+Inf" })).toBe(3);
    // The scrape itself is in progress while it is rendered.
    expect(sample(text, "netsec_http_requests_in_progress", { route: "/metrics" })).toBe(1);
    expect(sample(text, "netsec_http_requests_in_progress", { route: "/predict" })).toBe(0);

    expect(sample(text, "netsec_rows_scored_total", { model_version: "1" })).toBe(21);
    expect(sample(text, "netsec_request_predict_seconds_count", { model_version: "1" })).toBe(3);
    const probabilities = rowObjects(7).map((row) => toyProbability(FEATURES.map((f) => row[f])));
    const positive = probabilities.filter((p) => p > 0.5).length;
    expect(sample(text, "netsec_predictions_total", { class: schema.labelOf(schema.target.positive) })).toBe(3 * positive);
    expect(sample(text, "netsec_predictions_total", { class: schema.labelOf(1) })).toBe(3 * (7 - positive));
    for (const le of PROBABILITY_BUCKETS) {
      expect(sample(text, "netsec_prediction_probability_bucket", { le: String(le) })).toBe(3 * probabilities.filter((p) => p <= le).length);
    }
    expect(sample(text, "netsec_prediction_probability_sum")).toBeCloseTo(3 * probabilities.reduce((a, b) => a + b, 0), 9);

    const status = service.store.status();
    expect(sample(text, "netsec_model_info", { version: "1", sha256: status.sha256!, source: `${service.modelDir}/model.json` })).toBe(1);
  });

  it("is restricted to a bearer token when one is configured", async () => {
    service = await startToyService({ metricsToken: "s3cret-scrape" });
    const none = await service.request("/metrics");
    expect(none.status).toBe(401);
    expect((await none.json() as { error: { message: string } }).error.message).toBe("send Authorization: Bearer <token> (the value of NETSEC_METRICS_TOKEN on the server)");
    const wrong = await service.request("/metrics", { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    const right = await service.request("/metrics", { headers: { authorization: "Bearer s3cret-scrape" } });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain("netsec_model_info{");
  });

  it("off: no /metrics route", async () => {
    service = await startToyService({ metrics: false });
    expect(service.metrics).toBeUndefined();
    expect((await predictCsv(service, 2)).status).toBe(200);
    expect((await service.request("/metrics")).status).toBe(404);
  });
});
