/**
 * Sends journal operations to an MLflow server, live (as a run happens) or as a replay
 * (`netsec sync`). Every operation is made idempotent here:
 * - createRun: each run carries the tag `netsec.client_run_id`; a replay first searches for it,
 *   so a run the server created before the answer was lost is reused, never created twice.
 * - logBatch: params/tags of the same value may be logged again; metric points are checked on
 *   replay against the run's metric history (key, step, timestamp, value) and only missing ones
 *   are sent, so no point is ever doubled.
 * - artifact/model: a PUT to the same path replaces the same bytes.
 * - register: an existing version of that model from the same run and source is reused; the
 *   alias only moves forward (registry.ts).
 * - inputs: logging the same dataset again is harmless.
 * - endRun: updating status/end time twice is harmless.
 * What the server cannot take is adapted here, per server (server.ts): a param value longer than
 * the server keeps is logged cut, its full value goes to the artifact `params/<key>.txt` and a tag
 * `netsec.param_truncated.<key>` says so; a tag value longer than the server's limit is cut.
 */
import { NetsecError } from "../errors.ts";
import { EXPERIMENT_KIND_MODEL_TRAINING, EXPERIMENT_KIND_TAG, MlflowClient, MlflowHttpError, type RunInfo } from "./mlflow.ts";
import { splitBatch } from "./batch.ts";
import { surelyNotProcessed } from "./http.ts";
import type { Ack, Journal, Op } from "./journal.ts";
import { mlmodelText } from "./mlmodel.ts";
import { registerVersion, RegistryUnavailableError } from "./registry.ts";
import { charLength, firstChars, type ServerInfo } from "./server.ts";
import type { KeyValue, Metric } from "./validate.ts";

export const CLIENT_RUN_TAG = "netsec.client_run_id";
export const PARAM_TRUNCATED_TAG = "netsec.param_truncated.";

/**
 * True when the server refused `op` for good (a 4xx other than 401/403, or a registry that is not
 * there): the op is acked as refused and skipped from then on, with a warning; the run goes on.
 */
export function refusedForGood(error: unknown, op: Op): error is MlflowHttpError {
  if (error instanceof RegistryUnavailableError) return true;
  return error instanceof MlflowHttpError && !error.transient && error.status !== 401 && error.status !== 403 && op.op !== "createRun";
}

/** A param value the server cannot keep whole: cut, with the full text kept as an artifact. */
export function fitParams(params: KeyValue[], info: ServerInfo): { params: KeyValue[]; overflow: { key: string; value: string; artifact: string }[] } {
  const overflow: { key: string; value: string; artifact: string }[] = [];
  const fitted = params.map((p) => {
    if (charLength(p.value) <= info.paramValueMax) return p;
    overflow.push({ key: p.key, value: p.value, artifact: `params/${p.key}.txt` });
    return { key: p.key, value: firstChars(p.value, info.paramValueMax) };
  });
  return { params: fitted, overflow };
}

interface RunPlace {
  runId: string;
  experimentId: string;
  artifactUri: string;
}

export interface ApplyStats {
  runsCreated: number;
  runsFound: number;
  requests: number;
  metricsSent: number;
  metricsSkipped: number;
}

export class Applier {
  readonly client: MlflowClient;
  readonly journal: Journal;
  readonly warn: (message: string) => void;
  readonly #runs = new Map<string, RunPlace>();
  readonly #experiments = new Map<string, string>();
  /** MLflow 3 logged models, by `<client run>/<artifact path>`: the registered version of that folder links to it. */
  readonly #loggedModels = new Map<string, { modelId: string; artifactUri: string }>();
  readonly stats: ApplyStats = { runsCreated: 0, runsFound: 0, requests: 0, metricsSent: 0, metricsSkipped: 0 };

  constructor(client: MlflowClient, journal: Journal, warn: (message: string) => void) {
    this.client = client;
    this.journal = journal;
    this.warn = warn;
  }

  /** Restore what earlier acks say (server run ids of runs already created). */
  remember(ops: Op[], acks: Map<string, Ack>): void {
    for (const op of ops) {
      const ack = acks.get(op.id);
      if (op.op === "createRun" && ack?.serverRunId && ack.experimentId && ack.artifactUri) {
        this.#runs.set(op.run, { runId: ack.serverRunId, experimentId: ack.experimentId, artifactUri: ack.artifactUri });
      }
      if (op.op === "model" && ack?.loggedModelId && ack.loggedModelUri) {
        this.#loggedModels.set(`${op.run}/${op.artifactPath}`, { modelId: ack.loggedModelId, artifactUri: ack.loggedModelUri });
      }
    }
  }

  serverRunId(clientRun: string): string | undefined {
    return this.#runs.get(clientRun)?.runId;
  }

  serverExperimentId(clientRun: string): string | undefined {
    return this.#runs.get(clientRun)?.experimentId;
  }

