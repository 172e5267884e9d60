/**
 * The model the service answers with, and its hot swap. `current` is replaced by one assignment
 * when a new `model.json` appears, so a request that took the old model finishes on it while new
 * requests get the new one: nothing is dropped and no request ever sees half a model.
 *
 * The store polls the mtime and size of model.json and of the files pushed with it (cheap); when
 * they change it loads the model again. A model that fails to load (half pushed, corrupt,
 * tampered, wrong schema) is reported once and the old one keeps serving until the files change.
 * A model loaded elsewhere (from the registry: registry-follower.ts) goes in with `install`, the
 * same one-assignment swap.
 */
import { platform } from "../runtime/index.ts";
import type { Frame } from "../data/frame.ts";
import type { GroupedPrediction, PredictOptions } from "../models/model-file.ts";
import type { PositiveExplanation } from "../models/explain.ts";
import type { MonitorReference } from "../monitor/reference.ts";
import { loadReference } from "../monitor/reference-file.ts";


/** What serving needs from a model file (the shape `loadModelFile(dir)` returns). */
export interface ServingModel {
  version: number | string;
  createdAt: string;
  metrics: Record<string, unknown>;
  schemaHash: string;
  /** sha256 of the model.json that was loaded (else the store hashes the file itself). */
  sha256?: string;
  /**
   * Features-only frame in contract order → target value (-1/1) and P(positive class) once per
   * distinct row, plus each row's distinct row (`LoadedModel.predictGrouped`).
   */
  predictGrouped(frame: Frame, options?: PredictOptions): GroupedPrediction;
  /** The decision threshold on P(positive class) the predictions use (the model's manifest). */
  threshold?: number;
  /** Whether `explainFrame` can answer (false for families without explanations). */
  explainable?: boolean;
  /** Per-feature contributions of every row (`LoadedModel.explainFrame`). */
  explainFrame?(frame: Frame): PositiveExplanation;
}

/** Files written next to model.json by a push (D's model-file.ts): watched too. */
const COMPANIONS = ["model.json.sha256", "manifest.json"];

export type ModelLoader = (dir: string) => Promise<ServingModel>;

export interface ModelStoreOptions {
  dir: string;
  load: ModelLoader;
  /** Poll interval of the watcher in ms (default 1000; 0 = no watching). */
  pollMs?: number;
  /** Refuse models trained against another data contract (sha256 of schema.yaml's content). */
  schemaHash?: string;
  onEvent?: (message: string) => void;
}

export interface ModelStatus {
  loaded: boolean;
  version?: string;
  sha256?: string;
  loadedAt?: string;
  lastError?: string;
}

export class ModelStore {
  #current: ServingModel | undefined;
  #sha: string | undefined;
  #loadedAt: string | undefined;
  #lastError: string | undefined;
  #stamp = "";
  #timer: ReturnType<typeof setInterval> | undefined;
  #checking: Promise<void> | undefined;
  #references = new WeakMap<ServingModel, MonitorReference>();

  constructor(private readonly options: ModelStoreOptions) {}

  get file(): string {
    return `${this.options.dir}/model.json`;
  }

  /** The model to use for one request: take it once and keep it for the whole request. */
  get current(): ServingModel | undefined {
    return this.#current;
  }

  status(): ModelStatus {
    return {
      loaded: this.#current !== undefined,
      version: this.#current === undefined ? undefined : String(this.#current.version),
      sha256: this.#sha,
      loadedAt: this.#loadedAt,
      lastError: this.#lastError,
    };
  }

  /** The monitoring reference pushed with `model` (reference.json of its set), if it had one. */
  referenceOf(model: ServingModel): MonitorReference | undefined {
    return this.#references.get(model);
  }

  /** Load now if the file changed (also the first load); resolves when done. */
  check(): Promise<void> {
    this.#checking ??= this.#check().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  start(): void {
    const every = this.options.pollMs ?? 1000;
    if (every > 0 && !this.#timer) {
      this.#timer = setInterval(() => void this.check(), every);
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Serve `model` from now on: one assignment, so a request that took the old model finishes on
   * it. Refuses (throws, the old model stays) a model trained for another data contract.
   * `reference`: the monitoring reference that came with it (a registry download's reference.json).
   */
  install(model: ServingModel, sha256: string, from: string, reference?: MonitorReference): void {
    if (this.options.schemaHash && model.schemaHash !== this.options.schemaHash) {
      throw new Error(`the model was trained for another data contract (schema hash ${model.schemaHash.slice(0, 12)}…, schema.yaml has ${this.options.schemaHash.slice(0, 12)}…): retrain it`);
    }
    if (reference) this.#references.set(model, reference);
    this.#current = model; // the swap: one assignment
    this.#sha = sha256;
    this.#loadedAt = new Date().toISOString();
    this.#lastError = undefined;
    this.options.onEvent?.(`serving model version ${model.version} (${from}, sha256 ${sha256.slice(0, 12)})`);
  }

  /**
   * The target of the `current` link (a pushed set switched), mtime+size of model.json and its
   * companions (checksum, manifest): any change means "look again".
   */
  async #stampNow(): Promise<string | undefined> {
    const info = await platform.stat(this.file);
    if (!info?.isFile) return undefined;
    const parts = [`${await platform.readLink(`${this.options.dir}/current`) ?? "-"}`, `${info.mtimeMs}:${info.size}:${info.ino}`];
    for (const name of COMPANIONS) {
      const other = await platform.stat(`${this.options.dir}/${name}`);
      parts.push(other ? `${other.mtimeMs}:${other.size}` : "-");
    }
    return parts.join("|");
  }

  async #check(): Promise<void> {
    const stamp = await this.#stampNow();
    if (stamp === undefined) {
      if (this.#stamp !== "missing" && !this.#current) this.options.onEvent?.(`no model yet at ${this.file}: waiting for one to be pushed`);
      this.#stamp = "missing";
      return;
    }
    if (stamp === this.#stamp) return;
    this.#stamp = stamp;
    try {
      const model = await this.options.load(this.options.dir);
      const sha = model.sha256 ?? await platform.sha256(await platform.readFile(this.file));
      if (model === this.#current) return;
      // The reference of the same set; a damaged one costs monitoring, not serving.
      const reference = await loadReference(this.options.dir).catch((error) => {
        this.options.onEvent?.(`monitoring off for this model: ${(error as Error).message}`);
        return undefined;
      });
      if (reference) this.#references.set(model, reference);
      this.install(model, sha, this.file);
    } catch (error) {
      // Half-pushed (checksum not yet written), corrupt or tampered: keep serving the old model;
      // the next change of any of the files triggers another attempt.
      this.#lastError = (error as Error).message;
      this.options.onEvent?.(`model at ${this.file} not loaded, still serving ${this.#current ? `version ${this.#current.version}` : "nothing"}: ${this.#lastError}`);
    }
  }
}
