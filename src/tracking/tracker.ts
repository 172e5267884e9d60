/**
 * What the pipeline calls to record runs. One `TrackedRun` API; where operations go is a `Sink`:
 * the MLflow server (`remote.ts`, with the outbox when it is unreachable) or the local run log
 * (`local.ts`). The run turns calls into validated journal operations (see journal.ts) and adds
 * the system tags the MLflow UI reads.
 */
import { platform } from "../runtime/index.ts";
import { clientId, type Op } from "./journal.ts";
import { CLIENT_RUN_TAG } from "./apply.ts";
import type { DatasetInput, RunStatus } from "./mlflow.ts";
import { checkMetric, checkParam, checkTag, paramText, type KeyValue, type Metric } from "./validate.ts";

export type ArtifactContent = Uint8Array | string | { file: string };

export interface TrackedRun {
  /** Client-side run id (also the `netsec.client_run_id` tag on the server). */
  readonly id: string;
  readonly name: string;
  /** A nested run (MLflow shows it under this one). */
  startChild(name: string, tags?: Record<string, string>): Promise<TrackedRun>;
  logParams(params: Record<string, unknown>): Promise<void>;
  /** Metrics at `step` (default 0), timestamp now unless given. */
  logMetrics(metrics: Record<string, number>, step?: number, timestamp?: number): Promise<void>;
  /** Many points at once (e.g. one per fold), in one operation. */
  logMetricPoints(points: { key: string; value: number; step?: number; timestamp?: number }[]): Promise<void>;
  setTags(tags: Record<string, string>): Promise<void>;
  logArtifact(path: string, content: ArtifactContent): Promise<void>;
  /**
   * Our model.json as an MLflow model artifact (`<artifactPath>/model.json` + `MLmodel`). `files`
   * go into the same folder first (model.onnx, environment files), `mlmodel` into MLmodel (more
   * flavors, the signature); MLmodel is written last, so a reader that finds it finds the rest.
   */
  logModel(modelFile: string, options?: { artifactPath?: string; flavor?: Record<string, unknown>; files?: Record<string, Uint8Array | string>; mlmodel?: Record<string, unknown> }): Promise<void>;
  /**
   * Register the model logged at `artifactPath` (default "model") and point `alias` at it. With
   * `details.modelVersion` (final_model's version number) the alias only moves to a higher one.
   */
  registerModel(name: string, alias?: string, artifactPath?: string, details?: RegisterDetails): Promise<void>;
  /** The run's input datasets (MLflow's inputs API: the Dataset column of the runs table). */
  logInputs(datasets: DatasetInput[]): Promise<void>;
  endRun(status?: Extract<RunStatus, "FINISHED" | "FAILED" | "KILLED">): Promise<void>;
}

export interface RegisterDetails {
  modelVersion?: number;
  tags?: Record<string, string>;
  description?: string;
  /** Register nothing when the alias already names a version with this sha256. */
  unlessAliasSha?: string;
}

export interface TrackerSummary {
  kind: "mlflow" | "local";
  /** MLflow URI, or the folder of the local run log. */
  target: string;
  /**
   * Client ids of root runs, and server ids where known; `url` opens the run in the MLflow UI
   * in its model-training view (`?workflowType=machine_learning`, what MLflow 3.17's UI reads).
   */
  runs: { id: string; name: string; serverId?: string; experimentId?: string; url?: string }[];
  /** Set when operations are waiting in the outbox for `netsec sync`. */
  outbox?: string;
}

export interface Tracker {
  readonly kind: "mlflow" | "local";
  /** Non-fatal problems (values changed or refused, server unreachable…), credentials redacted. */
  readonly warnings: readonly string[];
  startRun(name: string, tags?: Record<string, string>): Promise<TrackedRun>;
  summary(): TrackerSummary;
}

/** Where operations of one root run (and its children) go. */
export interface Sink {
  /** Called once per root run before its first operation. */
  open(rootRun: string): Promise<void>;
  submit(rootRun: string, op: Op, content?: Uint8Array): Promise<void>;
  /** The root run ended. */
  close(rootRun: string): Promise<void>;
}

export interface RunContext {
  sink: Sink;
  experiment: string;
  warn: (message: string) => void;
  systemTags: KeyValue[];
}

/** The system tags the MLflow UI reads, as far as they are known here. */
export async function systemTags(sourceName: string): Promise<KeyValue[]> {
  const tags: KeyValue[] = [
    { key: "mlflow.source.name", value: sourceName },
    { key: "mlflow.source.type", value: "LOCAL" },
  ];
  const user = await userName();
  if (user) tags.push({ key: "mlflow.user", value: user });
  const commit = await gitCommit();
  if (commit) tags.push({ key: "mlflow.source.git.commit", value: commit });
  return tags;
}

