/**
 * Serving a registered model: `netsec serve --model-uri models:/<name>@<alias>` resolves the URI
 * through the tracking server, downloads the version's model.json (checked against the sha256 its
 * logged model recorded), loads it like a pushed model and hands it to the ModelStore
 * (`install`: the same one-assignment hot swap as a local push). With an alias it polls every
 * `pollMs` (default 30 s): when the alias names another version, that version is fetched and
 * swapped in; until then, and whenever the registry cannot be reached or the new version does not
 * load, the last good model keeps serving (the problem is logged once and shown in /model).
 * The first fetch has no fallback: it fails with a message naming the server and the URI (code
 * REGISTRY_REFUSED or MODEL_INVALID when the registry's answer was refused, else TRACKING_FAILED).
 * A `runs:/<run_id>/<path>` URI names one fixed model (DagsHub, whose MLflow has no registry):
 * fetched once, never polled.
 */
import { NetsecError } from "../errors.ts";
import type { MlflowClient } from "../tracking/mlflow.ts";
import { type DownloadedModel, downloadModelVersion, downloadRunModel, type ModelUri, resolveModelVersion } from "../tracking/registry-model.ts";
import type { ModelLoader, ModelStore } from "./model-store.ts";
import { loadReference } from "../monitor/reference-file.ts";

export const DEFAULT_REGISTRY_POLL_MS = 30_000;

export interface RegistryFollowerOptions {
  client: MlflowClient;
  ref: ModelUri;
  store: ModelStore;
  load: ModelLoader;
  /** Where versions are downloaded (one folder per version). */
  cacheDir: string;
  /** Alias poll interval in ms (default 30 s; 0 = never). A fixed version is never polled. */
  pollMs?: number;
  log?: (message: string) => void;
}

/** What /model shows about where the model comes from. */
export interface RegistryStatus {
  source: "registry";
  trackingUri: string;
  modelUri: string;
  name: string;
  alias?: string;
  /** The registry version being served. */
  version?: string;
  runId?: string;
  sha256?: string;
  pollSeconds?: number;
  lastCheckAt?: string;
  /** Set while the registry cannot be reached or the alias's version cannot be served. */
  lastError?: string;
}

export class RegistryFollower {
  #timer: ReturnType<typeof setInterval> | undefined;
  #checking: Promise<void> | undefined;
  #status: RegistryStatus;

  constructor(private readonly options: RegistryFollowerOptions) {
    const { ref, client } = options;
    this.#status = { source: "registry", trackingUri: client.uri, modelUri: ref.uri, name: ref.name, ...(ref.alias ? { alias: ref.alias, pollSeconds: this.pollMs / 1000 } : {}) };
  }

  get pollMs(): number {
    return this.options.pollMs ?? DEFAULT_REGISTRY_POLL_MS;
  }

  status(): RegistryStatus {
    return { ...this.#status };
  }

  /** The first fetch: throws (NetsecError) when the model cannot be had; then polls an alias. */
  async start(): Promise<void> {
    const { ref, client } = this.options;
    try {
      await this.#follow();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const code = error instanceof NetsecError && (error.code === "REGISTRY_REFUSED" || error.code === "MODEL_INVALID") ? error.code : "TRACKING_FAILED";
      throw new NetsecError(code, `cannot serve ${ref.uri}: no model could be fetched from the registry of ${client.uri}: ${message}`, { cause: error });
    }
    if (ref.alias && this.pollMs > 0 && !this.#timer) {
      this.#timer = setInterval(() => void this.check(), this.pollMs);
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  /** One poll: fetch and swap in the alias's version if it changed; never throws. */
  check(): Promise<void> {
    this.#checking ??= this.#follow().catch((error) => {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.#status.lastError) {
        this.options.log?.(`registry: ${this.#status.modelUri} not refreshed, still serving version ${this.#status.version ?? "none"}: ${message}`);
      }
      this.#status.lastError = message;
    }).finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #follow(): Promise<void> {
    const { client, ref, store, load, cacheDir, log } = this.options;
    if (ref.runId) {
      if (store.current) return;
      await this.#install(await downloadRunModel(client, ref, cacheDir));
      return;
    }
    const version = await resolveModelVersion(client, ref);
    this.#status.lastCheckAt = new Date().toISOString();
    if (version.version === this.#status.version && store.current) {
      if (this.#status.lastError) log?.(`registry: ${ref.uri} reachable again (version ${version.version})`);
      this.#status.lastError = undefined;
      return;
    }
    const previous = this.#status.version;
    const fetched = await this.#install(await downloadModelVersion(client, ref.name, version, cacheDir));
    if (previous) log?.(`registry: ${ref.uri} moved from version ${previous} to ${fetched.version}: swapped in`);
  }

  async #install(fetched: DownloadedModel): Promise<DownloadedModel> {
    const { ref, store, load } = this.options;
    const model = await load(fetched.dir);
    // The logged reference.json, when there was one; a damaged one costs monitoring, not serving.
    const reference = await loadReference(fetched.dir).catch((error) => {
      this.options.log?.(`monitoring off for ${ref.uri} version ${fetched.version}: ${(error as Error).message}`);
      return undefined;
    });
    store.install(model, fetched.sha256, `${ref.uri} = version ${fetched.version}`, reference);
    this.#status = { ...this.#status, version: fetched.version, runId: fetched.runId, sha256: fetched.sha256, lastError: undefined };
    return fetched;
  }
}
