/**
 * The prediction log: what a scored row becomes in a JSONL file and in MongoDB (the real FerretDB),
 * the sampled share, the bounded queue, and a MongoDB that goes silent mid-load (a TCP proxy in
 * front of FerretDB that stops forwarding): /predict keeps answering, the queue stays under its
 * bound and the drop counter in /metrics rises. Nothing here is timed.
 */
import { createServer, type Server, type Socket, connect } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { mongoUri, tempDir } from "../helpers/env.ts";
import { cell, FEATURES, featureCsv, schema, startToyService, type TestService, toyProbability } from "./helpers.ts";
import { PredictionLog, type PredictionDocument, type PredictionLogSink } from "../../src/serve/prediction-log.ts";
import { createFrame } from "../../src/data/frame.ts";
import { sample } from "./metrics-helpers.ts";

let service: TestService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

const predict = (s: TestService, rows: number) => s.request("/predict", { method: "POST", headers: { "content-type": "text/csv" }, body: featureCsv(rows) });

/** What row r (0-based) of featureCsv must be logged as. */
function expectedDocument(requestId: string, r: number): Omit<PredictionDocument, "at"> {
  const values = FEATURES.map((_, c) => cell(r, c));
  const probability = toyProbability(values);
  const prediction = probability > 0.5 ? schema.target.positive : 1;
  return { kind: "prediction", request_id: requestId, row: r + 1, model_version: "1", features: Object.fromEntries(FEATURES.map((f, c) => [f, values[c]])), probability, prediction, label: schema.labelOf(prediction) };
}

/** A sink in memory; `hold()` makes writes wait until `release()`. */
function memorySink() {
  const written: PredictionDocument[] = [];
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  const sink: PredictionLogSink & { written: PredictionDocument[]; hold(): void; release(): void } = {
    description: "memory",
    written,
    async write(documents) {
      await gate;
      written.push(...documents);
    },
    feedback: async () => ({ marked: 0, unknown: [] }),
    close: async () => {},
    hold() {
      gate = new Promise((resolve) => (open = resolve));
    },
    release() {
      open?.();
      gate = undefined;
    },
  };
  return sink;
}

describe("prediction log", () => {
  it("JSONL: every scored row with its request id, row number, model version, features and probability", async () => {
    const file = join(tempDir("netsec-predlog-"), "predictions.jsonl");
    service = await startToyService({ predictionLog: { sink: file } });
    const first = await predict(service, 3);
    const second = await predict(service, 2);
    expect([first.status, second.status]).toEqual([200, 200]);
    const ids = [first.headers.get("x-request-id")!, second.headers.get("x-request-id")!];
    await service.predictionLog!.flush();
    const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as PredictionDocument);
    expect(lines.map(({ at, ...rest }) => (expect(Date.parse(at)).not.toBeNaN(), rest))).toEqual([
      ...[0, 1, 2].map((r) => expectedDocument(ids[0], r)),
      ...[0, 1].map((r) => expectedDocument(ids[1], r)),
    ]);
    const text = await (await service.request("/metrics")).text();
    expect(sample(text, "netsec_prediction_log_written_total")).toBe(5);
    expect(sample(text, "netsec_prediction_log_dropped_total")).toBe(0);
  });

  it("keeps the sampled share of rows, and never queues more than its bound (the rest is dropped and counted)", async () => {
    const sink = memorySink();
    let i = 0;
    const draws = [0.1, 0.9, 0.3, 0.7]; // share 0.5: rows 0 and 2 of each 4 are kept
    const log = new PredictionLog({ sink, schema, share: 0.5, random: () => draws[i++ % 4] });
    const frame = createFrame(FEATURES, 8, Float64Array.from({ length: 8 * FEATURES.length }, (_, k) => cell(Math.floor(k / FEATURES.length), k % FEATURES.length)));
    const scores = { prediction: Int8Array.from({ length: 8 }, () => 1), probability: Float64Array.from({ length: 8 }, (_, r) => r / 10), group: Uint32Array.from({ length: 8 }, (_, r) => r), distinct: 8 };
    log.offer("req-a", "3", frame, scores);
    await log.flush();
    expect(sink.written.map((d) => [d.row, d.probability, d.features[FEATURES[1]]])).toEqual([0, 2, 4, 6].map((r) => [r + 1, r / 10, cell(r, 1)]));

    const bounded = memorySink();
    bounded.hold();
    const small = new PredictionLog({ sink: bounded, schema, maxQueuedRows: 20, batchRows: 8 });
    for (let k = 0; k < 10; k++) small.offer(`req-${k}`, "3", frame, scores);
    expect(small.queuedRows).toBe(20);
    expect(small.totals).toEqual({ offered: 80, written: 0, dropped: 60 });
    bounded.release();
    await small.flush();
    expect(bounded.written).toHaveLength(20);
    expect(small.totals).toEqual({ offered: 80, written: 20, dropped: 60 });
  });
});

