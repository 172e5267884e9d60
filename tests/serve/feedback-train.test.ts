/**
 * The feedback round trip through the real FerretDB and MLflow: rows of the real dataset scored by
 * the service with the prediction log in MongoDB, marked through POST /feedback with their true
 * labels, then `netsec train --feedback <uri>`: the labelled rows join the training data (ingest
 * counts them), the held-out ones are scored apart, and MLflow shows the feedback rows as a second
 * dataset input (context "feedback") with its digest and the feedback_* metrics.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { mongoUri, ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";
import { mlflowUri, netsecCli, readBack } from "../tracking/helpers.ts";
import { schema, startToyService } from "./helpers.ts";

const db = `netsec_fbtrain_${process.pid}_${Date.now().toString(36)}`;
const client = new MongoClient(mongoUri());
afterAll(async () => {
  await client.db(db).dropDatabase().catch(() => {});
  await client.close();
});

describe("netsec train --feedback", () => {
  it("adds the labelled served rows with their own lineage and reports the held-out ones apart", async () => {
    const logUri = `${mongoUri()}/${db}.served`;
    const TOKEN = "fb-train-token";
    const lines = readFileSync(SHARED_DATA, "utf8").trim().split("\n");
    const header = lines[0].split(",").map((c) => c.replace(/"/g, ""));
    const targetAt = header.indexOf(schema.target.name);
    const picked = lines.slice(1, 61).map((l) => l.split(","));
    const csv = [header.filter((_, i) => i !== targetAt).join(","), ...picked.map((cells) => cells.filter((_, i) => i !== targetAt).join(","))].join("\n") + "\n";

    const service = await startToyService({ predictionLog: { sink: logUri }, feedbackToken: TOKEN });
    let requestId: string;
    try {
      const scored = await service.request("/predict", { method: "POST", headers: { "content-type": "text/csv" }, body: csv });
      expect(scored.status).toBe(200);
      requestId = scored.headers.get("x-request-id")!;
      const marks = picked.map((cells, r) => ({ request_id: requestId, row: r + 1, label: Number(cells[targetAt]) }));
      const response = await service.request("/feedback", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(marks) });
      expect(await response.json()).toEqual({ marked: 60, unknown: [] });
    } finally {
      await service.close();
    }

    const cwd = tempDir("netsec-fbtrain-");
    const experimentName = `feedback-${db}`;
    const r = await netsecCli(["train", "--data", SHARED_DATA, "--feedback", logUri, "--experiment", join(ROOT, "experiments", "fast.yaml"), "--artifacts", join(cwd, "Artifacts"), "--model-dir", join(cwd, "final_model"), "--json"], cwd, { MLFLOW_TRACKING_URI: mlflowUri(), MLFLOW_EXPERIMENT_NAME: experimentName });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { runDir: string; metrics: Record<string, number>; feedback: { rows: number; trainRows: number; digest: string; location: string; classes: Record<string, number>; metrics: Record<string, number> } };
    const { feedback } = out;
    expect(feedback.rows + feedback.trainRows).toBe(60);
    expect(feedback.rows).toBeGreaterThan(0);
    expect(feedback.trainRows).toBeGreaterThan(0);
    expect(feedback.location).toBe(`mongodb://${new URL(mongoUri()).host}/${db}.served`);
    const trueLabels = picked.map((cells) => cells[targetAt]);
    expect(Object.values(feedback.classes).reduce((a, b) => a + b, 0)).toBe(feedback.rows);
    for (const value of Object.keys(feedback.classes)) expect(trueLabels).toContain(value);
    expect(feedback.metrics.accuracy).toBeGreaterThan(0);
    expect(feedback.metrics.accuracy).toBeLessThanOrEqual(1);

    // Ingest saw the dataset plus the feedback rows meant for training.
    const ingestion = JSON.parse(readFileSync(join(out.runDir, "data_ingestion", "ingestion.json"), "utf8")) as { rows: number };
    expect(ingestion.rows).toBe(lines.length - 1 + feedback.trainRows);
    expect(JSON.parse(readFileSync(join(out.runDir, "feedback_evaluation.json"), "utf8"))).toEqual(feedback);
    // The run's report shows the feedback rows' metrics next to the test split's.
    const report = readFileSync(join(out.runDir, "report.html"), "utf8");
    expect(report).toContain("Feedback rows (held out)");
    expect(report).toContain(`<td>${feedback.metrics.accuracy.toFixed(4)}</td>`);

    const back = await readBack(mlflowUri(), { runs: [], experiment: experimentName, all_runs: true });
    const parent = Object.values(back.runs).find((run) => run.datasets.length > 0)!;
    const contexts = parent.datasets.map((d) => [d.tags["mlflow.data.context"], d.name]).sort();
    expect(contexts).toContainEqual(["feedback", "feedback"]);
    expect(contexts.some(([context]) => context === "training")).toBe(true);
    const input = parent.datasets.find((d) => d.tags["mlflow.data.context"] === "feedback")!;
    expect(input.digest).toBe(feedback.digest);
    expect(JSON.parse(input.source).uri).toBe(feedback.location);
    expect(JSON.parse(input.profile).num_rows).toBe(60);
    expect(parent.metrics.feedback_accuracy.at(-1)![2]).toBeCloseTo(feedback.metrics.accuracy, 12);
    expect(parent.params.feedback_train_rows).toBe(String(feedback.trainRows));
  }, 600_000);
});
