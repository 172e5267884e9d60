/**
 * A logged model, fetched through the tracking server: `models:/<name>@<alias>`,
 * `models:/<name>/<version>` (the model registry) or `runs:/<run_id>/<path>` (a run's artifacts:
 * what works on DagsHub, whose hosted MLflow has no registry) → the MLflow model folder (proxied
 * by the server) → `model.json`, checked against the sha256 the logged model recorded (MLmodel's
 * netsec_json flavor; the version's `netsec.sha256` tag too when it has one), and the logged
 * `manifest.json` (threshold, its rule, …: the same decisions as from `--model-dir`) and
 * `reference.json` (the monitoring reference, when it was logged: /monitor) → a folder
 * `loadModelFile` reads. Written under a temporary name and renamed into place, so a folder that
 * exists is complete.
 *
 * The registry and the server are not trusted (docs/serving.md, "Serving from the registry"):
 * a version must be a positive integer and belong to the model asked for, an artifact location
 * must be a plain path of the server's proxied store, every folder written is inside the cache
 * (names are encoded into one path segment each), every answer is size-capped while it streams
 * (REGISTRY_LIMITS) and redirects are followed only within the tracking server's origin (http.ts).
 */
import { parse } from "yaml";
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import { MAX_MODEL_BYTES, MODEL_FILES } from "../models/model-file.ts";
import { REFERENCE_FILE } from "../monitor/reference-file.ts";
import { MlflowClient, type ModelVersion } from "./mlflow.ts";
import { FLAVOR } from "./mlmodel.ts";
import { registryMissing, SHA256_TAG } from "./registry.ts";

/** Largest files read from a logged model (bytes): an answer above the cap is refused while it streams. */
export const REGISTRY_LIMITS = {
  /** MLmodel (YAML; a few kB when netsec writes it). */
  mlmodelBytes: 1024 * 1024,
  /** manifest.json (under 1 kB when netsec writes it). */
  manifestBytes: 1024 * 1024,
  /** model.json: the loader's own limit (MAX_MODEL_BYTES, 512 MiB). */
  modelBytes: MAX_MODEL_BYTES,
  /** reference.json, the monitoring reference (a few kB when netsec writes it). */
  referenceBytes: 4 * 1024 * 1024,
} as const;

export interface ModelUri {
  uri: string;
  /** The registered model's name; for `runs:/`, the URI itself (what /model shows). */
  name: string;
  alias?: string;
  version?: string;
  /** `runs:/<runId>/<path>`: the run and the model folder's path inside its artifacts. */
  runId?: string;
  path?: string;
}

const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;
const USAGE = "--model-uri must be models:/<name>@<alias>, models:/<name>/<version> or runs:/<run_id>/<path>, e.g. models:/netsec-phishing@champion or runs:/0a1b…/model";

/** `models:/netsec-phishing@champion`, `models:/netsec-phishing/3` or `runs:/<run_id>/model`. */
export function parseModelUri(text: string): ModelUri {
  const uri = text.trim();
  const runs = /^runs:\/([^/]+)\/(.+)$/.exec(uri);
  if (runs) {
    const [, runId, path] = runs;
    if (!RUN_ID.test(runId)) throw new NetsecError("USAGE", `${USAGE} (got ${JSON.stringify(text)}: the run id must be letters, digits, "_" or "-")`);
    checkArtifactPath(path.replace(/\/+$/, ""), `${uri}: the path`, "USAGE");
    return { uri, name: uri, runId, path: path.replace(/\/+$/, "") };
  }
  const m = /^models:\/([^/@]+)(?:@([A-Za-z0-9_-]+)|\/([1-9]\d{0,9}))$/.exec(uri);
  if (!m) throw new NetsecError("USAGE", `${USAGE} (got ${JSON.stringify(text)})`);
  return { uri, name: decodeURIComponent(m[1]), ...(m[2] ? { alias: m[2] } : { version: m[3] }) };
}

