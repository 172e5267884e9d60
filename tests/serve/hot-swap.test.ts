// A new model.json switches the service over atomically: requests in flight finish on the model
// they started with, new requests get the new one, nothing fails during the switch, and a broken
// push leaves the old model serving. Requests go through the app without a socket (Hono's app.request).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ModelStore } from "../../src/serve/model-store.ts";
import { featureCsv, rowObjects, startToyService, type TestService, writeToyModel } from "./helpers.ts";

const started: TestService[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.close()));
});

async function server(pollMs = 0): Promise<TestService> {
  const s = await startToyService({ pollMs });
  started.push(s);
  return s;
}

async function modelVersion(s: TestService): Promise<string> {
  return (await (await s.request("/model")).json()).version;
}

describe("serve: hot swap", () => {
  it("a request in flight finishes on the old model; new requests get the new one", async () => {
    const s = await server();
    const csv = new TextEncoder().encode(featureCsv(10));
    let finish: () => void = () => {};
    const rest = new Promise<void>((r) => (finish = r));
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(csv.subarray(0, 200));
        await rest;
        controller.enqueue(csv.subarray(200));
        controller.close();
      },
    });
    // Know when the request has taken its model (the first read of store.current).
    let taken: () => void = () => {};
    const tookModel = new Promise<void>((r) => (taken = r));
    const getter = Object.getOwnPropertyDescriptor(ModelStore.prototype, "current")!.get!;
    Object.defineProperty(s.store, "current", {
      get() {
        taken();
        return getter.call(this);
      },
    });
    const inFlight = s.request("/predict", { method: "POST", headers: { "content-type": "text/csv" }, body, duplex: "half" } as RequestInit);
    await tookModel;
    writeToyModel(s.modelDir, 2, 0.7);
    await s.store.check();
    expect(await modelVersion(s)).toBe("2");
    finish();
    const old = await inFlight;
    expect(old.status).toBe(200);
    expect(old.headers.get("x-model-version")).toBe("1");
    expect((await old.json()).modelVersion).toBe("1");
    const fresh = await s.request("/predict", { method: "POST", headers: { "content-type": "text/csv" }, body: featureCsv(1) });
    expect(fresh.headers.get("x-model-version")).toBe("2");
    await fresh.body?.cancel();
  });

  it("no request fails while models are swapped under load", async () => {
    const s = await server();
    const body = JSON.stringify(rowObjects(3));
    const requests: Promise<Response>[] = [];
    for (let version = 2; version <= 6; version++) {
      for (let i = 0; i < 40; i++) requests.push(s.request("/predict", { method: "POST", headers: { "content-type": "application/json" }, body }));
      writeToyModel(s.modelDir, version);
      requests.push(...[0, 1].map(() => s.request("/health")));
      void s.store.check();
    }
    const responses = await Promise.all(requests);
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(Number(response.headers.get("x-model-version"))).toBeGreaterThanOrEqual(1);
      await response.body?.cancel();
    }
    await s.store.check();
    expect(await modelVersion(s)).toBe("6");
  });

  it("the watcher picks up a push by itself", async () => {
    const s = await server(20);
    writeToyModel(s.modelDir, 9);
    let version = await modelVersion(s);
    while (version !== "9") {
      await new Promise((r) => setTimeout(r, 20));
      version = await modelVersion(s);
    }
    expect(version).toBe("9");
  });

  it("a broken push keeps the old model serving, and the next good one is taken", async () => {
    const s = await server();
    writeFileSync(join(s.modelDir, "model.json"), "{ not json");
    await s.store.check();
    expect(await modelVersion(s)).toBe("1");
    expect(s.store.status().lastError).toBeDefined();
    const ok = await s.request("/predict", { method: "POST", headers: { "content-type": "text/csv" }, body: featureCsv(2) });
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
    writeToyModel(s.modelDir, 4);
    await s.store.check();
    expect(await modelVersion(s)).toBe("4");
    expect(s.store.status().lastError).toBeUndefined();
  });
});
