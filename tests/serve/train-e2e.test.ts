// POST /train end to end: the server starts the real `netsec train --json` (Deno subprocess) on the
// real data with the fast experiment, reports it through GET /train/{id}, and serves the model the
// run pushed once the watcher sees it (requests through the app without a socket).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelFile } from "../../src/models/model-file.ts";
import { createService, defaultTrainCommand, type NetsecService } from "../../src/serve/server.ts";
import { SHARED_DATA, tempDir } from "../helpers/env.ts";
import { featureCsv, schema } from "./helpers.ts";

const TOKEN = "e2e-token-0123456789";
const work = tempDir("netsec-train-e2e-");
const modelDir = join(work, "final_model");
let server: NetsecService;

beforeAll(async () => {
  server = await createService({
    modelDir,
    load: (dir) => loadModelFile(dir, { schema }),
    schema,
    pollMs: 100,
    trainToken: TOKEN,
    train: { ...defaultTrainCommand(modelDir, { data: SHARED_DATA, artifacts: join(work, "Artifacts") }), cwd: work },
  });
});
afterAll(() => {
  server?.stop();
});

describe("serve: POST /train runs netsec train", () => {
  it("trains in the background, reports the run, and serves the pushed model", async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const start = await server.request(`/train`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ experiment: "fast" }) });
    expect(start.status).toBe(202);
    const { id } = await start.json() as { id: string };
    let job: { state: string; exitCode?: number; result?: { runDir?: string }; error?: string };
    do {
      await new Promise((r) => setTimeout(r, 200));
      job = await (await server.request(`/train/${id}`, { headers: auth })).json();
    } while (job.state === "running");
    expect(job.error).toBeUndefined();
    expect(job).toMatchObject({ state: "succeeded", exitCode: 0 });
    expect(existsSync(job.result!.runDir!)).toBe(true);

    // The run pushed a model (first model: nothing to beat); the watcher picks it up.
    expect(existsSync(join(modelDir, "model.json"))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(modelDir, "manifest.json"), "utf8")) as { version: number };
    let health = await (await server.request(`/health`)).json();
    while (health.model.version !== String(manifest.version)) {
      await new Promise((r) => setTimeout(r, 100));
      health = await (await server.request(`/health`)).json();
    }
    const predict = await server.request(`/predict`, { method: "POST", headers: { "content-type": "text/csv" }, body: featureCsv(3) });
    expect(predict.status).toBe(200);
    expect(predict.headers.get("x-model-version")).toBe(String(manifest.version));
    expect((await predict.json()).predictions).toHaveLength(3);
  }, 180_000);
});