/** A path inside a store: plain segments, none empty, `.` or `..`, no backslash or control character. */
function checkArtifactPath(path: string, what: string, code: "USAGE" | "REGISTRY_REFUSED"): void {
  const bad = path.split("/").find((s) => s === "" || s === "." || s === ".." || /[\\\u0000-\u001f]/.test(s));
  if (bad !== undefined) throw new NetsecError(code, `${what} ${JSON.stringify(path.slice(0, 200))} is not a plain relative path (segment ${JSON.stringify(bad)}): refused`);
}

/** One path segment for a name: percent-encoded, dots too, so it can never be `.`, `..` or hold a `/`. */
function segment(name: string): string {
  return encodeURIComponent(name).replaceAll(".", "%2E").replaceAll("*", "%2A");
}

/** `cacheDir/<segments…>`: each segment one plain name (no `/`, not `.` or `..`), so the folder is inside `cacheDir`. */
function insideCache(cacheDir: string, segments: string[]): string {
  const root = cacheDir.replace(/\/+$/, "") || "/";
  const bad = segments.find((s) => !s || s === "." || s === ".." || s.includes("/") || s.includes("\\") || s.includes("\0"));
  if (bad !== undefined) throw new NetsecError("REGISTRY_REFUSED", `the model folder ${JSON.stringify(segments.join("/").slice(0, 200))} would not be inside the model cache ${root}: refused`);
  return `${root === "/" ? "" : root}/${segments.join("/")}`;
}

/** The version the registry answered, checked: a positive integer of the model asked for. */
function checkVersion(ref: ModelUri, version: ModelVersion, client: MlflowClient): ModelVersion {
  const number = String(version?.version ?? "");
  if (!/^[1-9]\d{0,9}$/.test(number)) {
    throw new NetsecError("REGISTRY_REFUSED", `${ref.uri}: the registry of ${client.uri} answered version ${JSON.stringify(number.slice(0, 80))}, not a positive whole number: refused`);
  }
  if (version.name !== ref.name) {
    throw new NetsecError(
      "REGISTRY_REFUSED",
      `${ref.uri}: the registry of ${client.uri} answered version ${number} of ${JSON.stringify(String(version.name).slice(0, 200))}, not of "${ref.name}"${ref.alias ? ` (the alias "${ref.alias}" points at another model)` : ""}: refused`,
    );
  }
  if (ref.version !== undefined && number !== ref.version) throw new NetsecError("REGISTRY_REFUSED", `${ref.uri}: the registry of ${client.uri} answered version ${number}, not ${ref.version}: refused`);
  return version;
}

/** The version `ref` names now (the alias's target, or the fixed version), checked; or a clear error. */
export async function resolveModelVersion(client: MlflowClient, ref: ModelUri): Promise<ModelVersion> {
  if (ref.runId) throw new NetsecError("USAGE", `${ref.uri} names a run's model, not a registered version`);
  let version: ModelVersion | undefined;
  try {
    version = await client.resolveModelUri(ref.uri);
  } catch (error) {
    if (!registryMissing(error)) throw error;
    throw new NetsecError(
      "TRACKING_FAILED",
      `${ref.uri}: ${client.uri} has no model registry (${error.status}${error.errorCode ? ` ${error.errorCode}` : ""}; DagsHub's hosted MLflow answers 404 here): serve the model a run logged instead, --model-uri runs:/<run_id>/model (the run id is on the run's page)`,
      { cause: error },
    );
  }
  if (!version) throw new NetsecError("TRACKING_FAILED", `${ref.uri}: ${ref.alias ? `no version of "${ref.name}" has the alias "${ref.alias}"` : `"${ref.name}" has no version ${ref.version}`} on ${client.uri}`);
  return checkVersion(ref, version, client);
}

/**
 * The artifact URI of a model folder given as `runs:/<id>/<path>`, `models:/<model id>` (an MLflow 3
 * logged model: a version registered from it has this source) or `mlflow-artifacts:/…`, checked to
 * be a plain path of the proxied store.
 */
