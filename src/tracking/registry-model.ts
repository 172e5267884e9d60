/**
 * A registered model version, fetched through the tracking server: `models:/<name>@<alias>` or
 * `models:/<name>/<version>` → the version → its MLflow model folder (the run's `model/`
 * artifacts, proxied by the server) → `model.json`, checked against the sha256 the logged model
 * recorded (MLmodel's netsec_json flavor; the version's `netsec.sha256` tag too when it has one)
 * → a folder `loadModelFile` reads: model.json, model.json.sha256 and a manifest.json whose version
 * is the registry's version number. Written under a temporary name and renamed into place, so a
 * folder that exists is complete.
 */
import { parse } from "yaml";
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import type { MlflowClient, ModelVersion } from "./mlflow.ts";
import { FLAVOR } from "./mlmodel.ts";
import { SHA256_TAG } from "./registry.ts";

export interface ModelUri {
  uri: string;
  name: string;
  alias?: string;
  version?: string;
}

/** `models:/netsec-phishing@champion` or `models:/netsec-phishing/3`. */
export function parseModelUri(text: string): ModelUri {
  const m = /^models:\/([^/@]+)(?:@([A-Za-z0-9_-]+)|\/(\d+))$/.exec(text.trim());
  if (!m) {
    throw new NetsecError("USAGE", `--model-uri must be models:/<name>@<alias> or models:/<name>/<version>, e.g. models:/netsec-phishing@champion (got ${JSON.stringify(text)})`);
  }
  return { uri: text.trim(), name: decodeURIComponent(m[1]), ...(m[2] ? { alias: m[2] } : { version: m[3] }) };
}

/** The version `ref` names now (the alias's target, or the fixed version): MlflowClient.resolveModelUri, or a clear error. */
export async function resolveModelVersion(client: MlflowClient, ref: ModelUri): Promise<ModelVersion> {
  const version = await client.resolveModelUri(ref.uri);
  if (!version) throw new NetsecError("TRACKING_FAILED", `${ref.uri}: ${ref.alias ? `no version of "${ref.name}" has the alias "${ref.alias}"` : `"${ref.name}" has no version ${ref.version}`} on ${client.uri}`);
  return version;
}

/** The artifact URI of a version's model folder (`mlflow-artifacts:/…`; `runs:/<id>/<path>` resolved through the run). */
async function modelFolderUri(client: MlflowClient, version: ModelVersion): Promise<string> {
  const runs = /^runs:\/([^/]+)\/(.+)$/.exec(version.source);
  if (runs) return `${(await client.getRun(runs[1])).info.artifact_uri}/${runs[2]}`;
  return version.source;
}

export interface DownloadedModel {
  dir: string;
  name: string;
  version: string;
  runId?: string;
  sha256: string;
  source: string;
}

/** The version's model.json, checked against the sha256 its logged model recorded, and the manifest that goes with it. */
async function fetchCheckedModel(client: MlflowClient, name: string, version: ModelVersion): Promise<{ bytes: Uint8Array; sha256: string; manifest: Record<string, unknown> }> {
  const folder = await modelFolderUri(client, version);
  const where = `version ${version.version} of "${name}" (${version.source})`;
  const mlmodel = parse(new TextDecoder().decode(await client.downloadArtifact(folder, "MLmodel"))) as { flavors?: Record<string, { sha256?: unknown }> } | null;
  const recorded = mlmodel?.flavors?.[FLAVOR]?.sha256;
  const tagged = version.tags?.find((t) => t.key === SHA256_TAG)?.value;
  if (typeof recorded !== "string" && !tagged) {
    throw new NetsecError("MODEL_INVALID", `${where} is not a netsec model: its MLmodel has no ${FLAVOR} flavor with a sha256, so its model.json cannot be checked`);
  }
  const expected = typeof recorded === "string" ? recorded : tagged!;
  if (tagged && tagged !== expected) throw new NetsecError("MODEL_INVALID", `${where}: the version's ${SHA256_TAG} tag says ${tagged}, its MLmodel says ${expected}: refusing it`);
  const bytes = await client.downloadArtifact(folder, "model.json");
  const sha256 = await platform.sha256(bytes);
  if (sha256 !== expected) throw new NetsecError("MODEL_INVALID", `${where}: model.json hashes to ${sha256}, the logged model recorded ${expected} (corrupted or replaced): refusing it`);
  const created = Number(version.creation_timestamp);
  const manifest = {
    format: "netsec-model-manifest",
    version: Number(version.version),
    createdAt: Number.isFinite(created) && created > 0 ? new Date(created).toISOString() : "",
    sha256,
    registry: { uri: client.uri, name, version: version.version, runId: version.run_id, source: version.source },
  };
  return { bytes, sha256, manifest };
}

/** Writes model.json, its checksum file and manifest.json under a temporary name, then renames the folder into place. */
async function writeModelFolder(dir: string, model: { bytes: Uint8Array; sha256: string; manifest: Record<string, unknown> }): Promise<void> {
  const partial = `${dir}.partial-${crypto.randomUUID()}`;
  await platform.mkdir(partial);
  await platform.writeFile(`${partial}/model.json`, model.bytes);
  await platform.writeFile(`${partial}/model.json.sha256`, `${model.sha256}  model.json\n`);
  await platform.writeFile(`${partial}/manifest.json`, JSON.stringify(model.manifest, null, 2) + "\n");
  await platform.remove(dir);
  await platform.rename(partial, dir);
}

/**
 * Fetch the version's model.json into `<cacheDir>/<name>/<version>` (reused when it is already
 * there and complete) and check its sha256 against what the logged model recorded.
 */
export async function downloadModelVersion(client: MlflowClient, name: string, version: ModelVersion, cacheDir: string): Promise<DownloadedModel> {
  const model = await fetchCheckedModel(client, name, version);
  const dir = `${cacheDir}/${encodeURIComponent(name)}/${version.version}`;
  const result = { dir, name, version: version.version, runId: version.run_id, sha256: model.sha256, source: version.source };
  const existing = await platform.stat(`${dir}/model.json.sha256`);
  if (existing?.isFile && (await platform.readTextFile(`${dir}/model.json.sha256`)).startsWith(model.sha256)) return result;
  await writeModelFolder(dir, model);
  return result;
}

/**
 * Export the version an alias of a registered model names into `outDir` (replaced as a whole), a
 * folder `loadModelFile` and `netsec serve --model-dir` accept: model.json checked against the
 * sha256 its logged model recorded, its checksum file and a manifest with the registry's version.
 */
export async function exportRegisteredModel(client: MlflowClient, name: string, alias: string, outDir: string): Promise<DownloadedModel> {
  const version = await resolveModelVersion(client, { uri: `models:/${encodeURIComponent(name)}@${alias}`, name, alias });
  const model = await fetchCheckedModel(client, name, version);
  await writeModelFolder(outDir, model);
  return { dir: outDir, name, version: version.version, runId: version.run_id, sha256: model.sha256, source: version.source };
}
