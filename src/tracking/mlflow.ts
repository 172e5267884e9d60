/**
 * MLflow tracking-server REST client (API 2.0) for what netsec needs: experiments, runs,
 * log-batch (split to the server's limits), metric history, proxied artifacts (`mlflow-artifacts`,
 * see mlflow/protos/mlflow_artifacts.proto) and the model registry.
 */
import { NetsecError } from "../errors.ts";
import type { TrackingAuth } from "./config.ts";
import { MlflowHttp, isMlflowError, type HttpOptions } from "./http.ts";
import { splitBatch, type LogBatch } from "./batch.ts";
import { serverInfoFor, type ServerInfo } from "./server.ts";
import type { KeyValue, Metric } from "./validate.ts";

export { MlflowHttpError, isMlflowError } from "./http.ts";
export type { Experiment, RunInfo, Run, RunStatus, ArtifactFile, ModelVersion, DatasetInput, LoggedModelInfo } from "./mlflow-types.ts";
import type { Experiment, RunInfo, Run, RunStatus, ArtifactFile, ModelVersion, DatasetInput, LoggedModelInfo } from "./mlflow-types.ts";

/** MLflow 3's tag that makes its UI open an experiment in the classic model-training view. */
export const EXPERIMENT_KIND_TAG = "mlflow.experimentKind";
export const EXPERIMENT_KIND_MODEL_TRAINING = "custom_model_development";

const API = "api/2.0/mlflow";
const ARTIFACTS = "api/2.0/mlflow-artifacts/artifacts";

export class MlflowClient {
  readonly http: MlflowHttp;
  #info: Promise<ServerInfo> | undefined;

  constructor(uri: string, auth: TrackingAuth = { kind: "none" }, options: HttpOptions = {}) {
    this.http = new MlflowHttp(uri, auth, options);
  }

  get uri(): string {
    return this.http.uri;
  }