async function modelFolderUri(client: MlflowClient, source: string, where: string, runId?: string): Promise<string> {
  const runs = /^runs:\/([^/]+)\/(.+)$/.exec(source);
  const logged = /^models:\/(m-[A-Za-z0-9_-]{1,64})$/.exec(source);
  let folder = source;
  if (logged) {
    const model = await client.getLoggedModel(logged[1]);
    if (model?.model_id !== logged[1]) throw new NetsecError("REGISTRY_REFUSED", `${where}: asked for logged model ${logged[1]}, the server answered ${String(model?.model_id).slice(0, 80)}: refused`);
    if (runId && model.source_run_id && model.source_run_id !== runId) {
      throw new NetsecError("REGISTRY_REFUSED", `${where}: the logged model ${logged[1]} comes from run ${String(model.source_run_id).slice(0, 80)}, the version from run ${runId}: refused`);
    }
    if (typeof model.artifact_uri !== "string") throw new NetsecError("REGISTRY_REFUSED", `${where}: the server's answer for logged model ${logged[1]} has no artifact_uri`);
    folder = model.artifact_uri.replace(/\/+$/, "");
  } else if (runs) {
    if (!RUN_ID.test(runs[1])) throw new NetsecError("REGISTRY_REFUSED", `${where}: run id ${JSON.stringify(runs[1].slice(0, 80))} is not a run id: refused`);
    checkArtifactPath(runs[2], `${where}: the model path`, "REGISTRY_REFUSED");
    const run = await client.getRun(runs[1]);
    if (run?.info?.run_id !== undefined && run.info.run_id !== runs[1]) throw new NetsecError("REGISTRY_REFUSED", `${where}: asked for run ${runs[1]}, the server answered run ${String(run.info.run_id).slice(0, 80)}: refused`);
    if (typeof run?.info?.artifact_uri !== "string") throw new NetsecError("REGISTRY_REFUSED", `${where}: the server's answer for run ${runs[1]} has no artifact_uri`);
    folder = `${run.info.artifact_uri.replace(/\/+$/, "")}/${runs[2]}`;
  }
  checkArtifactPath(MlflowClient.artifactRoot(folder), `${where}: the artifact location`, "REGISTRY_REFUSED");
  return folder;
}

export interface DownloadedModel {
  dir: string;
  name: string;
  version: string;
  runId?: string;
  sha256: string;
  source: string;
}

interface CheckedModel {
  bytes: Uint8Array;
  sha256: string;
  manifest: Record<string, unknown>;
  /** The logged reference.json (size-capped; its content is checked where it is loaded, src/monitor/reference-file.ts). */
  reference?: Uint8Array;
}

/** The logged reference.json next to model.json, or undefined when the model was logged without one. */
async function loggedReference(client: MlflowClient, folder: string): Promise<Uint8Array | undefined> {
  try {
    return await client.downloadArtifact(folder, REFERENCE_FILE, REGISTRY_LIMITS.referenceBytes);
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

/** The logged manifest.json next to model.json, or undefined when the model was logged without one (older runs). */
async function loggedManifest(client: MlflowClient, folder: string, where: string, sha256: string): Promise<Record<string, unknown> | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await client.downloadArtifact(folder, MODEL_FILES.manifest, REGISTRY_LIMITS.manifestBytes);
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new NetsecError("MODEL_INVALID", `${where}: its manifest.json is not JSON (${(error as Error).message}): refusing it`);
  }
  if (!manifest || typeof manifest !== "object" || Array.isArray(manifest) || (manifest as { format?: unknown }).format !== "netsec-model-manifest") {
    throw new NetsecError("MODEL_INVALID", `${where}: its manifest.json is not a netsec model manifest (format "netsec-model-manifest"): refusing it`);
  }
  const named = (manifest as { sha256?: unknown }).sha256;
  if (named !== sha256) throw new NetsecError("MODEL_INVALID", `${where}: its manifest.json names model sha256 ${String(named).slice(0, 64)}, model.json hashes to ${sha256}: refusing it`);
  return manifest as Record<string, unknown>;
}

/**
 * The model folder's model.json, checked against the sha256 its logged model recorded (and the
 * version's tag), and the manifest that goes with it: the logged manifest.json field for field,
 * `version` the registry's version number (a run's model: the logged one), plus where it came from.
 */
