// GET /monitor of the real service (Hono's app.request, no socket): the rows a model scored through
// /predict are compared with the reference pushed with it. The test rows as they are: no drift;
// the same rows with two features shifted on purpose: those two flagged, in JSON and on the page.
import { afterEach, describe, expect, test } from "vitest";
import { createService, type NetsecService } from "../../src/serve/server.ts";
import { loadModelFile } from "../../src/models/model-file.ts";
import { tempDir } from "../helpers/env.ts";
import { featureCsv, fittedModel, schema, shifted } from "./helpers.ts";

const m = await fittedModel();
let service: NetsecService | undefined;

async function serve(options: { reference?: boolean } = {}): Promise<NetsecService> {
  const dir = tempDir("netsec-monitor-");
  m.writeSet(dir, options);
  service = await createService({ modelDir: dir, load: (d) => loadModelFile(d, { schema }), schema, pollMs: 0 });
  return service;
}

async function predict(s: NetsecService, csv: string): Promise<void> {
  const res = await s.request("/predict", { method: "POST", headers: { "content-type": "text/csv", accept: "application/json" }, body: csv });
  expect(res.status).toBe(200);
}

afterEach(async () => {
  await service?.stop();
  service = undefined;
});

describe("GET /monitor", () => {
  test("before any request: an empty window, no verdict", async () => {
    const s = await serve();
    const res = await s.request("/monitor?format=json");
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.rows).toBe(0);
    expect(body.summary).toBe("0 rows: too few for a verdict (at least 100); no estimate");
    expect(body.model.version).toBe("1");
  });

  test("the unshifted test rows: no drift, the estimate brackets the real F1", async () => {
    const s = await serve();
    await predict(s, featureCsv(m.test));
    const body = await (await s.request("/monitor", { headers: { accept: "application/json" } })).json();
    expect(body.rows).toBe(m.test.rows);
    expect(body.drifted).toEqual([]);
    expect(body.probability.drifted).toBe(false);
    const f1 = body.estimate.metrics.find((e: { metric: string }) => e.metric === "f1");
    expect(m.reference.test.metrics.f1).toBeGreaterThanOrEqual(f1.lower);
    expect(m.reference.test.metrics.f1).toBeLessThanOrEqual(f1.upper);
    expect(body.estimate.trusted).toBe(true);
    expect(body.window).toMatchObject({ capacity: 10_000, slots: 10, seen: m.test.rows });
  });

  test("shifted features are flagged in JSON and on the page", async () => {
    const s = await serve();
    let frame = shifted(m.test, "SSLfinal_State", -1, (r) => r % 2 === 0);
    frame = shifted(frame, "URL_Length", 1, (r) => r % 3 !== 0);
    // in several requests, as traffic comes
    const csv = featureCsv(frame).trimEnd().split("\n");
    const head = csv.shift()!;
    for (let i = 0; i < csv.length; i += 500) await predict(s, [head, ...csv.slice(i, i + 500)].join("\n") + "\n");
    const body = await (await s.request("/monitor?format=json")).json();
    expect(body.drifted).toEqual(["URL_Length", "SSLfinal_State"]);
    const page = await s.request("/monitor");
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const text = await page.text();
    expect(text).toContain("drift in 2 of 30 features (URL_Length, SSLfinal_State) and in the predicted probabilities;");
    expect(text).toContain('<svg role="img" aria-label="PSI per feature"');
    expect(text).toContain('<tr class="drift"><td>SSLfinal_State</td>');
    // and as Prometheus gauges on /metrics
    const metrics = await (await s.request("/metrics")).text();
    expect(metrics).toContain(`netsec_monitor_window_rows{model_version="1"} ${m.test.rows}\n`);
    expect(metrics).toContain('netsec_monitor_drifted_features{model_version="1"} 2\n');
    expect(metrics).toContain('netsec_monitor_feature_drift{model_version="1",feature="SSLfinal_State"} 1\n');
    expect(metrics).toContain('netsec_monitor_feature_drift{model_version="1",feature="Favicon"} 0\n');
    const f1 = body.estimate.metrics.find((e: { metric: string }) => e.metric === "f1");
    expect(metrics).toContain(`netsec_monitor_estimated_performance{model_version="1",metric="f1",bound="estimate"} ${f1.value}\n`);
    expect(metrics).toContain('netsec_monitor_estimate_trusted{model_version="1"} 1\n');
  });

  test("a model pushed without a reference: 404 that says why", async () => {
    const s = await serve({ reference: false });
    const res = await s.request("/monitor?format=json");
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatchObject({
      code: "NO_REFERENCE",
      message: "the model being served (version 1) carries no monitoring reference (reference.json): it was pushed (or logged to MLflow) before netsec wrote one; push a model with `netsec train` to monitor it",
    });
    // predictions still work; /metrics has no monitoring gauges to show
    await predict(s, featureCsv(m.test));
    expect(await (await s.request("/metrics")).text()).not.toMatch(/^netsec_monitor_window_rows[{ ]/m);
  });

  test("an unknown format is a 400", async () => {
    const s = await serve();
    const res = await s.request("/monitor?format=xml");
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: "BAD_FORMAT", message: "format=xml: expected json or html" });
  });
});
