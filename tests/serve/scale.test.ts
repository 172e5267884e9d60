/**
 * Scale-out with real parts (docs/scale.md): three `netsec serve --model-uri` replicas (Deno CLI)
 * following one registry (a real MLflow server) behind Debian's nginx on loopback. Under a
 * bounded load (4 clients × 100-row /predict requests), one replica is killed: no client request
 * fails — nginx sends the ones that hit it to the next replica. The alias then moves: every
 * replica (the killed one restarted too) serves the new version; the seconds each took are
 * logged (docs/scale.md quotes them), not asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/env.ts";
import { freePort, OwnMlflow } from "../tracking/helpers.ts";
import { featureCsv } from "./helpers.ts";
import { writeRealModel } from "./real-model.ts";
import { startNginx, type Nginx } from "./nginx.ts";
import { eventually, modelInfo, moveAlias, registerVersion, type ServeProcess, startServe } from "./registry-helpers.ts";

const POLL_S = 2;
const CLIENTS = 4;
const REQUESTS = 600;

interface Outcome {
  status: number | "error";
  upstream: string;
  version: string | null;
  error?: string;
}

describe("three registry replicas behind nginx", () => {
  const mlflow = new OwnMlflow();
  const name = `netsec-scale-${Date.now().toString(36)}`;
  const replicas: ServeProcess[] = [];
  let ports: number[] = [];
  let nginx: Nginx;
  const csv = featureCsv(100);
  const args = ["--model-uri", `models:/${name}@champion`, "--registry-poll-s", String(POLL_S)];
  const env = () => ({ MLFLOW_TRACKING_URI: mlflow.uri });

  beforeAll(async () => {
    await mlflow.start();
    const v1 = tempDir("netsec-scale-v1-");
    await writeRealModel(v1, 1, 8);
    await registerVersion(mlflow.uri, name, v1, "champion");
    ports = [await freePort(), await freePort(), await freePort()];
    for (const port of ports) replicas.push(await startServe(args, env(), port));
    nginx = await startNginx(ports);
  }, 240_000);

  afterAll(async () => {
    await nginx?.stop();
    for (const r of replicas) await r.kill("SIGKILL");
    await mlflow.kill();
  });

  /** REQUESTS requests from CLIENTS clients through nginx; `atThird` runs when a third of them were sent. */
  async function load(atThird: () => void): Promise<{ outcomes: Outcome[]; at: number }> {
    const outcomes: Outcome[] = [];
    let sent = 0;
    let at = -1;
    const client = async () => {
      while (sent < REQUESTS) {
        const n = sent++;
        if (n === REQUESTS / 3) {
          at = outcomes.length;
          atThird();
        }
        try {
          const r = await fetch(`${nginx.url}/predict`, { method: "POST", headers: { "content-type": "text/csv" }, body: csv });
          const body = await r.text();
          outcomes.push({ status: r.status, upstream: r.headers.get("x-upstream") ?? "", version: r.headers.get("x-model-version"), ...(r.status === 200 ? {} : { error: body.slice(0, 300) }) });
        } catch (error) {
          outcomes.push({ status: "error", upstream: "", version: null, error: String(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    return { outcomes, at };
  }

  it("kill one replica under load: every client request still answers 200 (nginx retries the next upstream)", async () => {
    // SIGKILL mid-load: requests in flight on it included.
    const { outcomes, at: killedAt } = await load(() => void replicas[0].kill("SIGKILL"));
    const failed = outcomes.filter((o) => o.status !== 200);
    expect(failed, nginx.errorLog().slice(-2000)).toEqual([]);
    expect(outcomes).toHaveLength(REQUESTS);
    expect(outcomes.every((o) => o.version === "1")).toBe(true);
    const killed = `127.0.0.1:${ports[0]}`;
    const servedBy = (o: Outcome) => o.upstream.split(", ").at(-1);
    // The killed replica took its share before the kill, and none after nginx noticed.
    expect(outcomes.slice(0, killedAt).some((o) => servedBy(o) === killed)).toBe(true);
    expect(outcomes.slice(killedAt + CLIENTS * 2).every((o) => servedBy(o) !== killed)).toBe(true);
    const retried = outcomes.filter((o) => o.upstream.includes(", "));
    console.info(`scale: ${REQUESTS} requests by ${CLIENTS} clients, replica ${killed} killed after ${killedAt}: ${failed.length} failed, ${retried.length} sent on to another replica by nginx (${retried.map((o) => o.upstream).slice(0, 3).join("; ")})`);
  }, 240_000);

  it("move the alias: every replica serves the new version (how long after the move is logged)", async () => {
    // The killed replica comes back (same port); nginx takes it in again after fail_timeout.
    replicas[0] = await startServe(args, env(), ports[0]);
    const v2dir = tempDir("netsec-scale-v2-");
    await writeRealModel(v2dir, 2, 8);
    const v2 = await registerVersion(mlflow.uri, name, v2dir);
    for (const r of replicas) expect((await modelInfo(r.url)).version).toBe("1");
    const moved = Date.now();
    await moveAlias(mlflow.uri, name, "champion", v2);
    const seen: number[] = [];
    await Promise.all(replicas.map(async (r, i) => {
      await eventually(`replica ${i + 1} serves version ${v2}`, async () => (await modelInfo(r.url)).version === v2, 60);
      seen[i] = (Date.now() - moved) / 1000;
    }));
    console.info(`scale: alias moved to version ${v2}; replicas served it after ${seen.map((s) => `${s.toFixed(1)} s`).join(", ")} (poll interval ${POLL_S} s)`);
    // Through the balancer too: every answer now comes from version 2.
    for (let i = 0; i < 12; i++) {
      const r = await fetch(`${nginx.url}/predict`, { method: "POST", headers: { "content-type": "text/csv" }, body: csv });
      expect(r.status).toBe(200);
      expect(r.headers.get("x-model-version")).toBe(v2);
      await r.arrayBuffer();
    }
  }, 240_000);

  it("stop a replica gracefully (SIGTERM) under load: no failed request either (its 503 STOPPING goes on to the next)", async () => {
    let stopped: Promise<void> | undefined;
    const { outcomes } = await load(() => (stopped = replicas[1].kill("SIGTERM")));
    await stopped;
    expect(outcomes.filter((o) => o.status !== 200), nginx.errorLog().slice(-2000)).toEqual([]);
    expect(outcomes).toHaveLength(REQUESTS);
    expect(await replicas[1].exited).toBe(0); // drained: every request it had finished
  }, 240_000);
});
