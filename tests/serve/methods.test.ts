/**
 * Unknown and unusual methods (issue 22): e43ac1e answered `TRACE` with 500 "internal error" in
 * text/plain, no request id, no log line (a web Request cannot carry TRACE, so building it threw in
 * the listener). Now: 405 with `Allow` on a path that exists, 501 for a method HTTP does not define,
 * JSON with a request id (body and header) and an access-log line — on a real socket under Node
 * and through `netsec serve` under Deno (the CLI users run).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "node:net";
import { join } from "node:path";
import { tempDir } from "../helpers/env.ts";
import { type DenoServe, narrowedFlags, freePort, startDenoServe } from "./deno-serve.ts";
import { startToyServer, type TestServer, writeToyModel } from "./helpers.ts";
import { writeRealModel } from "./real-model.ts";

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request with any method, over a raw socket (fetch refuses TRACE and CONNECT). */
function raw(port: number, method: string, path: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (chunk) => (text += chunk.toString("utf8")));
    socket.on("error", reject);
    socket.on("close", () => {
      const [head, ...rest] = text.split("\r\n\r\n");
      const [status, ...lines] = head.split("\r\n");
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      let body = rest.join("\r\n\r\n");
      if (headers["transfer-encoding"] === "chunked") {
        let out = "";
        for (let at = 0; ;) {
          const end = body.indexOf("\r\n", at);
          const size = parseInt(body.slice(at, end), 16);
          if (!size) break;
          out += body.slice(end + 2, end + 2 + size);
          at = end + 2 + size + 2;
        }
        body = out;
      }
      resolve({ status: Number(status.split(" ")[1]), headers, body });
    });
    socket.write(`${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });
}

const CASES = [
  { method: "TRACE", path: "/predict", status: 405, code: "METHOD_NOT_ALLOWED", message: "/predict answers POST, not TRACE (see /docs)", allow: "POST" },
  { method: "TRACE", path: "/health", status: 405, code: "METHOD_NOT_ALLOWED", message: "/health answers GET, HEAD, not TRACE (see /docs)", allow: "GET, HEAD" },
  { method: "PUT", path: "/predict", status: 405, code: "METHOD_NOT_ALLOWED", message: "/predict answers POST, not PUT (see /docs)", allow: "POST" },
  { method: "DELETE", path: "/train/abc", status: 405, code: "METHOD_NOT_ALLOWED", message: "/train/abc answers GET, HEAD, not DELETE (see /docs)", allow: "GET, HEAD" },
  { method: "PROPFIND", path: "/predict", status: 501, code: "METHOD_NOT_IMPLEMENTED", message: "method PROPFIND is not implemented by this server (/predict answers POST; see /docs)" },
  { method: "PROPFIND", path: "/nowhere", status: 501, code: "METHOD_NOT_IMPLEMENTED", message: "method PROPFIND is not implemented by this server (it answers GET, HEAD and POST; see /docs)" },
  { method: "TRACE", path: "/nowhere", status: 404, code: "NOT_FOUND", message: "no route TRACE /nowhere (see /docs)" },
];

function check(answer: RawAnswer, c: (typeof CASES)[number], log: string): void {
  expect(answer.status, `${c.method} ${c.path}: ${answer.body}`).toBe(c.status);
  expect(answer.headers["content-type"]).toBe("application/json; charset=utf-8");
  const body = JSON.parse(answer.body) as { error: Record<string, unknown> };
  expect(body.error).toMatchObject({ status: c.status, code: c.code, message: c.message, requestId: answer.headers["x-request-id"] });
  expect(answer.headers["x-request-id"]).toMatch(/^[a-z0-9]+-[a-z0-9]+$/);
  expect(answer.headers.allow).toBe(c.allow);
  expect(log).toContain(`${c.method} ${c.path} ${c.status} `);
  expect(log).toContain(` id=${answer.headers["x-request-id"]}`);
}

describe("under Node (the listener and the app)", () => {
  let server: TestServer;
  const log: string[] = [];
  beforeAll(async () => {
    const modelDir = join(tempDir("netsec-methods-"), "final_model");
    writeToyModel(modelDir, 1);
    server = await startToyServer({ modelDir, log: (l) => log.push(l) });
  });
  afterAll(async () => server?.close());

  for (const c of CASES) {
    it(`${c.method} ${c.path}: ${c.status} ${c.code}`, async () => {
      const answer = await raw(server.port, c.method, c.path);
      check(answer, c, log.join("\n"));
    });
  }

  it("OPTIONS on a known path: 204 with Allow; the server still answers afterwards", async () => {
    const answer = await raw(server.port, "OPTIONS", "/predict");
    expect(answer.status).toBe(204);
    expect(answer.headers.allow).toBe("POST, OPTIONS");
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});

describe("under Deno: netsec serve (narrowed permissions)", () => {
  let serve: DenoServe;
  beforeAll(async () => {
    const modelDir = join(tempDir("netsec-methods-deno-"), "final_model");
    await writeRealModel(modelDir, 1, 3);
    const port = await freePort();
    serve = await startDenoServe({ flags: narrowedFlags(modelDir, port), args: ["--port", String(port), "--model-dir", modelDir, "--watch-ms", "0"] });
  }, 120_000);
  afterAll(() => {
    serve?.child.kill("SIGKILL");
  });

  for (const c of CASES) {
    it(`${c.method} ${c.path}: ${c.status} ${c.code}`, async () => {
      const answer = await raw(serve.port, c.method, c.path);
      await serve.waitForLog(new RegExp(`id=${answer.headers["x-request-id"]}`));
      check(answer, c, serve.log());
    });
  }
});