  /**
   * What the server accepts (server.ts), from `GET /version`, read once. A server that does not
   * answer /version (404, not a version) gets the oldest limits; no answer at all is an error.
   */
  serverInfo(): Promise<ServerInfo> {
    this.#info ??= (async () => {
      try {
        return serverInfoFor(await this.http.request<string>("get", "version", { text: true }));
      } catch (error) {
        if (isMlflowError(error) && !error.transient && error.status !== 401 && error.status !== 403) return serverInfoFor(undefined);
        throw error;
      }
    })().catch((error) => {
      this.#info = undefined;
      throw error;
    });
    return this.#info;
  }

  // ---- experiments -------------------------------------------------------------------------

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const r = await this.http.request<{ experiment: Experiment }>("get", `${API}/experiments/get-by-name`, { searchParams: { experiment_name: name } });
      return r.experiment;
    } catch (error) {
      if (isMlflowError(error, "RESOURCE_DOES_NOT_EXIST")) return undefined;
      throw error;
    }
  }

  async createExperiment(name: string, tags: KeyValue[] = []): Promise<string> {
    const r = await this.http.request<{ experiment_id: string }>("post", `${API}/experiments/create`, { json: { name, tags } });
    return r.experiment_id;
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.http.request("post", `${API}/experiments/restore`, { json: { experiment_id: experimentId } });
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.http.request("post", `${API}/experiments/delete`, { json: { experiment_id: experimentId } });
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.http.request("post", `${API}/experiments/set-experiment-tag`, { json: { experiment_id: experimentId, key, value } });
  }

  /**
   * The id of the experiment `name`, created if missing, with `tags` (set on an existing one that
   * lacks them). A deleted experiment of that name blocks creating a new one (MLflow keeps names
   * unique, deleted or not): it is restored, with a warning.
   */
  async ensureExperiment(name: string, warnings: string[], tags: KeyValue[] = []): Promise<string> {
    const found = await this.getExperimentByName(name);
    const addMissingTags = async (e: Experiment) => {
      for (const t of tags) {
        if ((e.tags ?? []).some((x) => x.key === t.key)) continue;
        try {
          await this.setExperimentTag(e.experiment_id, t.key, t.value);
        } catch (error) {
          // A user who may log runs but not edit the experiment: the tag is a nicety, the run is not.
          if (!isMlflowError(error) || error.transient || error.status === 401) throw error;
          if (error.status !== 403) warnings.push(`experiment tag ${t.key} not set: ${error.message}`);
        }
      }
    };
    if (found?.lifecycle_stage === "deleted") {
      await this.restoreExperiment(found.experiment_id);
      warnings.push(
        `MLflow experiment "${name}" (id ${found.experiment_id}) was deleted; it has been restored to log this run. ` +
          "To start afresh instead, set MLFLOW_EXPERIMENT_NAME to a new name, or remove the old one for good (mlflow gc).",
      );
      await addMissingTags(found);
      return found.experiment_id;
    }
    if (found) {
      await addMissingTags(found);
      return found.experiment_id;
    }
    try {
      return await this.createExperiment(name, tags);
    } catch (error) {
      // Another process created it between our two calls.
      if (isMlflowError(error, "RESOURCE_ALREADY_EXISTS")) {
        const again = await this.getExperimentByName(name);
        if (again) return again.experiment_id;
      }
      throw error;
    }
  }

  // ---- runs ----------------------------------------------------------------------------------

  async createRun(input: { experimentId: string; runName?: string; startTime: number; tags: KeyValue[] }): Promise<RunInfo> {
    const r = await this.http.request<{ run: Run }>("post", `${API}/runs/create`, {
      json: { experiment_id: input.experimentId, run_name: input.runName, start_time: input.startTime, tags: input.tags },
      unsafe: true,
    });
    return r.run.info;
  }

  async updateRun(runId: string, status: RunStatus, endTime?: number): Promise<void> {
    await this.http.request("post", `${API}/runs/update`, { json: { run_id: runId, status, end_time: endTime } });
  }

  async getRun(runId: string): Promise<Run> {
    const r = await this.http.request<{ run: Run }>("get", `${API}/runs/get`, { searchParams: { run_id: runId } });
    return r.run;
  }

  async deleteRun(runId: string): Promise<void> {
    await this.http.request("post", `${API}/runs/delete`, { json: { run_id: runId } });
  }

  /** All runs matching `filter` (MLflow search syntax), following page tokens. */
  async searchRuns(experimentIds: string[], filter = "", maxResults = 1000): Promise<Run[]> {
    const runs: Run[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.http.request<{ runs?: Run[]; next_page_token?: string }>("post", `${API}/runs/search`, {
        json: { experiment_ids: experimentIds, filter, max_results: Math.min(maxResults, 1000), page_token: pageToken, run_view_type: "ALL" },
      });
      runs.push(...(r.runs ?? []));
      pageToken = r.next_page_token;
    } while (pageToken && runs.length < maxResults);
    return runs;
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.http.request("post", `${API}/runs/set-tag`, { json: { run_id: runId, key, value } });
  }

  /** log-batch, split into as many requests as the server's limits require. Returns the request count. */
  async logBatch(runId: string, batch: LogBatch): Promise<number> {
    const parts = splitBatch(batch);
    for (const part of parts) await this.logBatchPart(runId, part);
    return parts.length;
  }

  /**
   * One log-batch request (already within the limits). Metric points are not idempotent, so it
   * is retried only when the server surely did not act; see apply.ts for the checked retry.
   */
  async logBatchPart(runId: string, part: LogBatch): Promise<void> {
    await this.http.request("post", `${API}/runs/log-batch`, { json: { run_id: runId, ...part }, unsafe: part.metrics.length > 0 });
  }

  /** MLflow's inputs API (`runs/log-inputs`, MLflow ≥ 2.4): the run's datasets. Logging the same dataset again is harmless. */
  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    await this.http.request("post", `${API}/runs/log-inputs`, { json: { run_id: runId, datasets } });
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const points: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.http.request<{ metrics?: Metric[]; next_page_token?: string }>("get", `${API}/metrics/get-history`, {
        searchParams: { run_id: runId, metric_key: key, max_results: 25000, ...(pageToken ? { page_token: pageToken } : {}) },
      });
      points.push(...(r.metrics ?? []));
      pageToken = r.next_page_token;
    } while (pageToken);
    return points;
  }

  // ---- artifacts (proxied) -------------------------------------------------------------------

  /** `mlflow-artifacts:/1/<run>/artifacts` → `1/<run>/artifacts` (refuses non-proxied stores). */
  static artifactRoot(artifactUri: string): string {
    const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(artifactUri);
    if (!m) {
      throw new NetsecError(
        "TRACKING_FAILED",
        `the run's artifact store is ${artifactUri.split(":")[0]}:, not proxied by the tracking server: start it with \`mlflow server --serve-artifacts\` (the default since MLflow 2) so artifacts go through /api/2.0/mlflow-artifacts`,
      );
    }
    return m[1].replace(/\/+$/, "");
  }

  async uploadArtifact(artifactUri: string, relativePath: string, bytes: Uint8Array): Promise<void> {
    const path = `${MlflowClient.artifactRoot(artifactUri)}/${relativePath}`.split("/").map(encodeURIComponent).join("/");
    await this.http.request("put", `${ARTIFACTS}/${path}`, { body: bytes, raw: true });
  }

  /** The exact bytes of one artifact of a run (e.g. `model/model.json`), at most `maxBytes` (default http.ts MAX_ANSWER_BYTES). */
  async downloadArtifact(artifactUri: string, relativePath: string, maxBytes?: number): Promise<Uint8Array> {
    const path = `${MlflowClient.artifactRoot(artifactUri)}/${relativePath}`.split("/").map(encodeURIComponent).join("/");
    return await this.http.request<Uint8Array>("get", `${ARTIFACTS}/${path}`, { bytes: true, ...(maxBytes ? { maxBytes } : {}) });
  }

    async listArtifacts(artifactUri: string, relativePath = ""): Promise<ArtifactFile[]> {
    const root = MlflowClient.artifactRoot(artifactUri);
    const r = await this.http.request<{ files?: ArtifactFile[] }>("get", ARTIFACTS, { searchParams: { path: relativePath ? `${root}/${relativePath}` : root } });
    return (r.files ?? []).map((f) => ({ ...f, path: relativePath ? `${relativePath}/${f.path}` : f.path }));
  }

  // ---- model registry ------------------------------------------------------------------------

  /** Creates the registered model; an existing one of that name is fine. */
  async ensureRegisteredModel(name: string, description?: string): Promise<void> {
    try {
      await this.http.request("post", `${API}/registered-models/create`, { json: { name, description } });
    } catch (error) {
      if (!isMlflowError(error, "RESOURCE_ALREADY_EXISTS")) throw error;
    }
  }

  /** `modelId`: the MLflow 3 logged model the version comes from (links the two; older servers do not know the field). */
  async createModelVersion(name: string, source: string, runId: string, tags: KeyValue[] = [], description?: string, modelId?: string): Promise<ModelVersion> {
    const r = await this.http.request<{ model_version: ModelVersion }>("post", `${API}/model-versions/create`, { json: { name, source, run_id: runId, tags, description, ...(modelId ? { model_id: modelId } : {}) }, unsafe: true });
    return r.model_version;
  }

  // ---- logged models (MLflow 3: the "Logged models" of a run and of a version) -------------

  /** `POST logged-models`: a logged model of `experimentId` made by run `sourceRunId` (PENDING until finalized). */
  async createLoggedModel(input: { experimentId: string; name: string; sourceRunId: string; tags?: KeyValue[] }): Promise<LoggedModelInfo> {
    const r = await this.http.request<{ model: { info: LoggedModelInfo } }>("post", `${API}/logged-models`, {
      json: { experiment_id: input.experimentId, name: input.name, source_run_id: input.sourceRunId, tags: input.tags ?? [] },
      unsafe: true,
    });
    return r.model.info;
  }

  /** `PATCH logged-models/<id>`: READY (status 2, LOGGED_MODEL_READY) once its files are uploaded. */
  async finalizeLoggedModel(modelId: string): Promise<LoggedModelInfo> {
    const r = await this.http.request<{ model: { info: LoggedModelInfo } }>("patch", `${API}/logged-models/${encodeURIComponent(modelId)}`, { json: { model_id: modelId, status: 2 } });
    return r.model.info;
  }

  async getLoggedModel(modelId: string): Promise<LoggedModelInfo> {
    const r = await this.http.request<{ model: { info: LoggedModelInfo } }>("get", `${API}/logged-models/${encodeURIComponent(modelId)}`);
    return r.model.info;
  }

  /** `POST runs/outputs`: the logged model as the run's output (the run page's "Logged models"). */
  async logOutputs(runId: string, modelIds: string[]): Promise<void> {
    await this.http.request("post", `${API}/runs/outputs`, { json: { run_id: runId, models: modelIds.map((model_id) => ({ model_id, step: 0 })) } });
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const r = await this.http.request<{ model_version: ModelVersion }>("get", `${API}/model-versions/get`, { searchParams: { name, version } });
    return r.model_version;
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.http.request("post", `${API}/model-versions/set-tag`, { json: { name, version, key, value } });
  }

  async updateModelVersion(name: string, version: string, description: string): Promise<void> {
    await this.http.request("patch", `${API}/model-versions/update`, { json: { name, version, description } });
  }

  /** Versions of `name` (the search leaves aliases out on some servers: read one with getModelVersion). */
  async searchModelVersions(filter: string): Promise<ModelVersion[]> {
    const versions: ModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const r = await this.http.request<{ model_versions?: ModelVersion[]; next_page_token?: string }>("get", `${API}/model-versions/search`, {
        searchParams: { filter, max_results: 1000, ...(pageToken ? { page_token: pageToken } : {}) },
      });
      versions.push(...(r.model_versions ?? []));
      pageToken = r.next_page_token;
    } while (pageToken);
    return versions;
  }

  /**
   * A `models:/<name>@<alias>` or `models:/<name>/<version>` URI → that model version (undefined
   * when the alias or version does not exist). Its `source` is the artifact folder of the model:
   * read its files with `downloadArtifact(version.source, "model.json")`.
   */
  async resolveModelUri(uri: string): Promise<ModelVersion | undefined> {
    const m = /^models:\/([^/@]+)(?:@([^/]+)|\/(\d+))$/.exec(uri.trim());
    if (!m) throw new NetsecError("USAGE", `not a registered-model URI: ${JSON.stringify(uri)} (expected models:/<name>@<alias> or models:/<name>/<version>)`);
    const name = decodeURIComponent(m[1]);
    if (m[2]) return await this.getModelVersionByAlias(name, decodeURIComponent(m[2]));
    try {
      return await this.getModelVersion(name, m[3]);
    } catch (error) {
      if (isMlflowError(error, "RESOURCE_DOES_NOT_EXIST")) return undefined;
      throw error;
    }
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.http.request("post", `${API}/registered-models/alias`, { json: { name, alias, version } });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    try {
      const r = await this.http.request<{ model_version: ModelVersion }>("get", `${API}/registered-models/alias`, { searchParams: { name, alias } });
      return r.model_version;
    } catch (error) {
      if (isMlflowError(error) && (error.errorCode === "RESOURCE_DOES_NOT_EXIST" || error.errorCode === "INVALID_PARAMETER_VALUE")) return undefined;
      throw error;
    }
  }
}