async function fetchCheckedModel(client: MlflowClient, source: string, where: string, tagged: string | undefined, origin: Record<string, unknown>, registryVersion?: string): Promise<CheckedModel> {
  const folder = await modelFolderUri(client, source, where, typeof origin.runId === "string" ? origin.runId : undefined);
  const mlmodel = parse(new TextDecoder().decode(await client.downloadArtifact(folder, "MLmodel", REGISTRY_LIMITS.mlmodelBytes))) as { flavors?: Record<string, { sha256?: unknown }> } | null;
  const recorded = mlmodel?.flavors?.[FLAVOR]?.sha256;
  if (typeof recorded !== "string" && !tagged) {
    throw new NetsecError("MODEL_INVALID", `${where} is not a netsec model: its MLmodel has no ${FLAVOR} flavor with a sha256, so its model.json cannot be checked`);
  }
  const expected = typeof recorded === "string" ? recorded : tagged!;
  if (tagged && tagged !== expected) throw new NetsecError("MODEL_INVALID", `${where}: the version's ${SHA256_TAG} tag says ${tagged}, its MLmodel says ${expected}: refusing it`);
  const bytes = await client.downloadArtifact(folder, MODEL_FILES.model, REGISTRY_LIMITS.modelBytes);
  const sha256 = await platform.sha256(bytes);
  if (sha256 !== expected) throw new NetsecError("MODEL_INVALID", `${where}: model.json hashes to ${sha256}, the logged model recorded ${expected} (corrupted or replaced): refusing it`);
  const logged = await loggedManifest(client, folder, where, sha256);
  const loggedVersion = logged?.version;
  const manifest = {
    format: "netsec-model-manifest",
    createdAt: "",
    ...(logged ?? {}),
    version: registryVersion !== undefined ? Number(registryVersion) : typeof loggedVersion === "number" ? loggedVersion : 0,
    sha256,
    registry: { uri: client.uri, ...origin, ...(typeof loggedVersion === "number" ? { pushedVersion: loggedVersion } : {}), manifest: logged ? "logged" : "none logged (threshold 0.5)" },
  };
  const reference = logged ? await loggedReference(client, folder) : undefined;
  return { bytes, sha256, manifest, ...(reference ? { reference } : {}) };
}

function versionSource(client: MlflowClient, name: string, version: ModelVersion): { where: string; tagged?: string; origin: Record<string, unknown>; createdAt: string } {
  const created = Number(version.creation_timestamp);
  return {
    where: `version ${version.version} of "${name}" (${version.source})`,
    tagged: version.tags?.find((t) => t.key === SHA256_TAG)?.value,
    origin: { name, version: version.version, runId: version.run_id, source: version.source },
    createdAt: Number.isFinite(created) && created > 0 ? new Date(created).toISOString() : "",
  };
}

async function fetchVersion(client: MlflowClient, name: string, version: ModelVersion): Promise<CheckedModel> {
  checkVersion({ uri: `models:/${name}/${version?.version}`, name, version: String(version?.version) }, version, client);
  if (typeof version.source !== "string") throw new NetsecError("REGISTRY_REFUSED", `version ${version.version} of "${name}" has no source`);
  const s = versionSource(client, name, version);
  const model = await fetchCheckedModel(client, version.source, s.where, s.tagged, s.origin, version.version);
  if (!model.manifest.createdAt) model.manifest.createdAt = s.createdAt;
  return model;
}

