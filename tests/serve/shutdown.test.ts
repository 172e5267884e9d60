// Graceful stop of `netsec serve` under Deno (the CLI and the Docker image's PID 1), with the
// narrowed permission flags: SIGTERM (SIGINT, SIGHUP) refuses new requests, lets the one in flight
// finish, closes the port and exits 0; past --shutdown-timeout-s, or on a second signal, exit 1.
// The same stop under Node through startServer().drain().
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { loadModelFile } from "../../src/models/model-file.ts";
import { startServer } from "../../src/serve/server.ts";
import { tempDir } from "../helpers/env.ts";
import { featureCsv, schema } from "./helpers.ts";
import { writeRealModel } from "./real-model.ts";
import { type DenoServe, freePort, narrowedFlags, slowPredict, startDenoServe, tryConnect } from "./deno-serve.ts";

const modelDir = join(tempDir("netsec-serve-stop-"), "final_model");
beforeAll(async () => {
  await writeRealModel(modelDir, 1);
});

const running: DenoServe[] = [];
afterEach(() => {
  for (const server of running.splice(0)) server.child.kill("SIGKILL");
});

async function serve(extra: string[] = []): Promise<DenoServe> {
  const port = await freePort();
  const server = await startDenoServe({ flags: narrowedFlags(modelDir, port), args: ["--port", String(port), "--model-dir", modelDir, "--watch-ms", "0", ...extra] });
  running.push(server);
  return server;
}

/** An upload that the server is reading: its head and part of its body are in. */
async function uploadInFlight(server: DenoServe, rows = 5) {
  const request = await slowPredict(server.port, featureCsv(rows));
  // A request on a second connection is answered after the first connection was accepted.
  expect((await fetch(`${server.url}/health`)).status).toBe(200);
  return request;
}

describe("netsec serve (Deno): graceful stop", () => {
  it("SIGTERM with an upload in flight: it completes, a new request meanwhile gets 503, then the port is closed; exit 0", async () => {
    const server = await serve();
    const upload = await uploadInFlight(server);
    server.child.kill("SIGTERM");
    await server.waitForLog(/SIGTERM: stopping \(new requests refused; 1 request in flight, waiting up to 8 s\)/);

    const meanwhile = await fetch(`${server.url}/health`);
    expect(meanwhile.status).toBe(503);
    expect(meanwhile.headers.get("connection")).toBe("close");
    expect((await meanwhile.json()).error.code).toBe("STOPPING");

    upload.finish();
    const answer = await upload.answer;
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
    expect(body.rows).toBe(5);
    expect(body.predictions).toHaveLength(5);

    expect(await server.exited).toBe(0);
    expect(server.log()).toContain("netsec serve: stopped");
    expect(await tryConnect(server.port)).toBe("ECONNREFUSED");
  });

  it.each(["SIGTERM", "SIGINT", "SIGHUP"] as const)("%s with nothing in flight (an idle keep-alive connection open): exit 0, the port closed", async (signal) => {
    const server = await serve();
    const keepAlive = await fetch(`${server.url}/health`, { headers: { connection: "keep-alive" } });
    await keepAlive.text();
    server.child.kill(signal);
    // Exit 0 (not 1 at the 8 s deadline): the idle connection did not hold the stop up.
    expect(await server.exited).toBe(0);
    expect(server.log()).toContain(`${signal}: stopping (new requests refused; 0 requests in flight`);
    expect(server.log()).toContain("netsec serve: stopped");
    expect(await tryConnect(server.port)).toBe("ECONNREFUSED");
  });

  it("an upload that is not done within --shutdown-timeout-s: exit 1, saying so", async () => {
    const server = await serve(["--shutdown-timeout-s", "1"]);
    const upload = await uploadInFlight(server);
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(1);
    expect(server.log()).toContain("netsec serve: 1 request still running after 1 s: closing it");
    upload.socket.destroy();
  });

  it("a second signal while draining stops at once: exit 1", async () => {
    const server = await serve();
    const upload = await uploadInFlight(server);
    server.child.kill("SIGTERM");
    await server.waitForLog(/SIGTERM: stopping/);
    server.child.kill("SIGINT");
    expect(await server.exited).toBe(1);
    expect(server.log()).toContain("netsec serve: second signal (SIGINT): stopping now");
    upload.socket.destroy();
  });
});

describe("startServer().drain() under Node", () => {
  it("lets the upload in flight finish, refuses new connections, and reports drained", async () => {
    const server = await startServer({ port: 0, host: "127.0.0.1", modelDir, load: (dir) => loadModelFile(dir, { schema }), schema, pollMs: 0 });
    const upload = await slowPredict(server.port, featureCsv(3));
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const stopping = server.drain({ timeoutMs: 10_000 });
    expect(await tryConnect(server.port)).toBe("ECONNREFUSED");
    upload.finish();
    expect(await upload.answer).toMatch(/^HTTP\/1\.1 200[\s\S]*"rows":3/);
    expect(await stopping).toEqual({ drained: true, inFlight: 0 });
  });

  it("reports the requests still running at the deadline", async () => {
    const server = await startServer({ port: 0, host: "127.0.0.1", modelDir, load: (dir) => loadModelFile(dir, { schema }), schema, pollMs: 0 });
    const upload = await slowPredict(server.port, featureCsv(3));
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect(await server.drain({ timeoutMs: 300 })).toEqual({ drained: false, inFlight: 1 });
    upload.socket.destroy();
    await server.close();
  });
});
