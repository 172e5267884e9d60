/**
 * Explanations off the serving thread (issue 22): `POST /predict?explain=true` is computed on a
 * model worker (src/serve/explain-queue.ts → models/scoring/model-worker.ts), here on a Node
 * worker thread (src/runtime/node-worker.ts; the CLI runs the same module as a Deno Web Worker).
 * The worker's numbers are exactly the in-thread TreeSHAP's (`LoadedModel.explainFrame`); a client
 * that hangs up terminates the worker (no block is explained after it); a worker that cannot start
 * leaves the explanations to slices on the serving thread, with the same numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { loadModelFile, type LoadedModel } from "../../src/models/model-file.ts";
import { parseCsvText } from "../../src/serve/csv-body.ts";
import { createExplainRunner } from "../../src/serve/explain-queue.ts";
import { HttpError } from "../../src/serve/http-error.ts";
import { type NetsecServer, startServer } from "../../src/serve/server.ts";
import { createNodeWorker } from "../../src/runtime/node-worker.ts";
import type { WorkerHandle } from "../../src/runtime/platform.ts";
import { tempDir } from "../helpers/env.ts";
import { FEATURES, schema } from "./helpers.ts";
import { writeRealModel } from "./real-model.ts";
import { freePort, narrowedFlags, startDenoServe } from "./deno-serve.ts";

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

/** Node worker threads, counted: started, terminated, blocks posted. */
function countingWorkers() {
  const counts = { started: 0, terminated: 0, posted: 0 };
  const createWorker = (url: URL): WorkerHandle => {
    counts.started++;
    const worker = createNodeWorker(url);
    return {
      get onmessage() { return worker.onmessage; },
      set onmessage(f) { worker.onmessage = f; },
      get onerror() { return worker.onerror; },
      set onerror(f) { worker.onerror = f; },
      postMessage: (message, transfer) => (counts.posted++, worker.postMessage(message, transfer)),
      terminate: () => (counts.terminated++, worker.terminate()),
    };
  };
  return { counts, createWorker };
}

const TREES = 10;
const dir = join(tempDir("netsec-explain-worker-"), "final_model");
let model: LoadedModel;

beforeAll(async () => {
  await writeRealModel(dir, 1, TREES);
  model = await loadModelFile(dir, { schema });
}, 120_000);

