// Inputs an attacker (or an unlucky client) sends: each gets a short, clear refusal at a cost
// linear in its size, and the service keeps answering afterwards. Through the app without a
// socket, except where the socket is the point (gzip over the wire, slow headers).
import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseCsvText } from "../../src/serve/csv-body.ts";
import { expectHealthy, FEATURES, featureCsv, rowObjects, startToyServer, startToyService, toyLoader, type TestServer, type TestService } from "./helpers.ts";

let service: TestService;
let server: TestServer;
const logged: string[] = [];
beforeAll(async () => {
  service = await startToyService({ log: (line) => logged.push(line) });
  server = await startToyServer({ listener: { headerTimeoutMs: 500, checkIntervalMs: 100 } });
});
afterAll(async () => {
  await Promise.all([service?.close(), server?.close()]);
});
afterEach(async () => {
  await expectHealthy(service);
});

interface ErrorJson {
  error: { status: number; code: string; message: string; row?: number; column?: string; value?: string; problems?: unknown[]; problemCount?: number; requestId?: string };
}

async function post(body: BodyInit, headers: Record<string, string>): Promise<{ status: number; text: string; json: ErrorJson }> {
  const response = await service.request("/predict", { method: "POST", headers, body });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) as ErrorJson };
}

const header = FEATURES.map((f) => `"${f}"`).join(",");

