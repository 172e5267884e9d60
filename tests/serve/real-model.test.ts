// The service over a real model file (D's format, loaded by `loadModelFile`): under Node through
// the app without a socket, and as `netsec serve` under Deno (the CLI users run, real socket),
// including the limits.
import { copyFileSync, renameSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelFile } from "../../src/models/model-file.ts";
import { createFrame } from "../../src/data/frame.ts";
import { createService, type NetsecService } from "../../src/serve/server.ts";
import { SHARED_DATA, tempDir } from "../helpers/env.ts";
import { type DenoServe, startDenoServe } from "./deno-serve.ts";
import { cell, FEATURES, featureCsv, rowObjects, schema } from "./helpers.ts";
import { writeRealModel } from "./real-model.ts";

const modelDir = join(tempDir("netsec-serve-real-"), "final_model");
beforeAll(async () => {
  await writeRealModel(modelDir, 1);
});

describe("serve: the decision threshold and per-row explanations of a real model", () => {
  const dir = join(tempDir("netsec-serve-explain-"), "final_model");
  let server: NetsecService;
  beforeAll(async () => {
    await writeRealModel(dir, 1, 10, { threshold: 0.4 });
    server = await createService({ modelDir: dir, load: (d) => loadModelFile(d, { schema }), schema, pollMs: 0 });
  });
  afterAll(async () => {
    await server?.stop();
  });
  const post = async (query: string, accept = "application/json") => await server.request(`/predict${query}`, { method: "POST", headers: { "content-type": "text/csv", accept }, body: featureCsv(40) });
  interface Answer { threshold: number; explanation?: { output: string; base: number }; predictions: { prediction: number; probability: number; contributions?: Record<string, number> }[] }

  it("GET /model gives the threshold; predictions follow it, ?threshold= overrides it", async () => {
    expect(await (await server.request("/model")).json()).toMatchObject({ threshold: 0.4, explainable: true });
    for (const [query, t] of [["", 0.4], ["?threshold=0.9", 0.9], ["?threshold=0", 0]] as const) {
      const body = await (await post(query)).json() as Answer;
      expect(body.threshold).toBe(t);
      for (const p of body.predictions) expect(p.prediction === schema.target.positive).toBe(p.probability >= t);
    }
  });

  it("?explain=true: contributions per row, base + Σ contributions = the probability of phishing (a forest)", async () => {
    const body = await (await post("?explain=true")).json() as Answer;
    expect(body.explanation).toMatchObject({ output: "probability of phishing" });
    for (const p of body.predictions) {
      expect(Object.keys(p.contributions!)).toEqual(FEATURES);
      const sum = Object.values(p.contributions!).reduce((a, b) => a + b, body.explanation!.base);
      expect(Math.abs(sum - p.probability)).toBeLessThan(1e-6); // probability is rounded to 6 decimals
    }
    const csv = (await (await post("?explain=true", "text/csv")).text()).trim().split("\n");
    expect(csv[0]).toBe([...FEATURES, "prediction", "probability", ...FEATURES.map((f) => `contribution:${f}`), "contribution:base"].map((h) => `"${h}"`).join(","));
    expect(csv).toHaveLength(41);
    expect(csv[1].split(",")).toHaveLength(FEATURES.length + 2 + FEATURES.length + 1);
  });

  it("refuses a bad threshold or explain value with 400, naming it", async () => {
    const bad = await post("?threshold=high");
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: "BAD_THRESHOLD", value: "high", expected: "a number in [0, 1]" });
    const alsoBad = await post("?explain=maybe");
    expect(alsoBad.status).toBe(400);
    expect((await alsoBad.json()).error).toMatchObject({ code: "BAD_EXPLAIN" });
  });
});

describe("serve: a real model file under Node", () => {
  let server: NetsecService;
  beforeAll(async () => {
    server = await createService({ modelDir, load: (dir) => loadModelFile(dir, { schema }), schema, pollMs: 0 });
  });
  afterAll(() => {
    server?.stop();
  });

  it("answers what loadModelFile(dir).predictFrame answers", async () => {
    const rows = 50;
    const values = new Float64Array(rows * FEATURES.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < FEATURES.length; c++) values[r * FEATURES.length + c] = cell(r, c);
    const direct = (await loadModelFile(modelDir, { schema })).predictFrame(createFrame(FEATURES, rows, values));
    const response = await server.request("/predict", { method: "POST", headers: { "content-type": "text/csv" }, body: featureCsv(rows) });
    const body = await response.json() as { predictions: { prediction: number; probability: number }[] };
    expect(body.predictions.map((p) => p.prediction)).toEqual([...direct.prediction]);
    body.predictions.forEach((p, r) => expect(p.probability).toBeCloseTo(direct.probability[r], 6));
  });

  it("scores repeated rows once and rows with missing values as they are, with the same answers", async () => {
    const base = rowObjects(6);
    const rows: Record<string, number | null>[] = [];
    for (let i = 0; i < 60; i++) rows.push({ ...base[i % 6] });
    rows[7][FEATURES[2]] = null;
    rows[8][FEATURES[2]] = null;
    const values = new Float64Array(rows.length * FEATURES.length);
    rows.forEach((row, r) => FEATURES.forEach((f, c) => (values[r * FEATURES.length + c] = row[f] ?? NaN)));
    const direct = (await loadModelFile(modelDir, { schema })).predictFrame(createFrame(FEATURES, rows.length, values));
    const response = await server.request("/predict", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rows) });
    const body = await response.json() as { predictions: { prediction: number; probability: number }[] };
    expect(body.predictions.map((p) => p.prediction)).toEqual([...direct.prediction]);
    body.predictions.forEach((p, r) => expect(p.probability).toBeCloseTo(direct.probability[r], 6));
  });

  it("GET /model reports the manifest's version, created time and the test metrics", async () => {
    const model = await (await server.request("/model")).json();
    expect(model).toMatchObject({ version: "1", createdAt: "2026-11-25T10:00:01.000Z", schemaHash: schema.hash, metrics: { f1: 0.951 } });
  });

  it("switches to a newly pushed model, staying on the old one while the push is half done", async () => {
    const staging = join(tempDir("netsec-serve-staging-"), "final_model");
    await writeRealModel(staging, 2);
    const version = async () => (await (await server.request("/model")).json()).version;
    // model.json first: its checksum file still names version 1's bytes → refused, 1 keeps serving.
    copyFileSync(join(staging, "model.json"), join(modelDir, "model.json.tmp"));
    renameSync(join(modelDir, "model.json.tmp"), join(modelDir, "model.json"));
    await server.store.check();
    expect(await version()).toBe("1");
    expect(server.store.status().lastError).toContain("checksum");
    for (const name of ["model.json.sha256", "manifest.json"]) {
      copyFileSync(join(staging, name), join(modelDir, `${name}.tmp`));
      renameSync(join(modelDir, `${name}.tmp`), join(modelDir, name));
    }
    await server.store.check();
    expect(await version()).toBe("2");
    const response = await server.request("/predict", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rowObjects(1)) });
    expect(response.headers.get("x-model-version")).toBe("2");
    await response.body?.cancel();
  });
});

