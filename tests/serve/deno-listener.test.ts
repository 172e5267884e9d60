// The listener users run: `netsec serve` under Deno with its default limits. A half-sent request
// line is closed within the documented bound (10 s header timeout, checked every second), an
// oversized header block gets 431, a body nobody reads is not drained, and every request leaves
// one access-log line with its request id.
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/env.ts";
import { type DenoServe, startDenoServe } from "./deno-serve.ts";
import { rowObjects } from "./helpers.ts";
import { writeRealModel } from "./real-model.ts";

let served: DenoServe;
let port = 0;

beforeAll(async () => {
  const modelDir = join(tempDir("netsec-deno-listener-"), "final_model");
  await writeRealModel(modelDir, 1, 3);
  served = await startDenoServe({ flags: ["-A"], args: ["--port", "0", "--model-dir", modelDir] });
  port = served.port;
});
afterAll(() => {
  served?.child.kill("SIGKILL");
});

/** Write `request` on a fresh connection; resolve with all it got once the server closes it. */
function exchange(request: string | Buffer, keepWriting?: () => string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    let timer: ReturnType<typeof setInterval> | undefined;
    socket.on("data", (chunk) => (text += chunk.toString("latin1")));
    socket.on("close", () => {
      clearInterval(timer);
      resolve(text);
    });
    socket.on("error", () => {});
    socket.write(request);
    if (keepWriting) timer = setInterval(() => socket.writable && socket.write(keepWriting()), 50);
  });
}

describe("netsec serve (Deno): slow and oversized clients", () => {
  it("closes a half-sent request line, and a client sending a header a byte at a time, with 408 after the header timeout", { timeout: 30_000 }, async () => {
    const [half, slowloris] = await Promise.all([
      exchange("GET /health HT"),
      exchange("GET /health HTTP/1.1\r\nHost: x\r\nX-A: ", () => "a"),
    ]);
    expect(half).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    expect(slowloris).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
  });

  it("answers an oversized header block with 431", async () => {
    const answer = await exchange(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431/);
  });

  it("answers a request whose declared body is never read and closes instead of draining it", { timeout: 30_000 }, async () => {
    const answer = await exchange(`POST /health HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 10000000000\r\n\r\n`, () => "x".repeat(65536));
    expect(answer).toMatch(/^HTTP\/1\.1 405/); // /health answers GET (issue 22: 405, not 404)
    expect(answer.toLowerCase()).toContain("connection: close");
  });

  it("logs one access line per request with method, path, status, ms, rows and the request id", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/predict`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rowObjects(3)) });
    expect(response.status).toBe(200);
    await response.body?.cancel();
    const id = response.headers.get("x-request-id")!;
    for (let i = 0; i < 50 && !served.log().includes(`id=${id}`); i++) await new Promise((r) => setTimeout(r, 20));
    expect(served.log()).toMatch(new RegExp(`netsec serve: POST /predict 200 \\d+\\.\\dms rows=3 id=${id}\\n`));
  });
});