describe("the model worker", () => {
  it("gives exactly the in-thread TreeSHAP of the same rows, repeated rows included, in blocks", async () => {
    const { counts, createWorker } = countingWorkers();
    const progress: number[] = [];
    const runner = createExplainRunner({ createWorker, blockRows: 16, onProgress: (done) => progress.push(done) });
    try {
      const frame = (await parseCsvText(randomCsv(120, 11, 2))).frame;
      const scores = model.predictGrouped(frame);
      expect(scores.distinct).toBe(120);
      const fromWorker = await runner.explain(model, frame, scores);
      const fresh = await loadModelFile(dir, { schema }); // same file, its own caches
      const inThread = fresh.explainFrame(frame);
      expect(runner.where).toBe("worker");
      expect(counts.started).toBe(1);
      expect(progress).toEqual([16, 32, 48, 64, 80, 96, 112, 120]);
      expect(fromWorker.rows).toBe(240);
      expect(fromWorker.features).toBe(inThread.features);
      expect(fromWorker.output).toBe(inThread.output);
      expect(fromWorker.base).toBe(inThread.base);
      expect(Array.from(fromWorker.contributions)).toEqual(Array.from(inThread.contributions));
      // A second request reuses the worker of the same model.
      const again = await runner.explain(model, frame, scores);
      expect(Array.from(again.contributions)).toEqual(Array.from(inThread.contributions));
      expect(counts.started).toBe(1);
    } finally {
      runner.close();
    }
  }, 60_000);

  it("a client that hangs up terminates the worker mid-way: 499, no block after it; the next request gets a fresh worker", async () => {
    const { counts, createWorker } = countingWorkers();
    const progress: number[] = [];
    const abort = new AbortController();
    const runner = createExplainRunner({ createWorker, blockRows: 4, onProgress: (done) => {
      progress.push(done);
      if (done === 8) abort.abort();
    } });
    try {
      const frame = (await parseCsvText(randomCsv(200, 31))).frame;
      const scores = model.predictGrouped(frame);
      const error = await runner.explain(model, frame, scores, abort.signal).catch((e) => e);
      expect(error).toBeInstanceOf(HttpError);
      expect(error).toMatchObject({ status: 499, code: "CLIENT_CLOSED", message: "the client closed the connection: explanation abandoned after 8 of 200 distinct rows" });
      expect(progress).toEqual([4, 8]);
      expect(counts.posted).toBe(1 + 2); // the model, then the two blocks answered: nothing after the hang-up
      // Aborted while a block was being explained: the worker was ended, not left running.
      const small = (await parseCsvText(randomCsv(5, 32))).frame;
      const abort2 = new AbortController();
      const inFlight = runner.explain(model, small, model.predictGrouped(small), abort2.signal);
      abort2.abort();
      expect(await inFlight.catch((e) => e)).toMatchObject({ status: 499, code: "CLIENT_CLOSED" });
      expect(counts.terminated).toBe(1);
      const next = await runner.explain(model, small, model.predictGrouped(small));
      expect(Array.from(next.contributions)).toEqual(Array.from(model.explainFrame(small).contributions));
      expect(counts.started).toBe(2);
    } finally {
      runner.close();
    }
  }, 60_000);

  it("another served model (a hot swap) gets a worker of its own: the old one is ended, the answers are the new model's", async () => {
    const otherDir = join(tempDir("netsec-explain-worker-other-"), "final_model");
    await writeRealModel(otherDir, 2, TREES);
    const other = await loadModelFile(otherDir, { schema });
    const { counts, createWorker } = countingWorkers();
    const runner = createExplainRunner({ createWorker });
    try {
      const frame = (await parseCsvText(randomCsv(20, 71))).frame;
      const first = await runner.explain(model, frame, model.predictGrouped(frame));
      const second = await runner.explain(other, frame, other.predictGrouped(frame));
      expect(Array.from(first.contributions)).toEqual(Array.from((await loadModelFile(dir, { schema })).explainFrame(frame).contributions));
      expect(Array.from(second.contributions)).toEqual(Array.from((await loadModelFile(otherDir, { schema })).explainFrame(frame).contributions));
      expect(Array.from(second.contributions)).not.toEqual(Array.from(first.contributions));
      expect(counts).toMatchObject({ started: 2, terminated: 1 });
    } finally {
      runner.close();
    }
  }, 120_000);

  it("a worker that cannot start leaves the explanations to this thread, with the same numbers and a log line", async () => {
    const log: string[] = [];
    const failing = (): WorkerHandle => {
      const handle: WorkerHandle = { postMessage: () => queueMicrotask(() => handle.onerror?.('Requires read access to "/app/src/serve/explain-worker.ts"')), onmessage: null, onerror: null, terminate: () => {} };
      return handle;
    };
    const runner = createExplainRunner({ createWorker: failing, log: (l) => log.push(l) });
    const frame = (await parseCsvText(randomCsv(30, 5))).frame;
    const e = await runner.explain(model, frame, model.predictGrouped(frame));
    expect(runner.where).toBe("thread");
    expect(log).toEqual(["explain worker started (model version 1)", 'explanations run on the serving thread, in slices: the explain worker could not start (Requires read access to "/app/src/serve/explain-worker.ts")']);
    expect(Array.from(e.contributions)).toEqual(Array.from((await loadModelFile(dir, { schema })).explainFrame(frame).contributions));
  }, 60_000);
});

