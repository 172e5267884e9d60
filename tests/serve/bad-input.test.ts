// Every kind of bad request gets a clear refusal (status + message naming row/column), and the
// service keeps answering /health and a good /predict afterwards. Requests go through the app
// without a socket (Hono's app.request) except where the socket is the point: limits on what
// arrives over the wire, slow clients, raw request lines.
import { connect } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectHealthy, FEATURES, featureCsv, rowObjects, startToyServer, startToyService, type TestServer, type TestService } from "./helpers.ts";

let service: TestService;
let server: TestServer;
const LIMIT = 64 * 1024;
const limits = { maxBytes: LIMIT, idleTimeoutMs: 300, totalTimeoutMs: 2_000 };
beforeAll(async () => {
  service = await startToyService({ limits });
  server = await startToyServer({ limits });
});
afterAll(async () => {
  await Promise.all([service?.close(), server?.close()]);
});
afterEach(async () => {
  await expectHealthy(service);
  await expectHealthy(server);
});

interface ErrorJson {
  error: { status: number; code: string; message: string; row?: number; column?: string; problems?: unknown[] };
}

async function post(body: BodyInit | undefined, contentType?: string): Promise<{ status: number; body: ErrorJson }> {
  const headers: Record<string, string> = contentType ? { "content-type": contentType } : {};
  const response = await service.request("/predict", { method: "POST", headers, body });
  return { status: response.status, body: await response.json() as ErrorJson };
}

/** Send raw bytes on a fresh connection; resolve with the response text when the server answers or closes. */
function raw(request: string, keepOpenMs?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1");
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString("utf8");
      if (/\r\n\r\n/.test(text) && keepOpenMs === undefined) socket.end();
    });
    socket.on("error", (error) => (text ? resolve(text) : reject(error)));
    socket.on("close", () => resolve(text));
    socket.write(request);
  });
}

function status(responseText: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(responseText)?.[1]);
}