describe("the log's worker", () => {
  it("a sink spec is written from the worker: rows reach the file while this thread never yields", async () => {
    const file = join(tempDir("netsec-predlog-worker-"), "predictions.jsonl");
    const log = new PredictionLog({ sink: file, schema });
    expect(log.inWorker).toBe(true);
    const frame = createFrame(FEATURES, 3, Float64Array.from({ length: 3 * FEATURES.length }, (_, k) => cell(Math.floor(k / FEATURES.length), k % FEATURES.length)));
    const scores = { prediction: Int8Array.of(1, 1, 1), probability: Float64Array.of(0.1, 0.2, 0.3), group: Uint32Array.of(0, 1, 2), distinct: 3 };
    log.offer("req-first", "3", frame, scores);
    await log.flush(); // the worker is up and has written once
    log.offer("req-busy", "3", frame, scores);
    await new Promise((resolve) => setTimeout(resolve, 0)); // the hand-over to the worker
    // From here this thread spins without yielding: an in-thread writer could not write anything.
    const bound = Date.now() + 60_000;
    let seen = false;
    while (!seen && Date.now() < bound) seen = readFileSync(file, "utf8").includes('"request_id":"req-busy"');
    expect(seen).toBe(true);
    await log.close();
    expect(log.totals).toEqual({ offered: 6, written: 6, dropped: 0 });
    expect(readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l).row)).toEqual([1, 2, 3, 1, 2, 3]);
  }, 90_000);

  it("a sink object is written in this thread (no worker)", async () => {
    const sink = memorySink();
    const log = new PredictionLog({ sink, schema });
    expect(log.inWorker).toBe(false);
    await log.close();
  });
});

/** A TCP proxy in front of FerretDB that can go silent (accepts, reads, never answers). */
async function silentProxy(target: URL): Promise<{ uri: string; silence(): void; close(): Promise<void> }> {
  let silent = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    if (silent) return; // a new connection: accepted and ignored
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    client.on("data", (chunk) => {
      if (!silent) upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (!silent) client.write(chunk);
    });
    client.on("close", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    uri: `mongodb://127.0.0.1:${port}`,
    silence: () => (silent = true),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("prediction log in MongoDB (FerretDB)", () => {
  const db = `netsec_predlog_${process.pid}_${Date.now().toString(36)}`;
  const client = new MongoClient(mongoUri());
  afterAll(async () => {
    await client.db(db).dropDatabase().catch(() => {});
    await client.close();
  });

  it("stores the scored rows as documents of <db>.<collection>", async () => {
    service = await startToyService({ predictionLog: { sink: `${mongoUri()}/${db}.served` } });
    const response = await predict(service, 4);
    expect(response.status).toBe(200);
    const id = response.headers.get("x-request-id")!;
    await service.predictionLog!.flush();
    const docs = await client.db(db).collection<PredictionDocument>("served").find({ request_id: id }, { projection: { _id: 0 } }).sort({ row: 1 }).toArray();
    expect(docs.map(({ at, ...rest }) => (expect(Date.parse(at)).not.toBeNaN(), rest))).toEqual([0, 1, 2, 3].map((r) => expectedDocument(id, r)));
  });

  it("a MongoDB that goes silent mid-load: /predict answers, the queue stays bounded, the drop counter rises", async () => {
    const proxy = await silentProxy(new URL(mongoUri()));
    try {
      service = await startToyService({ predictionLog: { sink: `${proxy.uri}/${db}.silent`, maxQueuedRows: 500, batchRows: 100 } });
      for (let i = 0; i < 5; i++) expect((await predict(service, 20)).status).toBe(200);
      await service.predictionLog!.flush();
      const before = await (await service.request("/metrics")).text();
      expect(sample(before, "netsec_prediction_log_written_total")).toBe(100);
      expect(sample(before, "netsec_prediction_log_dropped_total")).toBe(0);

      proxy.silence();
      let highest = 0;
      for (let i = 0; i < 40; i++) {
        const response = await predict(service, 50);
        expect(response.status).toBe(200);
        expect((await response.json() as { predictions: unknown[] }).predictions).toHaveLength(50);
        highest = Math.max(highest, service.predictionLog!.queuedRows);
      }
      expect(highest).toBeLessThanOrEqual(500);
      const after = await (await service.request("/metrics")).text();
      // 2000 rows offered while silent; at most 500 queued + one batch of 100 being written.
      expect(sample(after, "netsec_prediction_log_dropped_total")).toBeGreaterThanOrEqual(2000 - 600);
      expect(sample(after, "netsec_prediction_log_queued_rows")).toBeLessThanOrEqual(500);
      expect(sample(after, "netsec_http_requests_total", { route: "/predict", method: "POST", status: "200" })).toBe(45);
    } finally {
      // Cut the silent connections so the pending write fails now instead of at its socket timeout.
      await proxy.close();
    }
  }, 60_000);
});
