/**
 * POST /feedback: marks land on the logged rows in MongoDB (the real FerretDB) and as lines of a
 * JSONL log; the token, the refusals (exact messages) and a row the log never kept.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { mongoUri, tempDir } from "../helpers/env.ts";
import { featureCsv, schema, startToyService, type TestService } from "./helpers.ts";
import type { PredictionDocument } from "../../src/serve/prediction-log.ts";

const TOKEN = "fb-token-77";
let service: TestService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

const db = `netsec_feedback_${process.pid}_${Date.now().toString(36)}`;
const client = new MongoClient(mongoUri());
afterAll(async () => {
  await client.db(db).dropDatabase().catch(() => {});
  await client.close();
});

async function scored(s: TestService, rows: number): Promise<{ id: string; predictions: { row: number; prediction: number }[] }> {
  const response = await s.request("/predict", { method: "POST", headers: { "content-type": "text/csv" }, body: featureCsv(rows) });
  expect(response.status).toBe(200);
  return { id: response.headers.get("x-request-id")!, predictions: (await response.json() as { predictions: { row: number; prediction: number }[] }).predictions };
}

const feedback = (s: TestService, body: unknown, token: string | null = TOKEN) =>
  s.request("/feedback", { method: "POST", headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  return (await response.json() as { error: { status: number; code: string; message: string } }).error;
}

const other = (value: number) => schema.target.allowed.find((v) => v !== value)!;

describe("POST /feedback", () => {
  it("MongoDB: marks land on the logged rows (right, wrong, or the true label by value or name)", async () => {
    service = await startToyService({ predictionLog: { sink: `${mongoUri()}/${db}.served` }, feedbackToken: TOKEN });
    const { id, predictions } = await scored(service, 4);
    const response = await feedback(service, [
      { request_id: id, row: 1, correct: true },
      { request_id: id, row: 2, correct: false },
      { request_id: id, row: 3, label: other(predictions[2].prediction) },
      { request_id: id, row: 4, label: schema.labelOf(predictions[3].prediction) },
      { request_id: id, row: 99, correct: true },
    ]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ marked: 4, unknown: [{ request_id: id, row: 99, correct: true }] });
    const docs = await client.db(db).collection<PredictionDocument>("served").find({ request_id: id }).sort({ row: 1 }).toArray();
    const marks = docs.map((d) => ({ row: d.row, label: d.feedback!.label, label_name: d.feedback!.label_name, correct: d.feedback!.correct }));
    const p = predictions.map((x) => x.prediction);
    expect(marks).toEqual([
      { row: 1, label: p[0], label_name: schema.labelOf(p[0]), correct: true },
      { row: 2, label: other(p[1]), label_name: schema.labelOf(other(p[1])), correct: false },
      { row: 3, label: other(p[2]), label_name: schema.labelOf(other(p[2])), correct: false },
      { row: 4, label: p[3], label_name: schema.labelOf(p[3]), correct: true },
    ]);

    const unknown = await feedback(service, { request_id: "nope-1", row: 1, correct: true });
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).message).toBe("no logged prediction for request nope-1 row 1: only rows the prediction log kept can be marked (see --prediction-log-share)");
  });

  it("JSONL: marks are appended as feedback lines after the logged rows", async () => {
    const file = join(tempDir("netsec-feedback-"), "log.jsonl");
    service = await startToyService({ predictionLog: { sink: file }, feedbackToken: TOKEN });
    const { id } = await scored(service, 2);
    const response = await feedback(service, { request_id: id, row: 2, label: -1 });
    expect(response.status).toBe(200);
    await service.predictionLog!.flush();
    const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.kind, l.request_id, l.row])).toEqual([["prediction", id, 1], ["prediction", id, 2], ["feedback", id, 2]]);
    expect(lines[2]).toMatchObject({ label: -1, label_name: schema.labelOf(-1) });
  });

  it("asks for its token, is off without one, and refuses bad items naming the item and field", async () => {
    service = await startToyService({ predictionLog: { sink: join(tempDir("netsec-feedback-"), "log.jsonl") }, feedbackToken: TOKEN });
    const none = await feedback(service, { request_id: "a-1", row: 1, correct: true }, null);
    expect(none.status).toBe(401);
    expect((await errorOf(none)).message).toBe("send Authorization: Bearer <token> (the value of NETSEC_FEEDBACK_TOKEN on the server)");
    expect((await feedback(service, { request_id: "a-1", row: 1, correct: true }, "wrong")).status).toBe(401);

    const badRow = await feedback(service, [{ request_id: "a-1", row: 1, correct: true }, { request_id: "a-1", row: 0, correct: true }]);
    expect(badRow.status).toBe(422);
    expect((await errorOf(badRow)).message).toBe("item 2: row must be a whole number from 1 (the row of the /predict answer)");
    const badLabel = await feedback(service, { request_id: "a-1", row: 1, label: "maybe" });
    expect(badLabel.status).toBe(422);
    expect((await errorOf(badLabel)).message).toBe(`label must be one of ${schema.target.allowed.map((v) => `${v} (${schema.labelOf(v)})`).join(", ")}`);
    const both = await feedback(service, { request_id: "a-1", row: 1, label: 1, correct: true });
    expect((await errorOf(both)).message).toBe("give either label (the true class) or correct (true/false), not both nor neither");
    const malformed = await service.request("/feedback", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` }, body: "{" });
    expect(malformed.status).toBe(400);
    await service.close();

    service = await startToyService({ predictionLog: { sink: join(tempDir("netsec-feedback-"), "log.jsonl") } });
    const off = await feedback(service, { request_id: "a-1", row: 1, correct: true });
    expect(off.status).toBe(403);
    expect((await errorOf(off)).code).toBe("FEEDBACK_DISABLED");
    await service.close();

    service = await startToyService({ feedbackToken: TOKEN });
    const noLog = await feedback(service, { request_id: "a-1", row: 1, correct: true });
    expect(noLog.status).toBe(409);
    expect((await errorOf(noLog)).message).toBe("feedback needs the prediction log: start the server with --prediction-log <mongodb uri | file.jsonl>");
  });
});
