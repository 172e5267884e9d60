/**
 * One expensive request (issue 22): `POST /predict?explain=true` with many distinct rows blocked
 * e43ac1e's server (/health unanswered for seconds) and went on after the client hung up. Now the
 * cost (distinct rows × trees) is capped with a coded 422, the explanation is computed in slices
 * that yield (the same numbers as in one piece), /health is answered while one runs, and a client
 * that hangs up stops the work. Under Node (no `platform.createWorker`) the service uses these
 * slices on the serving thread, the fallback of explain-queue.ts; the model worker the CLI uses is
 * tested in explain-worker.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { loadModelFile, type LoadedModel } from "../../src/models/model-file.ts";
import { parseCsvText } from "../../src/serve/csv-body.ts";
import { explainInSlices, explainTrees } from "../../src/serve/explain-slices.ts";
import { createService, type NetsecServer, type NetsecService, startServer } from "../../src/serve/server.ts";
import type { ServingModel } from "../../src/serve/model-store.ts";
import type { Frame } from "../../src/data/frame.ts";
import { tempDir } from "../helpers/env.ts";
import { FEATURES, schema } from "./helpers.ts";
import { writeRealModel } from "./real-model.ts";

/** `n` rows of allowed values drawn with a seeded generator: nearly all distinct (3^30 combinations). */
function randomCsv(n: number, seed = 7, copies = 1): string {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const lines: string[] = [];
  for (let r = 0; r < n; r++) {
    const line = schema.features.map((f) => f.allowed![Math.floor(next() * f.allowed!.length)]).join(",");
    for (let k = 0; k < copies; k++) lines.push(line);
  }
  return `${FEATURES.join(",")}\n${lines.join("\n")}\n`;
}

const TREES = 10;
const dir = join(tempDir("netsec-explain-bounds-"), "final_model");
let model: LoadedModel;

beforeAll(async () => {
  await writeRealModel(dir, 1, TREES);
  model = await loadModelFile(dir, { schema });
}, 120_000);

describe("the cost cap: distinct rows × trees", () => {
  let service: NetsecService;
  beforeAll(async () => {
    service = await createService({ modelDir: dir, load: (d) => loadModelFile(d, { schema }), schema, pollMs: 0, limits: { maxExplainCost: 50 * TREES } });
  });
  afterAll(async () => service?.stop());
  const post = (csv: string, query = "?explain=true") => service.request(`/predict${query}`, { method: "POST", headers: { "content-type": "text/csv" }, body: csv });

  it("over the cap: 422 EXPLAIN_TOO_COSTLY naming cost, cap and how many rows fit; without explain the same rows are scored", async () => {
    expect(explainTrees(model)).toBe(TREES);
    const csv = randomCsv(51);
    const r = await post(csv);
    expect(r.status).toBe(422);
    expect(await r.json()).toEqual({
      error: {
        status: 422,
        code: "EXPLAIN_TOO_COSTLY",
        message: `explaining 51 distinct rows with ${TREES} trees costs ${51 * TREES} (distinct rows × trees), over this server's cap of ${50 * TREES}: send at most 50 distinct rows with explain=true (the rest without it), or start the server with a larger --max-explain-cost`,
        cost: 51 * TREES, limit: 50 * TREES, distinctRows: 51, trees: TREES, maxDistinctRows: 50,
      },
      modelVersion: "1",
    });
    expect((await post(csv, "")).status).toBe(200);
  });

  it("far over the cap: refused before scoring, after counting distinct rows only up to the cap", async () => {
    let scored = 0;
    const counted = await createService({
      modelDir: dir, schema, pollMs: 0, limits: { maxExplainCost: 50 * TREES },
      load: async (d) => {
        const m = await loadModelFile(d, { schema });
        return { ...m, predictGrouped: (f: Frame, o?: { threshold?: number }) => (scored++, m.predictGrouped(f, o)) };
      },
    });
    try {
      const r = await counted.request("/predict?explain=true", { method: "POST", headers: { "content-type": "text/csv" }, body: randomCsv(5000) });
      expect(r.status).toBe(422);
      const body = (await r.json()) as { error: Record<string, unknown> };
      expect(body.error).toMatchObject({ code: "EXPLAIN_TOO_COSTLY", distinctRows: 51, atLeast: true, maxDistinctRows: 50 });
      expect(body.error.message).toBe(`explaining at least 51 distinct rows with ${TREES} trees costs at least ${51 * TREES} (distinct rows × trees), over this server's cap of ${50 * TREES}: send at most 50 distinct rows with explain=true (the rest without it), or start the server with a larger --max-explain-cost`);
      expect(scored).toBe(0);
    } finally {
      await counted.stop();
    }
  });

  it("at the cap it is explained; repeated rows count once", async () => {
    const at = await post(randomCsv(50));
    expect(at.status).toBe(200);
    expect(((await at.json()) as { predictions: { contributions?: unknown }[] }).predictions[49].contributions).toBeDefined();
    const repeated = await post(randomCsv(50, 7, 20)); // 1,000 rows, 50 distinct
    expect(repeated.status).toBe(200);
    expect(((await repeated.json()) as { predictions: unknown[] }).predictions).toHaveLength(1000);
  });
});