  #place(clientRun: string): RunPlace {
    const place = this.#runs.get(clientRun);
    if (!place) throw new NetsecError("TRACKING_FAILED", `run ${clientRun} has no server run yet (its createRun was not sent)`);
    return place;
  }

  async #experimentId(name: string): Promise<string> {
    let id = this.#experiments.get(name);
    if (!id) {
      const warnings: string[] = [];
      // Marked as classic model training, so MLflow 3 opens it in that view (not the GenAI one).
      id = await this.client.ensureExperiment(name, warnings, [{ key: EXPERIMENT_KIND_TAG, value: EXPERIMENT_KIND_MODEL_TRAINING }]);
      warnings.forEach(this.warn);
      this.#experiments.set(name, id);
    }
    return id;
  }

  /** Apply one operation; returns the ack to journal. `replay` turns on the duplicate checks. */
  async apply(op: Op, replay: boolean): Promise<Ack> {
    const ack: Ack = { op: "ack", of: op.id, at: Date.now() };
    switch (op.op) {
      case "createRun": {
        const experimentId = await this.#experimentId(op.experiment);
        const tags = [...op.tags];
        if (op.parent) tags.push({ key: "mlflow.parentRunId", value: this.#place(op.parent).runId });
        const findExisting = async () => (await this.client.searchRuns([experimentId], `tags.\`${CLIENT_RUN_TAG}\` = '${op.run}'`, 1))[0]?.info;
        let info: RunInfo | undefined = replay ? await findExisting() : undefined;
        if (info) this.stats.runsFound++;
        else {
          info = await this.#checked(
            () => this.client.createRun({ experimentId, runName: op.name, startTime: op.startTime, tags }),
            findExisting,
          );
          this.stats.runsCreated++;
        }
        this.#runs.set(op.run, { runId: info.run_id, experimentId, artifactUri: info.artifact_uri });
        return { ...ack, serverRunId: info.run_id, experimentId, artifactUri: info.artifact_uri };
      }
      case "logBatch": {
        const place = this.#place(op.run);
        const info = await this.client.serverInfo();
        const metrics = replay ? await this.#missingPoints(place.runId, op.metrics) : op.metrics;
        this.stats.metricsSkipped += op.metrics.length - metrics.length;
        const { params, overflow } = fitParams(op.params, info);
        const tags = op.tags.map((t) => this.#fitTag(t, info));
        for (const o of overflow) {
          // The full value first, so the tag never points at a missing file.
          await this.client.uploadArtifact(place.artifactUri, o.artifact, new TextEncoder().encode(o.value));
          const tagKey = `${PARAM_TRUNCATED_TAG}${o.key}`.slice(0, 250);
          tags.push({ key: tagKey, value: `${charLength(o.value)} characters, cut to the first ${info.paramValueMax} (the most ${info.version ? `MLflow ${info.version}` : "this server"} keeps); the full value is the artifact ${o.artifact}` });
          this.warn(`param ${o.key}: ${charLength(o.value)} characters, more than the ${info.paramValueMax} ${info.version ? `MLflow ${info.version}` : "this server"} keeps: logged cut, full value in artifact ${o.artifact} (tag ${tagKey})`);
        }
        for (const part of splitBatch({ metrics, params, tags })) {
          await this.#checked(
            async () => {
              await this.client.logBatchPart(place.runId, part);
              this.stats.requests++;
              this.stats.metricsSent += part.metrics.length;
            },
            async () => {
              // The previous attempt may have reached the server: send only the points still missing.
              const before = part.metrics.length;
              part.metrics = await this.#missingPoints(place.runId, part.metrics);
              this.stats.metricsSkipped += before - part.metrics.length;
              return undefined;
            },
          );
        }
        return ack;
      }
      case "inputs": {
        await this.client.logInputs(this.#place(op.run).runId, op.datasets);
        return ack;
      }
      case "artifact": {
        const place = this.#place(op.run);
        await this.client.uploadArtifact(place.artifactUri, op.path, await this.journal.readFile(op.file));
        return ack;
      }
      case "model": {
        const place = this.#place(op.run);
        await this.client.uploadArtifact(place.artifactUri, `${op.artifactPath}/model.json`, await this.journal.readFile(op.file));
        const mlmodel = mlmodelText({ artifactPath: op.artifactPath, runId: place.runId, modelUuid: op.id, createdAt: op.at, flavor: op.flavor, extra: op.mlmodel });
        await this.client.uploadArtifact(place.artifactUri, `${op.artifactPath}/MLmodel`, new TextEncoder().encode(mlmodel));
        const logged = (await this.client.serverInfo()).loggedModels ? await this.#loggedModel(op.run, place, op.artifactPath, replay) : undefined;
        return logged ? { ...ack, loggedModelId: logged.modelId, loggedModelUri: logged.artifactUri } : ack;
      }
      case "register": {
        const place = this.#place(op.run);
        const info = await this.client.serverInfo();
        // MLflow 3: the version is made from the logged model, as mlflow.register_model("models:/<id>")
        // does: source models:/<model id> plus model_id (the server then tags the logged model with
        // the version, and the UI shows it as the version's "Source Model"; its download URI is the
        // logged model's files, a copy of the run's folder, which registry-model.ts resolves).
        // Without a logged model (MLflow 2, or its creation failed): the run's model folder.
        const logged = this.#loggedModels.get(`${op.run}/${op.artifactPath}`);
        const result = await registerVersion(this.client, {
          name: op.name,
          source: logged ? `models:/${logged.modelId}` : `${place.artifactUri}/${op.artifactPath}`,
          ...(logged ? { modelId: logged.modelId } : {}),
          runId: place.runId,
          tags: (op.tags ?? []).map((t) => this.#fitTag(t, info)),
          description: op.description,
          alias: op.alias,
          modelVersion: op.modelVersion,
          unlessAliasSha: op.unlessAliasSha,
          replay,
        }, this.warn, (call, recover) => this.#checked(call, recover));
        return { ...ack, version: result.version };
      }
      case "endRun": {
        await this.client.updateRun(this.#place(op.run).runId, op.status, op.endTime);
        return ack;
      }
    }
  }

  /**
   * MLflow 3: the model folder just logged in the run also as a logged model — created with the
   * run as its source, the folder's files copied to its artifact location (so `models:/<model id>`
   * loads), READY, and the run's output (the "Logged models" column). MLflow 2 servers have no
   * such entity: the folder stays a run artifact only. A failure here is a warning: the run's
   * artifact is complete and registration works from it.
   */
  async #loggedModel(clientRun: string, place: RunPlace, artifactPath: string, replay: boolean): Promise<{ modelId: string; artifactUri: string } | undefined> {
    try {
      if (replay) {
        // An earlier attempt may have made it (READY and the run's output) without its ack reaching
        // the journal: reuse it, so the run keeps one logged model and the version finds its source.
        const outputs = (await this.client.getRun(place.runId)).outputs?.model_outputs ?? [];
        for (const { model_id } of outputs) {
          const info = await this.client.getLoggedModel(model_id);
          if (info.tags?.some((t) => t.key === "netsec.artifact_path" && t.value === artifactPath)) {
            const found = { modelId: info.model_id, artifactUri: info.artifact_uri };
            this.#loggedModels.set(`${clientRun}/${artifactPath}`, found);
            return found;
          }
        }
      }
      const model = await this.client.createLoggedModel({ experimentId: place.experimentId, name: artifactPath, sourceRunId: place.runId, tags: [{ key: "netsec.artifact_path", value: artifactPath }] });
      const copy = async (dir: string): Promise<void> => {
        for (const file of await this.client.listArtifacts(place.artifactUri, dir)) {
          if (file.is_dir) await copy(file.path);
          else await this.client.uploadArtifact(model.artifact_uri, file.path.slice(artifactPath.length + 1), await this.client.downloadArtifact(place.artifactUri, file.path));
        }
      };
      await copy(artifactPath);
      await this.client.finalizeLoggedModel(model.model_id);
      await this.client.logOutputs(place.runId, [model.model_id]);
      const logged = { modelId: model.model_id, artifactUri: model.artifact_uri };
      this.#loggedModels.set(`${clientRun}/${artifactPath}`, logged);
      return logged;
    } catch (error) {
      this.warn(`the model is logged as a run artifact but not as an MLflow 3 logged model: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  /**
   * Run a non-idempotent call, retrying after ambiguous failures (5xx, timeout, connection lost:
   * the server may have acted) only after `recover` looked at the server: it returns the result
   * if the call did happen, or prepares a safe resend. Gives up with the last error after the
   * client's retry count or total time limit.
   */
  async #checked<T>(call: () => Promise<T>, recover: () => Promise<T | undefined>): Promise<T> {
    const { retries, backoffMs, totalMs } = this.client.http.policy;
    const deadline = Date.now() + totalMs;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        const found = await recover();
        if (found !== undefined) return found;
      }
      try {
        return await call();
      } catch (error) {
        const wait = Math.min(5_000, backoffMs * 2 ** attempt);
        // Failures where the server surely did nothing were already retried by the HTTP layer.
        const ambiguous = error instanceof MlflowHttpError && error.transient && !surelyNotProcessed(error);
        if (!ambiguous || attempt >= retries || Date.now() + wait > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  #fitTag(tag: KeyValue, info: ServerInfo): KeyValue {
    if (charLength(tag.value) <= info.tagValueMax) return tag;
    this.warn(`tag ${tag.key}: ${charLength(tag.value)} characters cut to the ${info.tagValueMax} ${info.version ? `MLflow ${info.version}` : "this server"} keeps`);
    return { key: tag.key, value: firstChars(tag.value, info.tagValueMax) };
  }

  async #missingPoints(runId: string, metrics: Metric[]): Promise<Metric[]> {
    if (metrics.length === 0) return metrics;
    const seen = new Set<string>();
    for (const key of new Set(metrics.map((m) => m.key))) {
      for (const point of await this.client.getMetricHistory(runId, key)) seen.add(pointKey(point));
    }
    return metrics.filter((m) => !seen.has(pointKey(m)));
  }
}

function pointKey(m: Metric): string {
  const value = typeof m.value === "number" && Number.isNaN(m.value) ? "NaN" : String(m.value);
  return `${m.key}\u0000${Number(m.step)}\u0000${Number(m.timestamp)}\u0000${value}`;
}