describe("serve: hostile input", () => {
  it("a header of 1,000,000 distinct names (9.9 MB) is refused at once with a short answer", { timeout: 30_000 }, async () => {
    const names = Array.from({ length: 1_000_000 }, (_, i) => `c${i}`).join(",");
    expect(names.length).toBeGreaterThan(6_000_000);
    const r = await post(`${names}\n`, { "content-type": "text/csv" });
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe("CSV_INVALID");
    expect(r.json.error.message).toContain("the header line is longer than 1048576 bytes");
    expect(r.text.length).toBeLessThan(2000);
  });

  it("more columns than the limit (100,000 names under 1 MiB) are refused naming the limit", { timeout: 30_000 }, async () => {
    const names = Array.from({ length: 100_000 }, (_, i) => `${i}`).join(",");
    const r = await post(`${names}\n`, { "content-type": "text/csv" });
    expect(r.status).toBe(422);
    expect(r.json.error.message).toContain("more than 4096 columns");
    expect(r.text.length).toBeLessThan(2000);
  });

  it("50 MiB on one line with no line end: a short error, the line never echoed", { timeout: 30_000 }, async () => {
    const line = "x".repeat(50 * 1024 * 1024);
    const r = await post(line, { "content-type": "text/csv" });
    expect(r.status).toBe(422);
    expect(r.json.error.message).toMatch(/header line is longer than 1048576 bytes/);
    expect(r.text.length).toBeLessThan(2000);
    // A data row that long: refused by row and offset, not echoed either.
    const row = await post(`${header}\n${"1,".repeat(600_000)}1\n`, { "content-type": "text/csv" });
    expect(row.status).toBe(422);
    expect(row.json.error.message).toContain(`row 1 (byte offset ${header.length + 1}) is longer than 1048576 bytes`);
    expect(row.text.length).toBeLessThan(2000);
  });

  it("a long column name or cell value is echoed as a short escaped excerpt", async () => {
    const name = `evil\u202e${"n".repeat(100_000)}`;
    const r = await post(`${header},"${name}"\n${"1,".repeat(30)}1\n`, { "content-type": "text/csv" });
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe("EXTRA_COLUMN");
    expect(r.json.error.message).toContain(`"evil\\u202e${"n".repeat(35)}… (100005 characters)"`);
    expect(r.text.length).toBeLessThan(3000);
    const cell = await post(`${header}\n${"z".repeat(200_000)}${",1".repeat(29)}\n`, { "content-type": "text/csv" });
    expect(cell.status).toBe(422);
    expect(cell.text.length).toBeLessThan(3000);
    expect(cell.json.error.message).toContain("… (200000 characters)");
  });

  it("8 MB of non-numeric cells: the first 20 problems are kept and the rest only counted", async () => {
    const rows = Array.from({ length: 130_000 }, () => Array(FEATURES.length).fill("x").join(",")).join("\n");
    const parsed = await parseCsvText(`${header}\n${rows}\n`);
    expect(parsed.problems).toHaveLength(20);
    expect(parsed.problemCount).toBe(130_000 * FEATURES.length);
    const r = await post(`${header}\n${rows}\n`, { "content-type": "text/csv" });
    expect(r.status).toBe(422);
    expect(r.json.error.problems).toHaveLength(20);
    expect(r.json.error.problemCount).toBe(130_000 * FEATURES.length);
    expect(r.json.error.message).toContain(`(and ${130_000 * FEATURES.length - 1} more problems; the first 20 are listed)`);
  });

  it("a JSON cell nested 50,000 objects deep gets a short 400, not a megabyte of echo", async () => {
    const deep = `${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}`;
    const body = `[{${FEATURES.map((f, i) => `"${f}": ${i === 0 ? deep : 1}`).join(",")}}]`;
    const r = await post(body, { "content-type": "application/json" });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("JSON_TOO_DEEP");
    expect(r.json.error.message).toContain("nests deeper than 8 levels");
    expect(r.text.length).toBeLessThan(1000);
  });

  it("a JSON object or array as a cell is named as such, not dumped", async () => {
    const rows = rowObjects(2) as Record<string, unknown>[];
    rows[1][FEATURES[3]] = { nested: [1, 2, 3], more: "x".repeat(10_000) };
    const r = await post(JSON.stringify(rows), { "content-type": "application/json" });
    expect(r.status).toBe(422);
    expect(r.json.error.message).toBe(`row 2, column ${FEATURES[3]}: got an object with 2 members, expected a number (or null for a missing value)`);
  });

  it("UTF-16 input is refused naming the encoding; a bad byte is refused naming its offset", async () => {
    const text = featureCsv(2);
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    const r = await post(le, { "content-type": "text/csv" });
    expect(r.status).toBe(422);
    expect(r.json.error.message).toContain("not a UTF-8 CSV file: it is UTF-16LE text (byte-order mark ff fe); save it as UTF-8");
    const noBom = await post(Buffer.from(text, "utf16le"), { "content-type": "text/csv" });
    expect(noBom.json.error.message).toContain("NUL byte at byte offset 1: it looks like UTF-16 text without a byte-order mark");
    const latin1 = Buffer.from(`${header}\n${"1,".repeat(29)}"caf\xe9"\n`, "latin1");
    const bad = await post(latin1, { "content-type": "text/csv" });
    expect(bad.status).toBe(422);
    expect(bad.json.error.message).toContain(`row 1: byte 0xe9 at byte offset ${header.length + 1 + 58 + 4} is not UTF-8`);
    // A BOM'd UTF-8 file is read as usual.
    const bom = await service.request("/predict", { method: "POST", headers: { "content-type": "text/csv" }, body: `\uFEFF${featureCsv(2)}` });
    expect(bom.status).toBe(200);
    await bom.body?.cancel();
  });

  it("CR-only line ends are said to be so", async () => {
    const r = await post(featureCsv(3).replaceAll("\n", "\r"), { "content-type": "text/csv" });
    expect(r.status).toBe(422);
    expect(r.json.error.message).toContain("the lines end with a carriage return only (CR, classic Mac OS line ends)");
    expect(r.json.error.message).not.toContain("appears twice");
  });

  it("1e309 is reported as out of range, in JSON and in CSV", async () => {
    const json = `[{${FEATURES.map((f, i) => `"${f}": ${i === 2 ? "1e309" : 1}`).join(",")}}]`;
    const r = await post(json, { "content-type": "application/json" });
    expect(r.status).toBe(422);
    expect(r.json.error.message).toBe(`row 1, column ${FEATURES[2]}: got a number out of the range of a 64-bit float (e.g. 1e309), expected a number within ±1.8e308`);
    expect(r.json.error.message).not.toContain("null");
    const csv = await post(`${header}\n1,1,1e309${",1".repeat(27)}\n`, { "content-type": "text/csv" });
    expect(csv.json.error.message).toBe(`row 1, column ${FEATURES[2]}: got "1e309", expected a number within ±1.8e308 (this one is out of the range of a 64-bit float)`);
  });

  it("Content-Encoding: gzip is decoded (over a real socket too); the cap applies after decoding; other encodings get 415", async () => {
    const csv = featureCsv(5);
    const ok = await service.request("/predict", { method: "POST", headers: { "content-type": "text/csv", "content-encoding": "gzip" }, body: gzipSync(csv) });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { predictions: unknown[] }).predictions).toHaveLength(5);
    const wire = await fetch(`${server.url}/predict`, { method: "POST", headers: { "content-type": "text/csv", "content-encoding": "gzip" }, body: gzipSync(csv) });
    expect(wire.status).toBe(200);
    await wire.body?.cancel();
    // 80 MB of zeros in ~80 KB: refused as a bomb after its first pieces (over 500× expansion).
    const bomb = await post(gzipSync(Buffer.alloc(80 * 1024 * 1024, 48)), { "content-type": "text/csv", "content-encoding": "gzip" });
    expect(bomb.status).toBe(413);
    expect(bomb.json.error.message).toMatch(/the gzip body expands more than 500× \(\d+ bytes decoded to over \d+\): refused as a compression bomb/);
    // Over the cap once decoded, at an ordinary ratio (random digits: ~2×): 413 counted on the decoded bytes.
    const digits = Buffer.from(Array.from({ length: 70 * 1024 * 1024 }, (_, i) => 48 + ((i * 2654435761) >>> 28) % 10));
    const over = await post(gzipSync(digits, { level: 1 }), { "content-type": "text/csv", "content-encoding": "gzip" });
    expect(over.status).toBe(413);
    expect(over.json.error.message).toContain("once decoded from gzip");
    const broken = await post(Buffer.from("not gzip at all"), { "content-type": "text/csv", "content-encoding": "gzip" });
    expect(broken.status).toBe(400);
    expect(broken.json.error.code).toBe("BAD_ENCODING");
    const br = await post(csv, { "content-type": "text/csv", "content-encoding": "br" });
    expect(br.status).toBe(415);
    expect(br.json.error.message).toContain('content encoding "br" is not accepted');
  });

  it("multipart: no boundary, no closing boundary, too many parts → 400 saying which", async () => {
    const noBoundary = await post("--x\r\n", { "content-type": "multipart/form-data" });
    expect(noBoundary.status).toBe(400);
    expect(noBoundary.json.error.message).toContain("the content type has no boundary");
    const open = await post(`--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n${featureCsv(2)}`, { "content-type": "multipart/form-data; boundary=b" });
    expect(open.status).toBe(400);
    expect(open.json.error.message).toContain('the body ends before the closing boundary "--b--"');
    const many = Array.from({ length: 101 }, (_, i) => `--b\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nx\r\n`).join("") + "--b--\r\n";
    const r = await post(many, { "content-type": "multipart/form-data; boundary=b" });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain("more than 100 parts");
    // A well-formed form with the file in the field named file is scored.
    const form = new FormData();
    form.append("note", "hello");
    form.append("file", new Blob([featureCsv(3)], { type: "text/csv" }), "sites.csv");
    const good = await service.request("/predict", { method: "POST", body: form });
    expect(good.status).toBe(200);
    expect(((await good.json()) as { predictions: unknown[] }).predictions).toHaveLength(3);
  });

  it("a 500 says only 'internal error' and a request id; the log line has the id and the details", async () => {
    const broken = await startToyService({
      load: async (dir) => ({ ...(await toyLoader(dir)), predictGrouped: () => { throw new Error("secret internal detail /etc/netsec"); } }),
      log: (line) => logged.push(line),
    });
    try {
      const response = await broken.request("/predict", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rowObjects(1)) });
      expect(response.status).toBe(500);
      const body = await response.json() as ErrorJson;
      expect(body.error.code).toBe("INTERNAL");
      expect(body.error.message).toMatch(/^internal error \(request id [a-z0-9]+-[a-z0-9]+; the details are in the server log\)$/);
      expect(JSON.stringify(body)).not.toContain("secret");
      const id = body.error.requestId!;
      expect(response.headers.get("x-request-id")).toBe(id);
      expect(logged.some((l) => l.startsWith(`error ${id} on POST /predict: Error: secret internal detail`))).toBe(true);
    } finally {
      await broken.close();
    }
  });

  it("one access-log line per request: method, path, status, ms, rows, id", async () => {
    logged.length = 0;
    const ok = await service.request("/predict", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rowObjects(7)) });
    await ok.body?.cancel();
    const bad = await service.request("/predict", { method: "POST", headers: { "content-type": "text/csv" }, body: "a;b\n1;2\n" });
    await bad.body?.cancel();
    const health = await service.request("/health");
    await health.body?.cancel();
    const lines = logged.filter((l) => /^(GET|POST) /.test(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^POST /predict 200 \\d+\\.\\dms rows=7 id=${ok.headers.get("x-request-id")}$`));
    expect(lines[1]).toMatch(/^POST \/predict 422 \d+\.\dms rows=- id=\S+$/);
    expect(lines[2]).toMatch(/^GET \/health 200 \d+\.\dms rows=- id=\S+$/);
  });

  it("large bodies take turns: with the turns and the queue full, the next large one gets 503, small ones still pass", async () => {
    const gated = await startToyService({ limits: { maxConcurrentLarge: 1, maxQueuedLarge: 1 } });
    try {
      let release: () => void = () => {};
      const held = new Promise<void>((r) => (release = r));
      // 300 KB sent at once (large), the rest held back until release().
      const slow = (rows: number) => new ReadableStream<Uint8Array>({
        async start(controller) {
          const text = featureCsv(rows);
          controller.enqueue(new TextEncoder().encode(text.slice(0, 300_000)));
          await held;
          controller.enqueue(new TextEncoder().encode(text.slice(300_000)));
          controller.close();
        },
      });
      const big = { method: "POST", headers: { "content-type": "text/csv" }, duplex: "half" } as RequestInit;
      // The first takes the turn, the second waits for it.
      const first = gated.request("/predict", { ...big, body: slow(5000) });
      const second = gated.request("/predict", { ...big, body: slow(5001) });
      await new Promise((r) => setTimeout(r, 50));
      const third = await gated.request("/predict", { ...big, body: slow(5002) });
      expect(third.status).toBe(503);
      expect(third.headers.get("retry-after")).toBe("1");
      expect(((await third.json()) as ErrorJson).error.code).toBe("BUSY");
      await expectHealthy(gated);
      release();
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
    } finally {
      await gated.close();
    }
  });

  it("a half-sent request line is closed after the header timeout", { timeout: 20_000 }, async () => {
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(server.port, "127.0.0.1");
      let text = "";
      socket.on("data", (chunk) => (text += chunk.toString()));
      socket.on("close", () => resolve(text));
      socket.on("error", () => resolve(text));
      socket.write("GET /health HT");
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});