describe("slices", () => {
  it("give exactly the numbers of one explanation of the whole batch, repeated rows included", async () => {
    const frame = (await parseCsvText(randomCsv(120, 11, 2))).frame;
    const scores = model.predictGrouped(frame);
    expect(scores.distinct).toBe(120);
    let calls = 0;
    const counting: ServingModel = { ...model, explainFrame: (f: Frame) => (calls++, model.explainFrame(f)) };
    const sliced = await explainInSlices(counting, frame, scores);
    const fresh = await loadModelFile(dir, { schema }); // same file, its own caches
    const whole = fresh.explainFrame(frame);
    expect(calls).toBeGreaterThan(1);
    expect(sliced.rows).toBe(240);
    expect(sliced.base).toBe(whole.base);
    expect(sliced.output).toBe(whole.output);
    expect(Array.from(sliced.contributions)).toEqual(Array.from(whole.contributions));
  });
});

describe("on a real socket", () => {
  let server: NetsecServer;
  const log: string[] = [];
  let explained = 0;
  beforeAll(async () => {
    // The served model counts the rows it explained (this unpruned forest takes ~25 ms a row:
    // a few hundred rows last seconds).
    const load = async (d: string): Promise<ServingModel> => {
      const m = await loadModelFile(d, { schema });
      return {
        ...m,
        explainFrame: (f: Frame) => {
          explained += f.rows;
          return m.explainFrame(f);
        },
      };
    };
    server = await startServer({ port: 0, host: "127.0.0.1", modelDir: dir, load, schema, pollMs: 0, log: (l) => log.push(l), limits: { maxExplainCost: 1e9, maxQueuedExplain: 0 } });
  });
  afterAll(async () => server?.close());

  it("/health is answered while a long explanation runs, before it ends", async () => {
    explained = 0;
    const order: string[] = [];
    const big = fetch(`${server.url}/predict?explain=true`, { method: "POST", headers: { "content-type": "text/csv" }, body: randomCsv(300, 21) }).then(async (r) => {
      await r.arrayBuffer();
      order.push(`predict ${r.status}`);
    });
    while (explained === 0) await new Promise((r) => setTimeout(r, 5));
    const health = await fetch(`${server.url}/health`);
    order.push(`health ${health.status} after ${explained} rows`);
    await big;
    expect(order[0]).toMatch(/^health 200 after \d+ rows$/);
    expect(Number(/after (\d+)/.exec(order[0])![1])).toBeLessThan(300);
    expect(order[1]).toBe("predict 200");
  }, 60_000);

  it("one explanation at a time: another meanwhile waits its turn, or gets 503 BUSY past the queue (here 0)", async () => {
    explained = 0;
    const first = fetch(`${server.url}/predict?explain=true`, { method: "POST", headers: { "content-type": "text/csv" }, body: randomCsv(200, 41) });
    while (explained === 0) await new Promise((r) => setTimeout(r, 5));
    const second = await fetch(`${server.url}/predict?explain=true`, { method: "POST", headers: { "content-type": "text/csv" }, body: randomCsv(5, 43) });
    expect(second.status).toBe(503);
    expect(((await second.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "BUSY", message: "the server is busy with 1 explanations and 0 waiting: retry in a moment" });
    expect((await fetch(`${server.url}/predict`, { method: "POST", headers: { "content-type": "text/csv" }, body: randomCsv(5, 43) })).status).toBe(200); // without explain: scored at once
    expect((await first).status).toBe(200);
  }, 60_000);

  it("a client that hangs up stops the work: 499 in the access log, the rest never explained", async () => {
    explained = 0;
    const abort = new AbortController();
    const request = fetch(`${server.url}/predict?explain=true`, { method: "POST", headers: { "content-type": "text/csv" }, body: randomCsv(300, 33), signal: abort.signal }).catch((e) => e);
    while (explained === 0) await new Promise((r) => setTimeout(r, 5));
    abort.abort();
    await request;
    const deadline = Date.now() + 30_000;
    while (!log.some((l) => / 499 /.test(l)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const line = log.find((l) => l.startsWith("POST /predict 499"));
    expect(line, log.join("\n")).toMatch(/^POST \/predict 499 [\d.]+ms rows=300 id=\S+$/);
    const at = explained;
    await new Promise((r) => setTimeout(r, 200));
    expect(explained).toBe(at); // nothing more after the 499
    expect(explained).toBeLessThan(300);
  }, 60_000);
});