const TOKEN = "deno-cli-token-0123456789";

describe("serve: `netsec serve` under Deno", () => {
  let served: DenoServe;
  let url = "";
  let port = 0;
  beforeAll(async () => {
    served = await startDenoServe({
      flags: ["-A"],
      args: ["--port", "0", "--model-dir", modelDir, "--max-body-mb", "0.05", "--body-timeout-s", "1", "--watch-ms", "50", "--train-data", SHARED_DATA],
      env: { NETSEC_TRAIN_TOKEN: TOKEN },
    });
    ({ url, port } = served);
  });
  afterAll(() => {
    served?.child.kill("SIGTERM");
  });

  function raw(request: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString("utf8");
        if (text.includes("\r\n\r\n") && /"message"/.test(text)) socket.end();
      });
      socket.on("error", (error) => (text ? resolve(text) : reject(error)));
      socket.on("close", () => resolve(text));
      socket.write(request);
    });
  }

  async function healthy(): Promise<void> {
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const ok = await fetch(`${url}/predict`, { method: "POST", headers: { "content-type": "text/csv", accept: "text/csv" }, body: featureCsv(3) });
    expect(ok.status).toBe(200);
    expect((await ok.text()).trim().split("\n")).toHaveLength(4);
  }

  it("serves predictions with the model version", async () => {
    const response = await fetch(`${url}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rowObjects(4)) });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get("x-model-version"))).toBeGreaterThanOrEqual(1);
    expect((await response.json()).predictions).toHaveLength(4);
  });

  it("413 by content-length, and while streaming, then still healthy", async () => {
    const text = await raw(`POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\nContent-Length: 10000000\r\n\r\n`);
    expect(text).toMatch(/^HTTP\/1\.1 413/);
    const big = featureCsv(2000);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= big.length) return controller.close();
        controller.enqueue(new TextEncoder().encode(big.slice(sent, sent + 8192)));
        sent += 8192;
      },
    });
    const response = await fetch(`${url}/predict`, { method: "POST", headers: { "content-type": "text/csv" }, body: stream, duplex: "half" } as RequestInit);
    expect(response.status).toBe(413);
    await response.body?.cancel();
    await healthy();
  });

  it("408 for a slow client, 400 for '..', 422 naming row and column, then still healthy", async () => {
    const slow = await raw(`POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\nContent-Length: 5000\r\n\r\n"having_IP_Address"`);
    expect(slow).toMatch(/^HTTP\/1\.1 408/);
    const climb = await raw(`GET /docs/..%2f..%2fschema.yaml HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    expect(climb).toMatch(/^HTTP\/1\.1 (400|404)/);
    const rows = rowObjects(2);
    rows[1][FEATURES[3]] = 2;
    const bad = await fetch(`${url}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rows) });
    expect(bad.status).toBe(422);
    expect((await bad.json()).error.message).toBe(`row 2, column ${FEATURES[3]}: got 2, expected one of -1, 1`);
    await healthy();
  });

  it("POST /train runs `netsec train --json` in the background and reports it", async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await fetch(`${url}/train`, { method: "POST", headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const start = await fetch(`${url}/train`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ experiment: "fast" }) });
    expect(start.status).toBe(202);
    const { id } = await start.json() as { id: string };
    const busy = await fetch(`${url}/train`, { method: "POST", headers: auth });
    expect(busy.status).toBe(409);
    await busy.body?.cancel();
    let job: { state: string; result?: { runDir?: string }; error?: string };
    do {
      await new Promise((r) => setTimeout(r, 200));
      job = await (await fetch(`${url}/train/${id}`, { headers: auth })).json();
    } while (job.state === "running");
    expect(job.error).toBeUndefined();
    expect(job.state).toBe("succeeded");
    expect(typeof job.result?.runDir).toBe("string");
    await healthy();
  }, 180_000);

  it("picks up a new push by itself", async () => {
    await writeRealModel(modelDir, 5, 5);
    let version = "";
    while (version !== "5") {
      await new Promise((r) => setTimeout(r, 50));
      version = (await (await fetch(`${url}/model`)).json()).version;
    }
    expect(version).toBe("5");
  });
});
