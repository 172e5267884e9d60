/**
 * Tracking of one `netsec train`: one parent run, one nested child run per search candidate
 * (params, CV score per fold as metric steps, fit time), each stage's reports as artifacts, the
 * evaluation metrics, the input dataset (MLflow's inputs API), the trained model as an MLflow
 * model artifact (netsec_json + onnx + python_function flavors and a signature,
 * src/tracking/mlmodel.ts), registered when the run pushes it — the alias `champion` only moves
 * forward to the newest push, so it always names the model in final_model/ (registry.ts). Works
 * with either tracker (MLflow or the local run log). `finish` also writes the run's summary.json
 * (with the data digest and where it was tracked) into the run folder, for `netsec runs` and the
 * index.
 *
 * It takes the stages' typed results as they finish (`onStage`, the pipeline's hook; a notebook
 * session calls the same), never reading back a file a stage just wrote: only the report files it
 * uploads are read, as bytes. Stage timings go under `system/` (MLflow's system-metrics prefix),
 * apart from the model's metrics.
 */
import { platform } from "../runtime/index.ts";
import { STAGE_DIRS, STAGE_FILES, type RunFolder, type StageName } from "../artifacts.ts";
import type { Experiment } from "../experiment.ts";
import type { PipelineStageName, StageEvent } from "../pipeline.ts";
import type { IngestSummary } from "../stages/ingest.ts";
import type { Schema } from "../schema.ts";
import type { Reporter } from "../reporter.ts";
import type { CandidateResult } from "../search/types.ts";
import { MODEL_FILES, modelSetDir, type ModelManifest } from "../models/model-file.ts";
import { REFERENCE_FILE } from "../monitor/reference-file.ts";
import { createTracker, type CreateTrackerOptions } from "./remote.ts";
import { onnxMlflowModel } from "./mlmodel.ts";
import { onnxFromRunDir } from "../models/onnx/sources.ts";
import { isNetsecError } from "../errors.ts";
import type { TrackedRun, Tracker, TrackerSummary } from "./tracker.ts";
import { dataDigest, dataLocation, datasetInput, redactCredentials } from "./dataset.ts";
import { DATA_DIGEST_TAG, MODEL_VERSION_TAG, SHA256_TAG } from "./registry.ts";
import { RUN_DIR_TAG, RUN_SUMMARY_FILE } from "./runs.ts";


/** Registered model name (override with NETSEC_REGISTERED_MODEL). */
export const REGISTERED_MODEL = "netsec-phishing";
export const CHAMPION_ALIAS = "champion";
/** Files larger than this are not uploaded (the data itself never is). */
const MAX_ARTIFACT_BYTES = 20 << 20;

/** Report files of each stage that go to the run's artifacts (relative to the stage folder). */
const STAGE_REPORTS: Partial<Record<StageName, readonly string[]>> = {
  ingestion: [STAGE_FILES.ingestion.summary],
  validation: [STAGE_FILES.validation.contract, STAGE_FILES.validation.driftYaml, STAGE_FILES.validation.driftJson],
  transformation: [STAGE_FILES.transformation.preprocessor],
  trainer: [STAGE_FILES.trainer.leaderboard],
  evaluation: [STAGE_FILES.evaluation.metrics, STAGE_FILES.evaluation.confusion, STAGE_FILES.evaluation.comparison],
};

export interface PipelineTrackingOptions extends CreateTrackerOptions {
  reporter: Reporter;
  /** The run's experiment, checked (params of the parent run). */
  experiment: Experiment;
  /** The contract (the dataset's column types). */
  schema: Schema;
  /** Registered model name; default NETSEC_REGISTERED_MODEL or "netsec-phishing". */
  modelName?: string;
  /** The run's name in MLflow (default "train <time>"). */
  runName?: string;
  /** The parent run's `netsec.command` tag (default "train"). */
  command?: string;
}