describe("the server with a worker, on a real socket", () => {
  let server: NetsecServer;
  const log: string[] = [];
  const progress: number[] = [];
  let workers: ReturnType<typeof countingWorkers>;
  beforeAll(async () => {
    workers = countingWorkers();
    const explainer = createExplainRunner({ createWorker: workers.createWorker, blockRows: 8, onProgress: (done) => progress.push(done) });
    server = await startServer({ port: 0, host: "127.0.0.1", modelDir: dir, load: (d) => loadModelFile(d, { schema }), schema, pollMs: 0, log: (l) => log.push(l), limits: { maxExplainCost: 1e9, maxQueuedExplain: 0 }, explainer });
  });
  afterAll(async () => server?.close());

  it("answers /health while the worker explains, then the same numbers as in-thread", async () => {
    progress.length = 0;
    const csv = randomCsv(400, 21);
    const order: string[] = [];
    const big = fetch(`${server.url}/predict?explain=true`, { method: "POST", headers: { "content-type": "text/csv" }, body: csv }).then(async (r) => {
      const body = (await r.json()) as { predictions: { contributions: Record<string, number> }[] };
      order.push(`predict ${r.status}`);
      return body;
    });
    while (progress.length === 0) await new Promise((r) => setTimeout(r, 2));
    const health = await fetch(`${server.url}/health`);
    order.push(`health ${health.status} after ${progress.at(-1)} rows`);
    const body = await big;
    expect(order[0]).toMatch(/^health 200 after \d+ rows$/);
    expect(Number(/after (\d+)/.exec(order[0])![1])).toBeLessThan(400);
    expect(order[1]).toBe("predict 200");
    const frame = (await parseCsvText(csv)).frame;
    const inThread = (await loadModelFile(dir, { schema })).explainFrame(frame);
    const served = body.predictions.flatMap((p) => FEATURES.map((f) => p.contributions[f]));
    expect(served).toEqual(Array.from(inThread.contributions));
  }, 60_000);

  it("a client that hangs up: 499 in the access log and the worker terminated", async () => {
    const before = workers.counts.terminated;
    progress.length = 0;
    const abort = new AbortController();
    const request = fetch(`${server.url}/predict?explain=true`, { method: "POST", headers: { "content-type": "text/csv" }, body: randomCsv(2000, 33), signal: abort.signal }).catch((e) => e);
    while (progress.length === 0) await new Promise((r) => setTimeout(r, 2));
    abort.abort();
    await request;
    const deadline = Date.now() + 30_000;
    while (!log.some((l) => / 499 /.test(l)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(log.find((l) => l.startsWith("POST /predict 499")), log.join("\n")).toMatch(/^POST \/predict 499 [\d.]+ms rows=2000 id=\S+$/);
    expect(workers.counts.terminated).toBe(before + 1);
    expect(progress.at(-1)).toBeLessThan(2000);
  }, 60_000);
});

describe("netsec serve under Deno with its narrowed permissions", () => {
  it("explains on a Deno Web Worker (read access to src/ is in the flags) with the in-thread numbers", async () => {
    const port = await freePort();
    const server = await startDenoServe({ flags: narrowedFlags(dir, port), args: ["--port", String(port), "--model-dir", dir, "--watch-ms", "0"] });
    try {
      const csv = randomCsv(50, 61, 2);
      const r = await fetch(`${server.url}/predict?explain=true`, { method: "POST", headers: { "content-type": "text/csv" }, body: csv });
      expect(r.status).toBe(200);
      const body = (await r.json()) as { predictions: { contributions: Record<string, number> }[] };
      const inThread = (await loadModelFile(dir, { schema })).explainFrame((await parseCsvText(csv)).frame);
      expect(body.predictions.flatMap((p) => FEATURES.map((f) => p.contributions[f]))).toEqual(Array.from(inThread.contributions));
      expect(server.log()).toContain("netsec serve: explain worker started (model version 1)");
      expect(server.log()).not.toContain("could not start");
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }, 120_000);
});
