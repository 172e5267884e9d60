/**
 * /monitor for a model served from MLflow (issue 23): the pipeline's tracking logs the pushed set's
 * reference.json with the model (as `netsec train` does at push), and `netsec serve --model-uri`
 * (CLI under Deno) downloads it with the model into its cache, so /monitor answers 200 for
 * `models:/<name>@champion` and for `runs:/<run_id>/model`, with the same report as the pushed
 * set; a model logged without a reference still answers 404 NO_REFERENCE. Real MLflow 3 (the
 * shared server), nothing mocked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, tempDir } from "../helpers/env.ts";
import { createReporter } from "../../src/reporter.ts";
import { loadExperiment } from "../../src/experiment.ts";
import { startPipelineTracking } from "../../src/tracking/pipeline.ts";
import { analyzeWindow } from "../../src/monitor/analysis.ts";
import { countRows } from "../../src/monitor/window.ts";
import { mlflowUri } from "../tracking/helpers.ts";
import { featureCsv, fittedModel, schema } from "../monitor/helpers.ts";
import { registerVersion, type ServeProcess, startServe } from "./registry-helpers.ts";

const unique = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const name = `netsec-monitor-${unique}`;
const bare = `netsec-monitor-bare-${unique}`;

describe("/monitor for a model served from MLflow", () => {
  const cwd = tempDir("netsec-registry-monitor-");
  const modelDir = join(cwd, "final_model");
  const uri = mlflowUri();
  const env = { MLFLOW_TRACKING_URI: uri, MLFLOW_EXPERIMENT_NAME: `registry-monitor-${unique}` };
  let runId = "";
  const started: ServeProcess[] = [];
  let m: Awaited<ReturnType<typeof fittedModel>>;

  beforeAll(async () => {
    m = await fittedModel();
    m.writeSet(modelDir);
    const tracking = await startPipelineTracking({
      env: (n) => (env as Record<string, string>)[n],
      stateDir: join(cwd, ".netsec"),
      reporter: createReporter({ quiet: true }),
      experiment: await loadExperiment(join(ROOT, "experiments/fast.yaml")),
      schema,
      modelName: name,
    });
    const manifest = JSON.parse(readFileSync(join(modelDir, "manifest.json"), "utf8")) as { sha256: string };
    await tracking.logModel(join(modelDir, "model.json"), true, { version: 1, sha256: manifest.sha256 });
    const summary = await tracking.finish("FINISHED");
    runId = summary.runs.find((r) => r.id === tracking.parent.id)?.serverId ?? "";
    expect(runId, JSON.stringify(summary)).toMatch(/^[0-9a-f]{32}$/);
    // A model logged the old way: model.json only, no manifest, no reference.
    await registerVersion(uri, bare, modelDir, "champion");
  }, 120_000);

  afterAll(async () => {
    for (const s of started) await s.kill("SIGKILL");
  });

  /** Score the held-out rows, then GET /monitor as JSON. */
  async function monitorAfterTraffic(url: string, logs: string[]): Promise<Response> {
    const scored = await fetch(`${url}/predict`, { method: "POST", headers: { "content-type": "text/csv" }, body: featureCsv(m.test) });
    expect(scored.status, logs.join("")).toBe(200);
    await scored.arrayBuffer();
    return fetch(`${url}/monitor?format=json`);
  }

  const expectedSummary = () => analyzeWindow(m.reference, countRows(m.reference, m.test, m.score(m.test))).summary;

  for (const kind of ["models:/<name>@champion", "runs:/<run_id>/model"] as const) {
    it(`${kind}: the logged reference.json comes with the model, /monitor answers 200 with the pushed set's report`, async () => {
      const modelUri = kind.startsWith("models") ? `models:/${name}@champion` : `runs:/${runId}/model`;
      const cache = join(cwd, `cache-${kind.slice(0, 4)}`);
      const s = await startServe(["--model-uri", modelUri, "--model-cache", cache], env);
      started.push(s);
      expect(s.proc.exitCode, s.logs.join("")).toBeNull();
      const response = await monitorAfterTraffic(s.url, s.logs);
      expect(response.status, s.logs.join("")).toBe(200);
      const report = (await response.json()) as { rows: number; summary: string };
      expect(report.rows).toBe(m.test.rows);
      expect(report.summary).toBe(expectedSummary());
      const folder = kind.startsWith("models") ? join(cache, encodeURIComponent(name).replaceAll(".", "%2E"), "1") : join(cache, "runs", runId, "model");
      expect(readFileSync(join(folder, "reference.json"), "utf8")).toBe(readFileSync(join(modelDir, "reference.json"), "utf8"));
      await s.kill();
    }, 120_000);
  }

  it("a model logged without a reference: 404 NO_REFERENCE, serving unaffected", async () => {
    const s = await startServe(["--model-uri", `models:/${bare}@champion`, "--model-cache", join(cwd, "cache-bare")], env);
    started.push(s);
    const response = await monitorAfterTraffic(s.url, s.logs);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("NO_REFERENCE");
    await s.kill();
  }, 120_000);
});