/** Writes model.json, its checksum file and manifest.json under a temporary name, then renames the folder into place. */
async function writeModelFolder(dir: string, model: CheckedModel): Promise<void> {
  const parent = dir.slice(0, dir.lastIndexOf("/"));
  if (parent) await platform.mkdir(parent);
  const partial = `${dir}.partial-${crypto.randomUUID()}`;
  await platform.mkdir(partial);
  try {
    await platform.writeFile(`${partial}/${MODEL_FILES.model}`, model.bytes);
    await platform.writeFile(`${partial}/${MODEL_FILES.checksum}`, `${model.sha256}  model.json\n`);
    await platform.writeFile(`${partial}/${MODEL_FILES.manifest}`, JSON.stringify(model.manifest, null, 2) + "\n");
    if (model.reference) await platform.writeFile(`${partial}/${REFERENCE_FILE}`, model.reference);
    await platform.remove(dir);
    await platform.rename(partial, dir);
  } catch (error) {
    await platform.remove(partial).catch(() => {});
    throw error;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Reuse `dir` when it already holds this model.json, manifest and reference; else write it. */
async function placeModel(dir: string, model: CheckedModel): Promise<void> {
  const manifest = JSON.stringify(model.manifest, null, 2) + "\n";
  const existing = await platform.stat(`${dir}/${MODEL_FILES.checksum}`);
  if (existing?.isFile && (await platform.readTextFile(`${dir}/${MODEL_FILES.checksum}`)).startsWith(model.sha256)) {
    const had = await platform.readTextFile(`${dir}/${MODEL_FILES.manifest}`).catch(() => "");
    const reference = await platform.readFile(`${dir}/${REFERENCE_FILE}`).catch(() => undefined);
    const sameReference = model.reference ? reference !== undefined && sameBytes(reference, model.reference) : reference === undefined;
    if (had === manifest && sameReference) return;
  }
  await writeModelFolder(dir, model);
}

/**
 * Fetch the version's model.json into `<cacheDir>/<name>/<version>` (reused when it is already
 * there and complete) and check its sha256 against what the logged model recorded.
 */
export async function downloadModelVersion(client: MlflowClient, name: string, version: ModelVersion, cacheDir: string): Promise<DownloadedModel> {
  const model = await fetchVersion(client, name, version);
  const dir = insideCache(cacheDir, [segment(name), version.version]);
  await placeModel(dir, model);
  return { dir, name, version: version.version, runId: version.run_id, sha256: model.sha256, source: version.source };
}

/** Fetch a run's logged model (`runs:/<run_id>/<path>`) into `<cacheDir>/runs/<run_id>/<path>`. */
export async function downloadRunModel(client: MlflowClient, ref: ModelUri, cacheDir: string): Promise<DownloadedModel> {
  if (!ref.runId || !ref.path) throw new NetsecError("USAGE", `${ref.uri} is not a runs:/<run_id>/<path> URI`);
  const source = `runs:/${ref.runId}/${ref.path}`;
  const model = await fetchCheckedModel(client, source, `the model ${source}`, undefined, { runId: ref.runId, source });
  const dir = insideCache(cacheDir, ["runs", segment(ref.runId), segment(ref.path)]);
  await placeModel(dir, model);
  return { dir, name: ref.name, version: String(model.manifest.version), runId: ref.runId, sha256: model.sha256, source };
}

/**
 * Export the version an alias of a registered model names into `outDir` (replaced as a whole), a
 * folder `loadModelFile` and `netsec serve --model-dir` accept: model.json checked against the
 * sha256 its logged model recorded, its checksum file and the logged manifest with the registry's version.
 */
export async function exportRegisteredModel(client: MlflowClient, name: string, alias: string, outDir: string): Promise<DownloadedModel> {
  return await exportModelUri(client, `models:/${encodeURIComponent(name)}@${alias}`, outDir);
}

/** `exportRegisteredModel` for any URI `parseModelUri` accepts (models:/ or runs:/). */
export async function exportModelUri(client: MlflowClient, uri: string, outDir: string): Promise<DownloadedModel> {
  const ref = parseModelUri(uri);
  if (ref.runId) {
    const source = `runs:/${ref.runId}/${ref.path}`;
    const model = await fetchCheckedModel(client, source, `the model ${source}`, undefined, { runId: ref.runId, source });
    await writeModelFolder(outDir.replace(/\/+$/, ""), model);
    return { dir: outDir, name: ref.name, version: String(model.manifest.version), runId: ref.runId, sha256: model.sha256, source };
  }
  const version = await resolveModelVersion(client, ref);
  const model = await fetchVersion(client, ref.name, version);
  await writeModelFolder(outDir.replace(/\/+$/, ""), model);
  return { dir: outDir, name: ref.name, version: version.version, runId: version.run_id, sha256: model.sha256, source: version.source };
}