export interface PipelineTracking {
  tracker: Tracker;
  parent: TrackedRun;
  /** Pass as the pipeline's hooks. */
  onStageStart(name: PipelineStageName, run: RunFolder): Promise<void>;
  onStage(event: StageEvent, run: RunFolder): Promise<void>;
  /** Pass to the model search: one nested run per candidate. */
  onCandidate(result: CandidateResult): Promise<void>;
  /** The winner's metrics, parameters and the model file (called by onStage for the trainer, or directly). */
  logWinner(best: CandidateResult): Promise<void>;
  /**
   * Log `modelFile` as the MLflow model (with `push.onnx`, the ONNX file of the same model, for
   * the onnx and python_function flavors); register it when `pushed`, with final_model's version
   * number (`push.version`) so the alias `champion` only moves forward.
   */
  logModel(modelFile: string, pushed: boolean, push?: { version?: number; sha256?: string; onnx?: Uint8Array }): Promise<void>;
  /**
   * Make the champion name the model in `modelDir` (final_model/) when this run did not push it:
   * e.g. an untracked notebook pushed it. Logs that model.json (and its model.onnx) as
   * `served_model/` and registers it with final_model's version number (the alias only moves
   * forward), unless the champion already has its sha256. Returns final_model's version and
   * sha256, or undefined without one.
   */
  logServedModel(modelDir: string): Promise<{ version: number; sha256: string } | undefined>;
  /** End the parent run; returns where things were recorded. */
  finish(status: "FINISHED" | "FAILED" | "KILLED", summary?: unknown): Promise<TrackerSummary>;
}

/** The scalar metrics of a full metrics record (the confusion matrix and supports left out). */
function scalarsOf(m: { accuracy: number; precision: number; recall: number; f1: number; f1_macro: number; roc_auc: number; pr_auc: number; log_loss: number }): Record<string, number> {
  const { accuracy, precision, recall, f1, f1_macro, roc_auc, pr_auc, log_loss } = m;
  return { accuracy, precision, recall, f1, f1_macro, roc_auc, pr_auc, log_loss };
}

/** Numeric leaves of a JSON object as flat metric names: {test: {f1: 0.9}} → test.f1 */
export function numericLeaves(value: unknown, prefix = "", out: Record<string, number> = {}, depth = 0): Record<string, number> {
  if (depth > 4) return out;
  if (typeof value === "number") {
    if (prefix) out[prefix] = value;
  } else if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) numericLeaves(v, prefix ? `${prefix}.${k}` : k, out, depth + 1);
  }
  return out;
}

function experimentParams(e: Experiment): Record<string, unknown> {
  return {
    experiment: e.name,
    seed: e.seed,
    "split.test_ratio": e.split.test_ratio,
    "validation.max_invalid_share": e.validation.max_invalid_share,
    "validation.drift_p_value": e.validation.drift_p_value,
    "validation.fail_on_drift": e.validation.fail_on_drift,
    "transform.knn_neighbors": e.transform.knn_neighbors,
    "search.folds": e.search.folds,
    "search.scoring": e.search.scoring,
    "search.candidates": e.search.candidates.map((c) => c.family).join(","),
    "gates.min_score": e.gates.min_score,
    "gates.max_overfit": e.gates.max_overfit,
  };
}

/** The ONNX bytes to log with the model: the pushed model.onnx, else the run's model exported (none when its family has no export). */
async function onnxOf(pushedFile: unknown, run?: RunFolder, schema?: Schema): Promise<Uint8Array | undefined> {
  if (typeof pushedFile === "string") return (await platform.stat(pushedFile))?.isFile ? await platform.readFile(pushedFile) : undefined;
  if (!run) return undefined;
  try {
    return (await onnxFromRunDir(run.dir, schema)).bytes;
  } catch (error) {
    if (isNetsecError(error, "EXPORT_REFUSED") || isNetsecError(error, "FILE_NOT_FOUND")) return undefined;
    throw error;
  }
}

