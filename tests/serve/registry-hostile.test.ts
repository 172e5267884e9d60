/**
 * A registry that lies (issue 22): a small node:http server that answers MLflow's registry, run and
 * proxied-artifact calls the way a hostile or broken tracking server could. Each case is what
 * e43ac1e did wrong: a version "../../victim" used as a folder name outside --model-cache, an alias
 * pointing at another model served under the requested name, an endless MLmodel read to the end,
 * redirects followed to any host, and a registered model that decides at 0.5 where the same
 * model.json decides at its pushed threshold from --model-dir.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { MlflowClient } from "../../src/tracking/mlflow.ts";
import { downloadModelVersion, downloadRunModel, exportModelUri, parseModelUri, REGISTRY_LIMITS, resolveModelVersion } from "../../src/tracking/registry-model.ts";
import { MAX_ANSWER_BYTES } from "../../src/tracking/http.ts";
import { RegistryFollower } from "../../src/serve/registry-follower.ts";
import { ModelStore } from "../../src/serve/model-store.ts";
import { loadModelFile } from "../../src/models/model-file.ts";
import { parseCsvText } from "../../src/serve/csv-body.ts";
import { tempDir } from "../helpers/env.ts";
import { featureCsv, schema } from "./helpers.ts";
import { writeRealModel } from "./real-model.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** An HTTP server on 127.0.0.1 whose answers each test sets; it records the paths asked for and the bytes it sent. */
class FakeServer {
  server!: Server;
  uri = "";
  hits: string[] = [];
  sent = 0;
  routes = new Map<string, Handler>();

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = decodeURIComponent((req.url ?? "").split("?")[0]);
      this.hits.push(path + (req.url?.includes("?") ? `?${req.url.split("?")[1]}` : ""));
      const write = res.write.bind(res);
      res.write = ((chunk: Buffer | string, ...rest: never[]) => {
        this.sent += Buffer.byteLength(chunk);
        return write(chunk, ...rest);
      }) as typeof res.write;
      const handler = this.routes.get(path);
      if (handler) return handler(req, res);
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error_code: "RESOURCE_DOES_NOT_EXIST", message: `no ${path}` }));
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.uri = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  json(path: string, body: unknown): void {
    this.routes.set(path, (_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body)));
  }

  file(path: string, bytes: Uint8Array | string): void {
    this.routes.set(path, (_req, res) => res.writeHead(200, { "content-type": "application/octet-stream" }).end(bytes));
  }

  reset(): void {
    this.routes.clear();
    this.hits = [];
    this.sent = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts";
const NAME = "netsec-phishing";
const RUN = "0a1b2c3d4e5f";
const FOLDER = `mlflow-artifacts:/1/${RUN}/artifacts/model`;
const FOLDER_PATH = `${ARTIFACTS}/1/${RUN}/artifacts/model`;

const registry = new FakeServer();
const elsewhere = new FakeServer();
const modelDir = tempDir("netsec-hostile-model-");
let modelBytes: Buffer;
let sha: string;
let manifestText: string;
const client = () => new MlflowClient(registry.uri, { kind: "none" }, { timeoutMs: 5_000, totalMs: 10_000, retries: 0 });
const mlmodel = (sha256: string) => `artifact_path: model\nflavors:\n  netsec_json:\n    sha256: ${sha256}\n`;

/** The registry answers alias `champion` with `version`, and serves the model folder (MLmodel, model.json, manifest.json). */
function serveModel(version: Record<string, unknown>, options: { manifest?: string | null } = {}): void {
  registry.json("/api/2.0/mlflow/registered-models/alias", { model_version: { name: NAME, version: "1", source: FOLDER, run_id: RUN, ...version } });
  registry.json("/api/2.0/mlflow/runs/get", { run: { info: { run_id: RUN, artifact_uri: `mlflow-artifacts:/1/${RUN}/artifacts` }, data: {} } });
  registry.file(`${FOLDER_PATH}/MLmodel`, mlmodel(sha));
  registry.file(`${FOLDER_PATH}/model.json`, modelBytes);
  if (options.manifest !== null) registry.file(`${FOLDER_PATH}/manifest.json`, options.manifest ?? manifestText);
}

/** Every path under `dir` (recursive), relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

async function codeOf(promise: Promise<unknown>): Promise<{ code?: string; errorCode?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; errorCode?: string; message: string };
  }
  throw new Error("expected a refusal, the call succeeded");
}

beforeAll(async () => {
  await registry.start();
  await elsewhere.start();
  // A pushed model with a threshold of its own and the rule it was chosen by (as stages/push.ts writes it).
  await writeRealModel(modelDir, 3, 4, { threshold: 0.5582 });
  const manifest = JSON.parse(readFileSync(join(modelDir, "manifest.json"), "utf8"));
  manifest.thresholdRule = { rule: "max f1", on: "out-of-fold predictions of the training split", met: true, precision: 0.96, recall: 0.95, f1: 0.955 };
  manifest.runDir = "Artifacts/12_08_2026_00_00_00";
  manifestText = JSON.stringify(manifest, null, 2);
  const { writeFileSync } = await import("node:fs");
  writeFileSync(join(modelDir, "manifest.json"), manifestText);
  modelBytes = readFileSync(join(modelDir, "model.json"));
  sha = createHash("sha256").update(modelBytes).digest("hex");
}, 120_000);

afterAll(async () => {
  await registry.stop();
  await elsewhere.stop();
});

describe("a version that is not a positive integer", () => {
  it('"../../victim" is refused with REGISTRY_REFUSED and nothing is created outside --model-cache', async () => {
    registry.reset();
    serveModel({ version: "../../victim" });
    const parent = tempDir("netsec-hostile-parent-");
    const cache = join(parent, "a", "cache");
    mkdirSync(cache, { recursive: true });
    const ref = parseModelUri(`models:/${NAME}@champion`);
    const error = await codeOf(resolveModelVersion(client(), ref));
    expect(error.code).toBe("REGISTRY_REFUSED");
    expect(error.message).toBe(`models:/${NAME}@champion: the registry of ${registry.uri} answered version "../../victim", not a positive whole number: refused`);
    // The download function itself refuses such a version too (callers that resolve on their own).
    const direct = await codeOf(downloadModelVersion(client(), NAME, { name: NAME, version: "../../victim", source: FOLDER }, cache));
    expect(direct.code).toBe("REGISTRY_REFUSED");
    // And the served path: the follower's first fetch fails with the same code.
    const store = new ModelStore({ dir: cache, load: (d) => loadModelFile(d), pollMs: 0, schemaHash: schema.hash });
    const follower = new RegistryFollower({ client: client(), ref, store, load: (d) => loadModelFile(d), cacheDir: cache, pollMs: 0 });
    expect((await codeOf(follower.start())).code).toBe("REGISTRY_REFUSED");
    expect(tree(parent)).toEqual(["a", join("a", "cache")]);
    for (const bad of ["0", "-1", "1.5", "1e3", "", "01"]) {
      expect((await codeOf(downloadModelVersion(client(), NAME, { name: NAME, version: bad, source: FOLDER }, cache))).code, bad).toBe("REGISTRY_REFUSED");
    }
    expect(tree(parent)).toEqual(["a", join("a", "cache")]);
  });

  it("a model name of dots stays one folder inside the cache", async () => {
    registry.reset();
    serveModel({ name: "..", version: "2" });
    const parent = tempDir("netsec-hostile-parent-");
    const cache = join(parent, "cache");
    mkdirSync(cache);
    const got = await downloadModelVersion(client(), "..", { name: "..", version: "2", source: FOLDER }, cache);
    expect(got.dir).toBe(join(cache, "%2E%2E", "2"));
    expect(readdirSync(parent)).toEqual(["cache"]);
  });

  it("an artifact location with .. segments, or a run id that is not one, is refused before any download", async () => {
    registry.reset();
    serveModel({ source: "mlflow-artifacts:/1/../../../etc" });
    const cache = tempDir("netsec-hostile-cache-");
    const error = await codeOf(downloadModelVersion(client(), NAME, { name: NAME, version: "1", source: "mlflow-artifacts:/1/../../../etc" }, cache));
    expect(error.code).toBe("REGISTRY_REFUSED");
    expect(error.message).toContain('is not a plain relative path (segment "..")');
    const run = await codeOf(downloadModelVersion(client(), NAME, { name: NAME, version: "1", source: "runs:/../x/model" }, cache));
    expect(run.code).toBe("REGISTRY_REFUSED");
    expect(registry.hits.filter((h) => h.startsWith(ARTIFACTS))).toEqual([]);
  });
});

describe("a version made from an MLflow 3 logged model (source models:/m-<id>)", () => {
  const ID = "m-0123456789abcdef0123456789abcdef";
  const logged = (info: Record<string, unknown>) => registry.json(`/api/2.0/mlflow/logged-models/${ID}`, { model: { info: { model_id: ID, experiment_id: "1", name: "model", source_run_id: RUN, artifact_uri: FOLDER, ...info } } });

  it("is downloaded from the logged model's artifact location, sha256 checked", async () => {
    registry.reset();
    serveModel({ source: `models:/${ID}` });
    logged({});
    const cache = tempDir("netsec-hostile-cache-");
    const got = await downloadModelVersion(client(), NAME, { name: NAME, version: "1", source: `models:/${ID}`, run_id: RUN }, cache);
    expect(got).toMatchObject({ version: "1", sha256: sha, source: `models:/${ID}` });
    expect(readFileSync(join(got.dir, "model.json"))).toEqual(modelBytes);
  });

  it("another logged model's answer, one from another run, or a location with .. is refused before any download", async () => {
    const cache = tempDir("netsec-hostile-cache-");
    const version = { name: NAME, version: "1", source: `models:/${ID}`, run_id: RUN };
    for (const [info, message] of [
      [{ model_id: "m-ffff" }, `asked for logged model ${ID}, the server answered m-ffff: refused`],
      [{ source_run_id: "someoneelse" }, `the logged model ${ID} comes from run someoneelse, the version from run ${RUN}: refused`],
      [{ artifact_uri: "mlflow-artifacts:/1/../../../etc" }, 'is not a plain relative path (segment "..")'],
    ] as const) {
      registry.reset();
      serveModel({ source: `models:/${ID}` });
      logged(info);
      const error = await codeOf(downloadModelVersion(client(), NAME, version, cache));
      expect(error.code).toBe("REGISTRY_REFUSED");
      expect(error.message).toContain(message);
      expect(registry.hits.filter((h) => h.startsWith(ARTIFACTS))).toEqual([]);
    }
    expect(tree(cache)).toEqual([]);
  });
});

describe("an alias that points at another model", () => {
  it("is refused, not served as the requested name", async () => {
    registry.reset();
    serveModel({ name: "someone-elses-model", version: "7" });
    const error = await codeOf(resolveModelVersion(client(), parseModelUri(`models:/${NAME}@champion`)));
    expect(error.code).toBe("REGISTRY_REFUSED");
    expect(error.message).toBe(
      `models:/${NAME}@champion: the registry of ${registry.uri} answered version 7 of "someone-elses-model", not of "${NAME}" (the alias "champion" points at another model): refused`,
    );
  });
});

describe("size caps while streaming", () => {
  it("an endless chunked MLmodel stops at its cap (1 MiB): RESPONSE_TOO_LARGE, the server sent little more", async () => {
    registry.reset();
    serveModel({});
    let closed = false;
    registry.routes.set(`${FOLDER_PATH}/MLmodel`, (req, res) => {
      res.writeHead(200, { "content-type": "text/yaml" }); // chunked, no length
      const chunk = Buffer.alloc(64 * 1024, "a");
      const pump = () => {
        while (!closed && res.write(chunk));
        if (!closed) res.once("drain", pump);
      };
      res.on("close", () => (closed = true));
      pump();
    });
    const cache = tempDir("netsec-hostile-cache-");
    const error = await codeOf(downloadModelVersion(client(), NAME, { name: NAME, version: "1", source: FOLDER }, cache));
    expect(error.errorCode).toBe("RESPONSE_TOO_LARGE");
    expect(error.message).toContain(`the answer is larger than the limit of ${REGISTRY_LIMITS.mlmodelBytes} bytes`);
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toBe(true);
    // What the server managed to send before the client hung up: the cap plus socket buffers, not gigabytes.
    expect(registry.sent).toBeLessThan(REGISTRY_LIMITS.mlmodelBytes + 8 * 1024 * 1024);
    expect(tree(cache)).toEqual([]);
  });

  it("a model.json that declares more than its cap is refused from its Content-Length", async () => {
    registry.reset();
    serveModel({});
    registry.routes.set(`${FOLDER_PATH}/model.json`, (_req, res) => {
      res.writeHead(200, { "content-length": String(REGISTRY_LIMITS.modelBytes + 1) });
      res.write("{");
    });
    const error = await codeOf(downloadModelVersion(client(), NAME, { name: NAME, version: "1", source: FOLDER }, tempDir()));
    expect(error.errorCode).toBe("RESPONSE_TOO_LARGE");
    expect(error.message).toContain(`(Content-Length ${REGISTRY_LIMITS.modelBytes + 1})`);
  });

  it("a JSON answer of the API is capped too (endless registered-models/alias)", async () => {
    registry.reset();
    let closed = false;
    registry.routes.set("/api/2.0/mlflow/registered-models/alias", (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"model_version": {"name": "');
      const chunk = Buffer.alloc(256 * 1024, "x");
      const pump = () => {
        while (!closed && res.write(chunk));
        if (!closed) res.once("drain", pump);
      };
      res.on("close", () => (closed = true));
      pump();
    });
    const error = await codeOf(resolveModelVersion(client(), parseModelUri(`models:/${NAME}@champion`)));
    expect(error.errorCode).toBe("RESPONSE_TOO_LARGE");
    expect(error.message).toContain(`limit of ${MAX_ANSWER_BYTES} bytes`);
    expect(registry.sent).toBeLessThan(MAX_ANSWER_BYTES + 8 * 1024 * 1024);
  });
});

describe("redirects", () => {
  it("to another origin are not followed (REDIRECT_REFUSED; the other host sees nothing)", async () => {
    registry.reset();
    elsewhere.reset();
    serveModel({});
    elsewhere.file("/MLmodel", mlmodel(sha));
    registry.routes.set(`${FOLDER_PATH}/MLmodel`, (_req, res) => res.writeHead(302, { location: `${elsewhere.uri}/MLmodel` }).end());
    const error = await codeOf(downloadModelVersion(client(), NAME, { name: NAME, version: "1", source: FOLDER }, tempDir()));
    expect(error.errorCode).toBe("REDIRECT_REFUSED");
    expect(error.message).toContain(`answered 302, a redirect to ${elsewhere.uri}/MLmodel: not followed`);
    expect(elsewhere.hits).toEqual([]);
  });

  it("within the tracking server's origin are followed (a model moved behind the same server still loads)", async () => {
    registry.reset();
    serveModel({});
    registry.routes.set(`${FOLDER_PATH}/MLmodel`, (_req, res) => res.writeHead(307, { location: `${FOLDER_PATH}/MLmodel.moved` }).end());
    registry.file(`${FOLDER_PATH}/MLmodel.moved`, mlmodel(sha));
    const got = await downloadModelVersion(client(), NAME, { name: NAME, version: "1", source: FOLDER }, tempDir());
    expect(got.sha256).toBe(sha);
    expect(registry.hits).toContain(`${FOLDER_PATH}/MLmodel.moved`);
  });
});

describe("the manifest comes from the logged model", () => {
  const csv = featureCsv(400);

  it("same model.json, same threshold and rule as from --model-dir: every row gets the same label", async () => {
    registry.reset();
    serveModel({});
    const cache = tempDir("netsec-hostile-cache-");
    const got = await downloadModelVersion(client(), NAME, { name: NAME, version: "1", source: FOLDER, run_id: RUN }, cache);
    const fromRegistry = await loadModelFile(got.dir);
    const fromDir = await loadModelFile(modelDir);
    expect(fromDir.threshold).toBe(0.5582);
    expect(fromRegistry.threshold).toBe(0.5582);
    const served = JSON.parse(readFileSync(join(got.dir, "manifest.json"), "utf8"));
    const logged = JSON.parse(manifestText);
    // Every field as logged; `version` is the registry's version number (the pushed one kept beside it).
    expect(served).toEqual({ ...logged, version: 1, registry: { uri: registry.uri, name: NAME, version: "1", runId: RUN, source: FOLDER, pushedVersion: 3, manifest: "logged" } });
    const frame = (await parseCsvText(csv)).frame;
    const a = fromRegistry.predictFrame(frame);
    const b = fromDir.predictFrame(frame);
    expect(Array.from(a.prediction)).toEqual(Array.from(b.prediction));
    // The threshold matters on these rows: at 0.5 some get the other label.
    const at05 = Array.from(a.probability, (p) => (p >= 0.5 ? schema.target.positive : -schema.target.positive));
    expect(at05).not.toEqual(Array.from(a.prediction));
  });

  it("a logged manifest that names another model.json is refused", async () => {
    registry.reset();
    serveModel({}, { manifest: JSON.stringify({ ...JSON.parse(manifestText), sha256: "0".repeat(64) }) });
    const error = await codeOf(downloadModelVersion(client(), NAME, { name: NAME, version: "1", source: FOLDER }, tempDir()));
    expect(error.code).toBe("MODEL_INVALID");
    expect(error.message).toContain(`its manifest.json names model sha256 ${"0".repeat(64)}, model.json hashes to ${sha}: refusing it`);
  });

  it("a model logged without a manifest (older runs) is served at 0.5, and /model says none was logged", async () => {
    registry.reset();
    serveModel({}, { manifest: null });
    const got = await downloadModelVersion(client(), NAME, { name: NAME, version: "1", source: FOLDER }, tempDir());
    expect((await loadModelFile(got.dir)).threshold).toBe(0.5);
    expect(JSON.parse(readFileSync(join(got.dir, "manifest.json"), "utf8")).registry.manifest).toBe("none logged (threshold 0.5)");
  });
});

describe("runs:/<run_id>/<path>", () => {
  it("parses, and refuses what is not a run id or a plain path", () => {
    expect(parseModelUri(`runs:/${RUN}/model`)).toEqual({ uri: `runs:/${RUN}/model`, name: `runs:/${RUN}/model`, runId: RUN, path: "model" });
    for (const bad of ["runs:/../model", "runs:/abc/../x", "runs:/abc/", "runs:/abc/a//b", "runs:/a%2F/model"]) {
      expect(() => parseModelUri(bad), bad).toThrow(/--model-uri must be models:\/<name>@<alias>, models:\/<name>\/<version> or runs:\/<run_id>\/<path>|is not a plain relative path/);
    }
  });

  it("downloads the run's model with the same checks (sha256, manifest, cache), and exports it", async () => {
    registry.reset();
    serveModel({});
    const cache = tempDir("netsec-hostile-cache-");
    const got = await downloadRunModel(client(), parseModelUri(`runs:/${RUN}/model`), cache);
    expect(got).toMatchObject({ dir: join(cache, "runs", RUN, "model"), version: "3", runId: RUN, sha256: sha });
    expect((await loadModelFile(got.dir)).threshold).toBe(0.5582);
    const out = join(tempDir(), "exported");
    await exportModelUri(client(), `runs:/${RUN}/model`, out);
    expect((await loadModelFile(out)).sha256).toBe(sha);
    // A run whose artifact_uri is not the proxied store is refused with the message that says so.
    registry.json("/api/2.0/mlflow/runs/get", { run: { info: { run_id: RUN, artifact_uri: "s3://bucket/x" }, data: {} } });
    const error = await codeOf(downloadRunModel(client(), parseModelUri(`runs:/${RUN}/model`), tempDir()));
    expect(error.message).toContain("not proxied by the tracking server");
    expect(existsSync(join(cache, "runs", RUN, "model", "model.json"))).toBe(true);
  });

  it("a tampered model.json behind a run is refused (sha256 of the logged MLmodel)", async () => {
    registry.reset();
    serveModel({});
    registry.file(`${FOLDER_PATH}/model.json`, Buffer.concat([modelBytes, Buffer.from(" ")]));
    const error = await codeOf(downloadRunModel(client(), parseModelUri(`runs:/${RUN}/model`), tempDir()));
    expect(error.code).toBe("MODEL_INVALID");
    expect(error.message).toContain("(corrupted or replaced): refusing it");
  });
});
