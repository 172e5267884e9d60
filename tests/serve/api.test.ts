// Every route of the service with good input, under Node, through the app without a socket (Hono's app.request).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cell, FEATURES, featureCsv, rowObjects, schema, startToyService, type TestService, toyProbability } from "./helpers.ts";

let server: TestService;
beforeAll(async () => {
  server = await startToyService();
});
afterAll(async () => {
  await server?.close();
});

interface PredictJson {
  modelVersion: string;
  rows: number;
  predictions: { row: number; prediction: number; label: string; probability: number }[];
}

function expected(r: number): { probability: number; prediction: number } {
  const values = FEATURES.map((_, c) => cell(r, c));
  const probability = toyProbability(values);
  return { probability, prediction: probability > 0.5 ? -1 : 1 };
}

describe("serve: routes", () => {
  it("GET /health says ok with the model version", async () => {
    const response = await server.request(`/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-model-version")).toBe("1");
    expect(await response.json()).toEqual({ status: "ok", model: { loaded: true, version: "1" } });
  });

  it("GET /model gives version, metrics, schema hash and creation time", async () => {
    const response = await server.request(`/model`);
    const body = await response.json();
    expect(response.headers.get("x-model-version")).toBe("1");
    expect(body).toMatchObject({ version: "1", createdAt: "2026-11-25T00:00:01Z", schemaHash: schema.hash, metrics: { f1: 0.901 } });
    expect(body.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("POST /predict scores a text/csv body as JSON by default", async () => {
    const response = await server.request(`/predict`, { method: "POST", headers: { "content-type": "text/csv" }, body: featureCsv(5) });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-model-version")).toBe("1");
    const body = await response.json() as PredictJson;
    expect(body.modelVersion).toBe("1");
    expect(body.rows).toBe(5);
    body.predictions.forEach((p, r) => {
      expect(p.row).toBe(r + 1);
      expect(p.probability).toBeCloseTo(expected(r).probability, 6);
      expect(p.prediction).toBe(expected(r).prediction);
      expect(p.label).toBe(schema.labelOf(p.prediction));
    });
  });

  it("POST /predict?explain=true on a model without explanations: 422 naming the families that have them", async () => {
    const response = await server.request("/predict?explain=true", { method: "POST", headers: { "content-type": "text/csv" }, body: featureCsv(2) });
    expect(response.status).toBe(422);
    expect((await response.json()).error).toMatchObject({ code: "EXPLAIN_UNAVAILABLE", message: expect.stringMatching(/hist_gbt, hist_forest and logistic_regression/) });
  });

  it("POST /predict takes a multipart upload and answers CSV when asked", async () => {
    const form = new FormData();
    form.append("file", new Blob([featureCsv(4, true)], { type: "text/csv" }), "sites.csv");
    const response = await server.request(`/predict`, { method: "POST", body: form, headers: { accept: "text/csv" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(response.headers.get("x-model-version")).toBe("1");
    const lines = (await response.text()).trim().split("\n");
    expect(lines[0]).toBe([...FEATURES, "Result", "prediction", "probability"].map((h) => `"${h}"`).join(","));
    expect(lines).toHaveLength(5);
    const cells = lines[2].split(",").map(Number);
    expect(cells.slice(0, FEATURES.length)).toEqual(FEATURES.map((_, c) => cell(1, c)));
    expect(cells[FEATURES.length]).toBe(1); // the Result column is echoed, not used
    expect(cells[FEATURES.length + 1]).toBe(expected(1).prediction);
    expect(cells[FEATURES.length + 2]).toBeCloseTo(expected(1).probability, 6);
  });

  it("POST /predict takes JSON rows in three shapes and gives the same answers", async () => {
    const objects = rowObjects(3);
    const shuffled = objects.map((o) => Object.fromEntries(Object.entries(o).reverse()));
    const table = { columns: FEATURES, rows: objects.map((o) => FEATURES.map((f) => o[f])) };
    const answers: PredictJson[] = [];
    for (const body of [objects, shuffled, table]) {
      const response = await server.request(`/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(response.status).toBe(200);
      answers.push(await response.json() as PredictJson);
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    const single = await server.request(`/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(objects[2]) });
    expect((await single.json() as PredictJson).predictions[0]).toEqual({ ...answers[0].predictions[2], row: 1 });
  });

  it("missing values (null, empty, na) are accepted", async () => {
    const row: Record<string, number | null | string> = rowObjects(1)[0];
    row[FEATURES[0]] = null;
    row[FEATURES[1]] = "na";
    const response = await server.request(`/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([row]) });
    expect(response.status).toBe(200);
    const csv = featureCsv(1).replace(/\n-?\d,/, "\n,");
    const fromCsv = await server.request(`/predict`, { method: "POST", headers: { "content-type": "text/csv" }, body: csv });
    expect(fromCsv.status).toBe(200);
  });

  it("answers an HTML table for Accept: text/html, phishing rows marked", async () => {
    const response = await server.request(`/predict`, { method: "POST", headers: { "content-type": "text/csv", accept: "text/html" }, body: featureCsv(6) });
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("x-model-version")).toBe("1");
    const html = await response.text();
    expect(html.match(/<tr[ >]/g)).toHaveLength(7);
    const phishing = [0, 1, 2, 3, 4, 5].filter((r) => expected(r).prediction === -1).length;
    expect(html.match(/class="positive"/g)?.length ?? 0).toBe(phishing);
  });

  it("honours Accept q-values", async () => {
    const response = await server.request(`/predict`, { method: "POST", headers: { "content-type": "text/csv", accept: "text/html;q=0.5, text/csv;q=0.9" }, body: featureCsv(1) });
    expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
  });

  it("GET /openapi.json describes every route", async () => {
    const response = await server.request(`/openapi.json`);
    const doc = await response.json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual(["/", "/docs", "/feedback", "/health", "/metrics", "/model", "/monitor", "/openapi.json", "/predict", "/train", "/train/{id}"]);
    expect(doc.components.schemas.Row.required).toEqual(FEATURES);
  });

  it("GET /docs and GET / are self-contained pages (no external scripts or styles)", async () => {
    for (const path of ["/docs", "/"]) {
      const response = await server.request(path);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      const html = await response.text();
      expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet|https?:\/\/(?!127\.0\.0\.1)/);
    }
    expect(await (await server.request(`/docs`)).text()).toContain("/predict");
  });

  it("unknown routes are a JSON 404 and CORS is off by default", async () => {
    const response = await server.request(`/nope`, { headers: { origin: "http://evil.example" } });
    expect(response.status).toBe(404);
    expect((await response.json()).error.message).toContain("no route GET /nope");
    const preflight = await server.request(`/predict`, { method: "OPTIONS", headers: { origin: "http://evil.example", "access-control-request-method": "POST" } });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    await preflight.body?.cancel();
  });
});