export async function startPipelineTracking(options: PipelineTrackingOptions): Promise<PipelineTracking> {
  const { reporter } = options;
  const tracker = await createTracker({ ...options, sourceName: options.sourceName ?? "netsec train", onWarning: (w) => reporter.warn(`tracking: ${w}`) });
  /** The onnx + python_function part of the logged model, when there is an ONNX file. */
  const mlflowFlavors = async (onnx: Uint8Array | undefined) => {
    try {
      return onnx ? await onnxMlflowModel(onnx) : {};
    } catch (error) {
      reporter.warn(`tracking: the model is logged without its onnx/python_function flavors: ${(error as Error).message}`);
      return {};
    }
  };
  /**
   * The flavors plus the manifest.json beside `modelFile` when it names that model.json, and the
   * set's reference.json when it has one: a model served from the registry or a run then decides
   * at the threshold it was pushed with, and /monitor compares its traffic with that reference.
   */
  const withManifest = async (flavors: Awaited<ReturnType<typeof mlflowFlavors>>, modelFile: string) => {
    try {
      const dir = modelFile.slice(0, modelFile.lastIndexOf("/") + 1);
      const text = await platform.readTextFile(`${dir}${MODEL_FILES.manifest}`);
      const sha256 = await platform.sha256(await platform.readFile(modelFile));
      if ((JSON.parse(text) as { sha256?: unknown }).sha256 !== sha256) return flavors;
      const reference = await platform.readTextFile(`${dir}${REFERENCE_FILE}`).catch(() => undefined);
      return { ...flavors, files: { ...(flavors as { files?: Record<string, Uint8Array | string> }).files, [MODEL_FILES.manifest]: text, ...(reference !== undefined ? { [REFERENCE_FILE]: reference } : {}) } };
    } catch {
      return flavors; // no manifest (a trained model that was not pushed): served at 0.5, as from its folder
    }
  };
  const modelName = options.modelName ?? platform.env("NETSEC_REGISTERED_MODEL") ?? REGISTERED_MODEL;
  const parent = await tracker.startRun(options.runName ?? `train ${new Date().toISOString().slice(0, 19)}`, { "netsec.command": options.command ?? "train" });
  await parent.logParams(experimentParams(options.experiment));
  const started = new Map<string, number>();
  let modelLogged = false;
  let trainedModel: string | undefined;
  let runDir: string | undefined;
  let digest: string | undefined;
  let testMetrics: Record<string, number> = {};
  let pushedVersion: number | undefined;

  /** `data` (the real path, or the URI without credentials) and the dataset (inputs API). */
  const logData = async (summary: IngestSummary) => {
    const mongo = /^MongoDB /.test(summary.source);
    let location = dataLocation(summary.source);
    if (!mongo && !location.startsWith("/")) location = `${platform.cwd()}/${location}`;
    await parent.logParams({ data: location });
    digest = dataDigest(summary.sha256);
    const dtypes = new Map<string, string>();
    for (const f of options.schema.features) dtypes.set(f.name, f.dtype);
    dtypes.set(options.schema.target.name, options.schema.target.dtype);
    await parent.setTags({ [DATA_DIGEST_TAG]: digest });
    await parent.logInputs([datasetInput({
      name: summary.name, digest, location: mongo ? redactCredentials(summary.source) : location, kind: mongo ? "mongodb" : "file",
      columns: summary.columns.map((name) => ({ name, dtype: dtypes.get(name) ?? "string" })), rows: summary.rows,
    })]);
  };

  const uploadReports = async (stage: StageName, run: RunFolder) => {
    for (const rel of STAGE_REPORTS[stage] ?? []) {
      const file = run.file(stage, rel);
      const info = await platform.stat(file);
      if (!info?.isFile) continue;
      if (info.size > MAX_ARTIFACT_BYTES) {
        reporter.warn(`tracking: ${file} (${info.size} bytes) not uploaded: larger than ${MAX_ARTIFACT_BYTES} bytes`);
        continue;
      }
      await parent.logArtifact(`${STAGE_DIRS[stage]}/${rel}`, { file });
    }
  };

  const tracking: PipelineTracking = {
    tracker,
    parent,
    async onStageStart(name, run) {
      started.set(name, Date.now());
      if (run && !runDir) {
        runDir = run.dir;
        await parent.setTags({ [RUN_DIR_TAG]: run.dir });
      }
    },
    async onStage(event, run) {
      const { name } = event;
      if (!runDir) {
        runDir = run.dir;
        await parent.setTags({ [RUN_DIR_TAG]: run.dir });
      }
      const t0 = started.get(name);
      if (t0 !== undefined) await parent.logMetrics({ [`system/stage.${name}.seconds`]: (Date.now() - t0) / 1000 });
      if (name in STAGE_DIRS) await uploadReports(name as StageName, run);
      switch (event.name) {
        case "ingestion":
          await logData(event.result.summary);
          break;
        case "trainer":
          await tracking.logWinner(event.result.search.best);
          trainedModel = event.result.modelFile;
          break;
        case "evaluation": {
          const { scalars, trainMetrics, calibration } = event.result;
          testMetrics = { ...scalars };
          // calibration of the test rows (docs/monitoring.md): test.brier, test.ece
          const calibrated = calibration ? { brier: calibration.brier, ece: calibration.ece } : {};
          await parent.logMetrics(numericLeaves({ test: { ...scalars, ...calibrated }, train: scalarsOf(trainMetrics) }));
          break;
        }
        case "push": {
          const push = event.result;
          // The pushed model file (final_model/…) when pushed, else the trained one (logged, not registered).
          const file = push.pushed && push.modelFile ? push.modelFile : trainedModel;
          if (file) await tracking.logModel(file, push.pushed, { version: push.version, sha256: push.sha256, onnx: await onnxOf(push.pushed ? push.onnxFile : undefined, run, options.schema) });
          break;
        }
      }
    },
    async onCandidate(result) {
      const child = await parent.startChild(`${result.family} #${result.index}`, { family: result.family, ...(result.note ? { note: result.note } : {}) });
      await child.logParams({ family: result.family, ...result.params });
      const key = `cv_${result.scoring}`;
      const now = Date.now();
      await child.logMetricPoints([
        ...result.foldScores.map((value, fold) => ({ key, value, step: fold, timestamp: now })),
        { key: `${key}_mean`, value: result.meanScore, timestamp: now },
        { key: `${key}_std`, value: result.stdScore, timestamp: now },
        { key: "fit_seconds", value: result.fitSeconds, timestamp: now },
      ]);
      await child.endRun();
    },
    async logWinner(best) {
      await parent.logParams({ "best.family": best.family, ...Object.fromEntries(Object.entries(best.params).map(([k, v]) => [`best.${k}`, v])) });
      await parent.logMetrics({ [`best.cv_${best.scoring}_mean`]: best.meanScore, [`best.cv_${best.scoring}_std`]: best.stdScore });
    },
    async logModel(modelFile, pushed, push = {}) {
      if (modelLogged) return;
      modelLogged = true;
      await parent.logModel(modelFile, await withManifest(await mlflowFlavors(push.onnx), modelFile));
      const sha256 = push.sha256 ?? (await platform.sha256(await platform.readFile(modelFile)));
      pushedVersion = pushed ? push.version : undefined;
      await parent.setTags({ "netsec.pushed": String(pushed), ...(pushedVersion !== undefined ? { [MODEL_VERSION_TAG]: String(pushedVersion) } : {}) });
      if (!pushed) return;
      const metrics = Object.entries(testMetrics).filter(([k]) => !k.includes(".")).map(([k, v]) => `${k} ${Number(v.toFixed(4))}`).join(", ");
      await parent.registerModel(modelName, CHAMPION_ALIAS, "model", {
        modelVersion: push.version,
        tags: {
          [SHA256_TAG]: sha256,
          ...(push.version !== undefined ? { [MODEL_VERSION_TAG]: String(push.version) } : {}),
          ...(digest ? { [DATA_DIGEST_TAG]: digest } : {}),
        },
        description: `netsec model.json${push.version !== undefined ? ` (final_model version ${push.version})` : ""}, sha256 ${sha256.slice(0, 12)}…` +
          `${metrics ? `; test metrics: ${metrics}` : ""}${digest ? `; data digest ${digest}` : ""}`,
      });
    },
    async logServedModel(servedDir) {
      // One pushed set: resolve `current` once, read its files from there (docs/models.md).
      const modelDir = await modelSetDir(servedDir);
      const manifestFile = `${modelDir}/${MODEL_FILES.manifest}`;
      if (!(await platform.stat(manifestFile))?.isFile) return undefined;
      const manifest = JSON.parse(await platform.readTextFile(manifestFile)) as ModelManifest;
      const served = { version: manifest.version, sha256: manifest.sha256 };
      if (pushedVersion === manifest.version) return served;
      const onnx = await onnxOf(`${modelDir}/${MODEL_FILES.onnx}`);
      await parent.logModel(`${modelDir}/${MODEL_FILES.model}`, { artifactPath: "served_model", ...(await withManifest(await mlflowFlavors(onnx), `${modelDir}/${MODEL_FILES.model}`)) });
      let metrics = "";
      try {
        const file = JSON.parse(await platform.readTextFile(`${modelDir}/${MODEL_FILES.model}`)) as { metrics?: Record<string, number> };
        metrics = Object.entries(file.metrics ?? {}).map(([k, v]) => `${k} ${Number(v.toFixed(4))}`).join(", ");
      } catch {
        // the description goes without metrics
      }
      await parent.registerModel(modelName, CHAMPION_ALIAS, "served_model", {
        modelVersion: manifest.version,
        tags: { [SHA256_TAG]: manifest.sha256, [MODEL_VERSION_TAG]: String(manifest.version) },
        description: `netsec model.json (final_model version ${manifest.version}, pushed ${manifest.createdAt}${manifest.runDir ? ` by ${manifest.runDir}` : ""}), sha256 ${manifest.sha256.slice(0, 12)}…${metrics ? `; test metrics: ${metrics}` : ""}`,
        unlessAliasSha: manifest.sha256,
      });
      return served;
    },
    async finish(status, summary) {
      const where0 = tracker.summary();
      const record = summary !== undefined && summary && typeof summary === "object" && !Array.isArray(summary)
        ? { ...(summary as Record<string, unknown>), dataDigest: digest ?? null, runStatus: status, tracking: { kind: where0.kind, target: redactCredentials(where0.target), clientRunId: parent.id } }
        : summary;
      if (record !== undefined) await parent.logArtifact(RUN_SUMMARY_FILE, JSON.stringify(record, null, 2));
      await parent.endRun(status);
      if (runDir && record !== undefined && (await platform.stat(runDir))?.isDirectory) {
        await platform.writeFileAtomic(`${runDir}/${RUN_SUMMARY_FILE}`, JSON.stringify(record, null, 2) + "\n");
      }
      const where = tracker.summary();
      if (where.outbox) reporter.warn(`tracking: some of this run waits in ${where.outbox}; run \`netsec sync\` when the server is reachable`);
      else {
        const last = where.runs.at(-1);
        reporter.info(where.kind === "mlflow" ? `tracked in MLflow at ${where.target} (run ${last?.serverId ?? "?"}${last?.url ? `: ${last.url}` : ""})` : `tracked locally in ${where.target}`);
      }
      return where;
    },
  };
  return tracking;
}
