/**
 * `netsec serve --model-uri` against a real MLflow server of this test's own (so it can be
 * stopped): serves the alias's version with its checksum checked and reported in /model, swaps in
 * a new version when the alias moves, keeps serving the last good model while the server is down,
 * refuses to start without the registry or with a model.json that is not the one logged, and
 * serves a fixed version as such.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadModelFile } from "../../src/models/model-file.ts";
import { exportRegisteredModel, parseModelUri } from "../../src/tracking/registry-model.ts";
import { MlflowClient } from "../../src/tracking/index.ts";
import { spawnSync } from "node:child_process";
import { denoFlags, servePermissions } from "../../src/runtime/deno-permissions.ts";
import { DENO, ROOT, tempDir } from "../helpers/env.ts";
import { startDenoServe } from "./deno-serve.ts";
import { freePort, OwnMlflow } from "../tracking/helpers.ts";
import { featureCsv } from "./helpers.ts";
import { writeRealModel } from "./real-model.ts";
import { eventually, modelInfo, moveAlias, registerVersion, type ServeProcess, startServe } from "./registry-helpers.ts";

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

async function predict(url: string, csv: string): Promise<{ version: string | null; probability: number[] }> {
  const r = await fetch(`${url}/predict`, { method: "POST", headers: { "content-type": "text/csv" }, body: csv });
  expect(r.status).toBe(200);
  const body = (await r.json()) as { predictions: { probability: number }[] };
  return { version: r.headers.get("x-model-version"), probability: body.predictions.map((p) => p.probability) };
}

describe("netsec serve --model-uri (a real MLflow registry)", () => {
  const mlflow = new OwnMlflow();
  const name = `netsec-serve-${Date.now().toString(36)}`;
  const dirs = [tempDir("netsec-reg-v1-"), tempDir("netsec-reg-v2-")];
  const csv = featureCsv(50);
  const expected: number[][] = [];
  const started: ServeProcess[] = [];
  const serve = async (args: string[], env: Record<string, string> = {}) => {
    const s = await startServe(args, { MLFLOW_TRACKING_URI: mlflow.uri, ...env });
    started.push(s);
    return s;
  };

  beforeAll(async () => {
    await mlflow.start();
    await writeRealModel(dirs[0], 1, 8);
    await writeRealModel(dirs[1], 2, 8);
    for (const dir of dirs) {
      const model = await loadModelFile(dir);
      const { parseCsvText } = await import("../../src/serve/csv-body.ts");
      expected.push(Array.from(model.predictFrame((await parseCsvText(csv)).frame).probability, (p) => Math.round(p * 1e6) / 1e6));
    }
    expect(expected[0]).not.toEqual(expected[1]);
    expect(await registerVersion(mlflow.uri, name, dirs[0], "champion")).toBe("1");
  }, 180_000);

  afterAll(async () => {
    for (const s of started) await s.kill("SIGKILL");
    await mlflow.kill();
  });

  let follower: ServeProcess;

  it("serves the alias's version, its sha256 checked; /model names name, version, alias and sha256", async () => {
    follower = await serve(["--model-uri", `models:/${name}@champion`, "--registry-poll-s", "1"]);
    const info = await modelInfo(follower.url);
    expect(info).toMatchObject({ name, alias: "champion", version: "1", sha256: sha(join(dirs[0], "model.json")) });
    expect(info.registry).toMatchObject({ source: "registry", trackingUri: mlflow.uri, modelUri: `models:/${name}@champion`, version: "1", pollSeconds: 1 });
    expect(info.registry.lastError).toBeUndefined();
    expect(await predict(follower.url, csv)).toEqual({ version: "1", probability: expected[0] });
    // Training over HTTP is off: a push to a local folder would not move the registry's alias.
    expect((await fetch(`${follower.url}/train`, { method: "POST" })).status).toBe(403);
  }, 120_000);

  it("moving the alias: the new version is fetched and swapped in", async () => {
    const v2 = await registerVersion(mlflow.uri, name, dirs[1]);
    expect(v2).toBe("2");
    expect((await modelInfo(follower.url)).version).toBe("1"); // registered, alias not moved yet
    await moveAlias(mlflow.uri, name, "champion", v2);
    await eventually("the follower serves version 2", async () => (await modelInfo(follower.url)).version === "2");
    expect(await modelInfo(follower.url)).toMatchObject({ version: "2", sha256: sha(join(dirs[1], "model.json")) });
    expect(await predict(follower.url, csv)).toEqual({ version: "2", probability: expected[1] });
    expect(follower.logs.join("")).toContain(`models:/${name}@champion moved from version 1 to 2: swapped in`);
  }, 120_000);

  it("registry down later: the last good model keeps serving and /model says why; back up: clears", async () => {
    await mlflow.kill();
    await eventually("/model shows the registry error", async () => Boolean((await modelInfo(follower.url)).registry.lastError));
    const info = await modelInfo(follower.url);
    expect(info.version).toBe("2");
    expect(info.registry.lastError).toMatch(new RegExp(mlflow.uri.replaceAll(".", "\\.")));
    expect(await predict(follower.url, csv)).toEqual({ version: "2", probability: expected[1] });
    expect(follower.logs.join("")).toContain("not refreshed, still serving version 2");
    await mlflow.start();
    await eventually("the error clears once the registry is back", async () => (await modelInfo(follower.url)).registry.lastError === undefined);
    expect(follower.proc.exitCode).toBeNull();
  }, 180_000);

  it("a fixed version is served as such (no alias, no polling)", async () => {
    const fixed = await serve(["--model-uri", `models:/${name}/1`]);
    const info = await modelInfo(fixed.url);
    expect(info).toMatchObject({ name, version: "1", sha256: sha(join(dirs[0], "model.json")) });
    expect(info.alias).toBeUndefined();
    expect(info.registry.pollSeconds).toBeUndefined();
    expect(await predict(fixed.url, csv)).toEqual({ version: "1", probability: expected[0] });
  }, 120_000);

  it("under narrowed Deno flags: the tracking host on --allow-net, the model cache readable and writable — and nothing less", async () => {
    const cache = tempDir("netsec-reg-cache-");
    const port = await freePort();
    const needed = denoFlags({ ...servePermissions({ root: ROOT, modelDir: cache, host: "127.0.0.1", port, netHosts: [new URL(mlflow.uri).host] }), write: [cache] });
    expect(needed).toEqual([`--allow-read=${ROOT}/schema.yaml,${cache},${ROOT}/src`, `--allow-write=${cache}`, `--allow-net=127.0.0.1:${port},${new URL(mlflow.uri).host}`, "--allow-env"]);
    const args = ["--port", String(port), "--model-uri", `models:/${name}@champion`, "--model-cache", cache];
    const narrowed = await startDenoServe({ flags: needed, args, env: { MLFLOW_TRACKING_URI: mlflow.uri } });
    try {
      expect(await modelInfo(narrowed.url)).toMatchObject({ name, version: "2" });
      expect(narrowed.log()).toContain("(write kept: the model cache)");
    } finally {
      narrowed.child.kill("SIGKILL");
    }
    // Without the tracking host it refuses to start, naming the flag.
    const flags = needed.map((f) => (f.startsWith("--allow-net=") ? `--allow-net=127.0.0.1:${port}` : f));
    const result = spawnSync(DENO, ["run", "--quiet", "--no-prompt", "--config", join(ROOT, "deno.json"), ...flags, join(ROOT, "src", "cli.ts"), "serve", ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1", MLFLOW_TRACKING_URI: mlflow.uri, NETSEC_TRAIN_TOKEN: "" } });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`netsec serve: Deno was started without --allow-net=${new URL(mlflow.uri).host}; serving needs ${needed.join(" ")}`);
  }, 120_000);

  it("no registry at start, an alias nobody has, or a model.json that is not the logged one: a clear error and exit 1", async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    let s = await serve(["--model-uri", `models:/${name}@champion`], { MLFLOW_TRACKING_URI: nobody });
    expect(await s.exited).toBe(1);
    expect(s.logs.join("")).toContain(`cannot serve models:/${name}@champion: no model could be fetched from the registry of ${nobody}`);

    s = await serve(["--model-uri", `models:/${name}@nobody`]);
    expect(await s.exited).toBe(1);
    expect(s.logs.join("")).toContain(`no version of "${name}" has the alias "nobody"`);

    s = await serve(["--model-uri", `models:/${name}@champion`], { MLFLOW_TRACKING_URI: "" });
    expect(await s.exited).toBe(2);
    expect(s.logs.join("")).toContain("set MLFLOW_TRACKING_URI (or the DagsHub variables)");

    // Replace version 1's model.json where its files are (MLflow 3: the logged model the version is
    // made from; older servers: its run's model folder): the bytes no longer match the sha256 logged with it.
    const client = new MlflowClient(mlflow.uri);
    const r = await fetch(`${mlflow.uri}/api/2.0/mlflow/model-versions/get-download-uri?name=${encodeURIComponent(name)}&version=1`);
    const { artifact_uri: files } = (await r.json()) as { artifact_uri: string };
    await client.uploadArtifact(files, "model.json", readFileSync(join(dirs[1], "model.json")));
    s = await serve(["--model-uri", `models:/${name}/1`]);
    expect(await s.exited).toBe(1);
    expect(s.logs.join("")).toMatch(new RegExp(`model\\.json hashes to ${sha(join(dirs[1], "model.json"))}, the logged model recorded ${sha(join(dirs[0], "model.json"))} \\(corrupted or replaced\\): refusing it`));
  }, 180_000);

  it("exportRegisteredModel: the alias's version into a folder loadModelFile reads, its sha256 checked; a replaced model.json is refused", async () => {
    const client = new MlflowClient(mlflow.uri);
    const out = join(tempDir("netsec-reg-export-"), "exported");
    await moveAlias(mlflow.uri, name, "champion", "2");
    const exported = await exportRegisteredModel(client, name, "champion", out);
    expect(exported).toMatchObject({ dir: out, name, version: "2", sha256: sha(join(dirs[1], "model.json")) });
    expect(readFileSync(join(out, "model.json"))).toEqual(readFileSync(join(dirs[1], "model.json")));
    expect((await loadModelFile(out)).version).toBe(2);
    // The test above replaced version 1's model.json in its run: exporting it must not pass it on.
    await moveAlias(mlflow.uri, name, "champion", "1");
    await expect(exportRegisteredModel(client, name, "champion", out)).rejects.toThrow(/model\.json hashes to [0-9a-f]{64}, the logged model recorded [0-9a-f]{64} \(corrupted or replaced\): refusing it/);
    expect(readFileSync(join(out, "model.json"))).toEqual(readFileSync(join(dirs[1], "model.json"))); // the folder written before is left as it was
  }, 120_000);

  it("model URIs are parsed strictly", () => {
    expect(parseModelUri("models:/netsec-phishing@champion")).toEqual({ uri: "models:/netsec-phishing@champion", name: "netsec-phishing", alias: "champion" });
    expect(parseModelUri("models:/netsec-phishing/12")).toEqual({ uri: "models:/netsec-phishing/12", name: "netsec-phishing", version: "12" });
    // runs:/<run_id>/<path> is accepted since issue 23 (registry-hostile.test.ts checks it).
    for (const bad of ["runs:/abc", "models:/x", "models:/x@", "models:/x/latest", "models:/x/0", "final_model"]) {
      expect(() => parseModelUri(bad)).toThrow(/--model-uri must be models:\/<name>@<alias>, models:\/<name>\/<version> or runs:\/<run_id>\/<path>/);
    }
  });
});