describe("serve: CORS when origins are configured", () => {
  it("allows only the configured origins", async () => {
    const cors = await startToyService({ corsOrigins: ["http://app.example"] });
    try {
      const ok = await cors.request(`/predict`, { method: "OPTIONS", headers: { origin: "http://app.example", "access-control-request-method": "POST" } });
      expect(ok.headers.get("access-control-allow-origin")).toBe("http://app.example");
      const other = await cors.request(`/health`, { headers: { origin: "http://evil.example" } });
      expect(other.headers.get("access-control-allow-origin")).toBeNull();
      await Promise.all([ok.body?.cancel(), other.body?.cancel()]);
    } finally {
      await cors.close();
    }
  });
});

describe("serve: no model yet", () => {
  it("answers 503 with what to do, then serves the model once it is pushed", async () => {
    const { tempDir } = await import("../helpers/env.ts");
    const { writeToyModel } = await import("./helpers.ts");
    const dir = `${tempDir("netsec-serve-empty-")}/final_model`;
    const empty = await startToyService({ modelDir: dir });
    try {
      const health = await empty.request(`/health`);
      expect(health.status).toBe(503);
      expect((await health.json()).status).toBe("no-model");
      const predict = await empty.request(`/predict`, { method: "POST", headers: { "content-type": "text/csv" }, body: featureCsv(1) });
      expect(predict.status).toBe(503);
      expect((await predict.json()).error.message).toContain("netsec train");
      writeToyModel(dir, 3);
      await empty.store.check();
      expect((await (await empty.request(`/health`)).json()).model.version).toBe("3");
    } finally {
      await empty.close();
    }
  });
});
