// POST /train and GET /train/{id}: disabled without a token, bearer-checked, one run at a time,
// status and metrics from the `--json` line of the training process. The training command is a
// small stand-in script (fixtures/fake-train.mjs) so the test controls when "training" ends; the
// real `netsec train` subprocess is started in real-model.test.ts.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/env.ts";
import { expectHealthy, startToyService, type TestService } from "./helpers.ts";

const TOKEN = "s3cret-token-for-tests";
const work = tempDir("netsec-train-");
const started: TestService[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.close()));
});

async function serverWith(trainToken: string | undefined, exitCode = "0"): Promise<{ server: TestService; release: string; argsFile: string }> {
  const release = join(work, `release-${started.length}`);
  const argsFile = join(work, `args-${started.length}.json`);
  const script = join(import.meta.dirname, "fixtures", "fake-train.mjs");
  const server = await startToyService({ trainToken, train: { command: process.execPath, args: [script, release, argsFile, exitCode, "--json"] } });
  started.push(server);
  return { server, release, argsFile };
}

const auth = { authorization: `Bearer ${TOKEN}` };

async function waitForJob(server: TestService, id: string): Promise<Record<string, unknown>> {
  for (;;) {
    const job = await (await server.request(`/train/${id}`, { headers: auth })).json() as Record<string, unknown>;
    if (job.state !== "running") return job;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("serve: /train", () => {
  it("is disabled (403) when no token is configured, even with a token sent", async () => {
    const { server } = await serverWith(undefined);
    for (const headers of [{}, auth] as Record<string, string>[]) {
      const response = await server.request(`/train`, { method: "POST", headers });
      expect(response.status).toBe(403);
      expect((await response.json()).error.message).toContain("NETSEC_TRAIN_TOKEN");
    }
    expect((await server.request(`/train/x`)).status).toBe(403);
  });

  it("refuses a missing or wrong bearer token (401)", async () => {
    const { server } = await serverWith(TOKEN);
    for (const headers of [{}, { authorization: "Bearer nope" }, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Basic ${TOKEN}` }] as Record<string, string>[]) {
      const response = await server.request(`/train`, { method: "POST", headers });
      expect(response.status).toBe(401);
      await response.body?.cancel();
    }
    expect((await server.request(`/train/x`, { headers: { authorization: "Bearer nope" } })).status).toBe(401);
  });

  it("starts one run in the background, 409 for a second, then reports metrics", async () => {
    const { server, release, argsFile } = await serverWith(TOKEN);
    const first = await server.request(`/train`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ experiment: "default" }) });
    expect(first.status).toBe(202);
    const job = await first.json() as { id: string; state: string };
    expect(job.state).toBe("running");
    expect(first.headers.get("location")).toBe(`/train/${job.id}`);

    const second = await server.request(`/train`, { method: "POST", headers: auth });
    expect(second.status).toBe(409);
    expect((await second.json()).error.message).toContain(job.id);

    // Predictions keep being served while training runs.
    await expectHealthy(server);
    const running = await (await server.request(`/train/${job.id}`, { headers: auth })).json();
    expect(running.state).toBe("running");

    while (!existsSync(argsFile)) await new Promise((r) => setTimeout(r, 20));
    writeFileSync(release, "");
    const done = await waitForJob(server, job.id);
    expect(done).toMatchObject({ id: job.id, state: "succeeded", exitCode: 0, result: { best: "hist-forest", metrics: { f1: 0.97 }, pushed: true } });
    expect(JSON.parse(readFileSync(argsFile, "utf8"))).toEqual(["--json", "--experiment", expect.stringMatching(/\/experiments\/default\.yaml$/)]);

    // Free again.
    const third = await server.request(`/train`, { method: "POST", headers: auth });
    expect(third.status).toBe(202);
    await third.body?.cancel();
  });

  it("reports a failed run with the end of its error output", async () => {
    const { server, release } = await serverWith(TOKEN, "1");
    writeFileSync(release, "");
    const job = await (await server.request(`/train`, { method: "POST", headers: auth })).json() as { id: string };
    const done = await waitForJob(server, job.id);
    expect(done).toMatchObject({ state: "failed", exitCode: 1 });
    expect(done.error).toContain("row 3: bad value");
  });

  it("refuses a bad experiment name, malformed JSON and unknown ids", async () => {
    const { server } = await serverWith(TOKEN);
    const bad = await server.request(`/train`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ experiment: "../../etc/passwd" }) });
    expect(bad.status).toBe(422);
    await bad.body?.cancel();
    const notText = await server.request(`/train`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ experiment: 5 }) });
    expect(notText.status).toBe(422);
    await notText.body?.cancel();
    const malformed = await server.request(`/train`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "{" });
    expect(malformed.status).toBe(400);
    await malformed.body?.cancel();
    const unknown = await server.request(`/train/does-not-exist`, { headers: auth });
    expect(unknown.status).toBe(404);
    await unknown.body?.cancel();
    await expectHealthy(server);
  });
});