describe("serve: bad input", () => {
  it("empty body → 400", async () => {
    const r = await post("", "text/csv");
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain("body is empty");
  });

  it("header only, no rows → 400", async () => {
    const r = await post(featureCsv(0), "text/csv");
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain("no data rows");
  });

  it("wrong or missing content type → 415 naming the accepted types", async () => {
    const xml = await post("<rows/>", "application/xml");
    expect(xml.status).toBe(415);
    expect((xml.body as unknown as { modelVersion: string }).modelVersion).toBe("1");
    expect(xml.body.error.message).toContain(`content type "application/xml" is not accepted`);
    expect(xml.body.error.message).toContain("text/csv");
    const none = await service.request("/predict", { method: "POST", body: new Uint8Array([1, 2, 3]) });
    expect(none.status).toBe(415);
    await none.body?.cancel();
  });

  it("body over the limit by content-length → 413 before the body is read", async () => {
    // Only the headers are sent: the answer comes without the server waiting for the body.
    const text = await raw(`POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\nContent-Length: ${LIMIT * 100}\r\n\r\n`);
    expect(status(text)).toBe(413);
    expect(text).toContain("is over the limit of");
  });

  it("body over the limit without content-length (chunked) → 413 while streaming", async () => {
    const big = featureCsv(3000);
    expect(big.length).toBeGreaterThan(LIMIT);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= big.length) return controller.close();
        controller.enqueue(new TextEncoder().encode(big.slice(sent, sent + 8192)));
        sent += 8192;
      },
    });
    const response = await fetch(`${server.url}/predict`, { method: "POST", headers: { "content-type": "text/csv" }, body: stream, duplex: "half" } as RequestInit);
    expect(response.status).toBe(413);
    expect((await response.json() as ErrorJson).error.message).toContain("over the limit");
  });

  it("missing column → 422 naming the column (row 0 = header)", async () => {
    const csv = featureCsv(2).split("\n").map((l) => l.split(",").slice(1).join(",")).join("\n");
    const r = await post(csv, "text/csv");
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: "MISSING_COLUMN", row: 0, column: FEATURES[0] });
    expect(r.body.error.message).toContain(`missing column ${FEATURES[0]}`);
  });

  it("extra column → 422 naming it", async () => {
    const rows = rowObjects(2).map((o) => ({ ...o, url: 3 }));
    const r = await post(JSON.stringify(rows), "application/json");
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: "EXTRA_COLUMN", column: "url" });
    expect(r.body.error.message).toContain("unexpected column url");
  });

  it("non-numeric cell → 422 naming row and column", async () => {
    const lines = featureCsv(3).split("\n");
    const cells = lines[2].split(",");
    cells[4] = "abc";
    lines[2] = cells.join(",");
    const r = await post(lines.join("\n"), "text/csv");
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: "NOT_A_NUMBER", row: 2, column: FEATURES[4] });
    expect(r.body.error.message).toContain(`row 2, column ${FEATURES[4]}: got "abc"`);
  });

  it("non-numeric JSON value → 422 naming row and column", async () => {
    const rows: Record<string, unknown>[] = rowObjects(3);
    rows[2][FEATURES[7]] = true;
    const r = await post(JSON.stringify(rows), "application/json");
    expect(r.status).toBe(422);
    expect(r.body.error.message).toContain(`row 3, column ${FEATURES[7]}: got true`);
  });

  it("out-of-range value → 422 naming row, column and the allowed values", async () => {
    const rows = rowObjects(4);
    rows[3][FEATURES[1]] = 7;
    const r = await post(JSON.stringify(rows), "application/json");
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: "OUT_OF_RANGE", row: 4, column: FEATURES[1] });
    expect(r.body.error.message).toBe(`row 4, column ${FEATURES[1]}: got 7, expected one of -1, 0, 1`);
  });

  it("ragged CSV row → 422 naming the row", async () => {
    const csv = featureCsv(3).replace(/\n([^\n]*)\n$/, "\n$1,1\n");
    const r = await post(csv, "text/csv");
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: "RAGGED_ROW", row: 3 });
  });

  it("semicolon-separated CSV → 422 saying so", async () => {
    const r = await post(featureCsv(2).replaceAll(",", ";"), "text/csv");
    expect(r.status).toBe(422);
    expect(r.body.error.message).toContain("separated by ';'");
  });

  it("malformed JSON → 400", async () => {
    const r = await post('[{"having_IP_Address": 1,', "application/json");
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("MALFORMED_JSON");
    expect(r.body.error.message).toContain("not valid JSON");
  });

  it("multipart without a field named file → 400 naming the fields it has", async () => {
    const form = new FormData();
    form.append("note", "");
    form.append("upload", new Blob([featureCsv(2)], { type: "text/csv" }), "sites.csv");
    const response = await service.request("/predict", { method: "POST", body: form });
    expect(response.status).toBe(400);
    const body = await response.json() as ErrorJson;
    expect(body.error.code).toBe("MULTIPART_NO_FILE");
    expect(body.error.message).toBe('the multipart form has no field named "file" (it has "note", "upload"): send the CSV in a field named "file"');
  });

  it("multipart with two files → 400, nothing silently dropped", async () => {
    const form = new FormData();
    form.append("file", new Blob([featureCsv(2)], { type: "text/csv" }), "a.csv");
    form.append("file", new Blob([featureCsv(3)], { type: "text/csv" }), "b.csv");
    const response = await service.request("/predict", { method: "POST", body: form });
    expect(response.status).toBe(400);
    expect((await response.json() as ErrorJson).error.message).toContain('has 2 fields named "file": send one CSV per request');
  });

  it("slow client → 408 once the body stops arriving", async () => {
    const body = featureCsv(2);
    const text = await raw(`POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 40)}`);
    expect(status(text)).toBe(408);
    expect(text).toContain("did not arrive in time");
  });

  it("paths with '..' are refused without touching files", async () => {
    for (const path of ["/../../etc/passwd", "/docs/..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd", "/predict/..\\..\\schema.yaml"]) {
      const text = await raw(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      expect([400, 404]).toContain(status(text));
      expect(text).not.toContain("root:");
    }
  });

  it("another method on a route → 405 JSON with Allow (issue 22; methods.test.ts has the rest)", async () => {
    const response = await service.request("/predict", { method: "GET" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("METHOD_NOT_ALLOWED");
  });
});