/** Like Python's getpass.getuser(): LOGNAME, USER, LNAME, USERNAME, then the account name. */
async function userName(): Promise<string | undefined> {
  for (const name of ["LOGNAME", "USER", "LNAME", "USERNAME"]) {
    const value = platform.env(name);
    if (value) return value;
  }
  try {
    const r = await platform.run("id", ["-un"]);
    return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

async function gitCommit(): Promise<string | undefined> {
  try {
    const r = await platform.run("git", ["rev-parse", "HEAD"], { cwd: platform.projectRoot() });
    const sha = r.stdout.trim();
    return r.code === 0 && /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}

export async function openRun(context: RunContext, name: string, tags: Record<string, string>, parent?: string, root?: string): Promise<TrackedRun> {
  const id = clientId("run");
  const rootId = root ?? id;
  if (!parent) await context.sink.open(id);
  const allTags: KeyValue[] = [
    { key: "mlflow.runName", value: name },
    ...context.systemTags,
    { key: CLIENT_RUN_TAG, value: id },
  ];
  const warnings: string[] = [];
  for (const [k, v] of Object.entries(tags)) {
    const kv = checkTag(k, v, warnings);
    if (kv) allTags.push(kv);
  }
  warnings.forEach(context.warn);
  const submit = (op: Op, bytes?: Uint8Array) => context.sink.submit(rootId, op, bytes);
  await submit({ op: "createRun", id: clientId("op"), run: id, at: Date.now(), experiment: context.experiment, name, parent, startTime: Date.now(), tags: allTags });

  const batch = async (metrics: Metric[], params: KeyValue[], batchTags: KeyValue[]) => {
    if (metrics.length + params.length + batchTags.length === 0) return;
    await submit({ op: "logBatch", id: clientId("op"), run: id, at: Date.now(), metrics, params, tags: batchTags });
  };
  const collect = <T>(fn: (w: string[]) => T): T => {
    const w: string[] = [];
    const result = fn(w);
    w.forEach(context.warn);
    return result;
  };
  const logArtifact = async (path: string, content: ArtifactContent) => {
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content instanceof Uint8Array ? content : await platform.readFile(content.file);
    const opId = clientId("op");
    await submit({ op: "artifact", id: opId, run: id, at: Date.now(), path: path.replace(/^\/+/, ""), file: opId, bytes: bytes.length }, bytes);
  };
  let ended = false;
  return {
    id,
    name,
    startChild: (childName, childTags = {}) => openRun(context, childName, childTags, id, rootId),
    logParams: (params) =>
      batch([], collect((w) => Object.entries(params).flatMap(([k, v]) => checkParam(k, paramText(v), w) ?? [])), []),
    logMetrics: (metrics, step = 0, timestamp = Date.now()) =>
      batch(collect((w) => Object.entries(metrics).flatMap(([k, v]) => checkMetric(k, v, step, timestamp, w) ?? [])), [], []),
    logMetricPoints: (points) => {
      const now = Date.now();
      return batch(collect((w) => points.flatMap((p) => checkMetric(p.key, p.value, p.step ?? 0, p.timestamp ?? now, w) ?? [])), [], []);
    },
    setTags: (t) => batch([], [], collect((w) => Object.entries(t).flatMap(([k, v]) => checkTag(k, v, w) ?? []))),
    logArtifact,
    async logModel(modelFile, options = {}) {
      const bytes = await platform.readFile(modelFile);
      const artifactPath = options.artifactPath ?? "model";
      for (const [name, content] of Object.entries(options.files ?? {})) await logArtifact(`${artifactPath}/${name}`, content);
      const opId = clientId("op");
      const flavor = { sha256: await platform.sha256(bytes), ...(options.flavor ?? {}) };
      await submit({ op: "model", id: opId, run: id, at: Date.now(), artifactPath, file: opId, flavor, ...(options.mlmodel ? { mlmodel: options.mlmodel } : {}) }, bytes);
    },
    async registerModel(modelName, alias, artifactPath = "model", details = {}) {
      const tags = collect((w) => Object.entries(details.tags ?? {}).flatMap(([k, v]) => checkTag(k, v, w) ?? []));
      await submit({
        op: "register", id: clientId("op"), run: id, at: Date.now(), name: modelName, alias, artifactPath,
        ...(details.modelVersion !== undefined ? { modelVersion: details.modelVersion } : {}),
        ...(tags.length ? { tags } : {}),
        ...(details.description ? { description: details.description } : {}),
        ...(details.unlessAliasSha ? { unlessAliasSha: details.unlessAliasSha } : {}),
      });
    },
    async logInputs(datasets) {
      if (datasets.length) await submit({ op: "inputs", id: clientId("op"), run: id, at: Date.now(), datasets });
    },
    async endRun(status = "FINISHED") {
      if (ended) return;
      ended = true;
      await submit({ op: "endRun", id: clientId("op"), run: id, at: Date.now(), status, endTime: Date.now() });
      if (!parent) await context.sink.close(id);
    },
  };
}
