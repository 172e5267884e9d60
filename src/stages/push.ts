/**
 * Push stage: when the evaluation says so, write the model into the model folder (default
 * final_model/) as one set: model.json (deterministic: same data + seed → same bytes; with the
 * training-set fingerprint the push gate compares on), model.json.sha256, manifest.json (version,
 * creation time, run folder, the decision threshold), MODEL_CARD.md and model.onnx (the same model
 * as ONNX, docs/export.md; absent for a family ONNX cannot express) go into a new `versions/<n>/`
 * (staged in a temporary folder, then renamed), and the link `current` is switched to it with one
 * rename. `final_model/<file>` are links through `current`, so readers see the old set or the new
 * one and a kill at any point leaves the folder loadable (docs/models.md). A file joins the set by
 * being added to `contents` in `runPush` (as model.onnx is). Pushes into one folder take turns
 * (push-lock.ts): each numbers and writes its set holding `<modelDir>/push.lock`, so two trains
 * pushing at once get two versions; a folder whose `current` was copied into a real folder is
 * adopted first (`adoptCopiedCurrent`).
 */
import type { Schema } from "../schema.ts";
import type { Reporter } from "../reporter.ts";
import type { Classifier } from "../models/classifier.ts";
import { forceDecision, type PushDecision } from "./gates.ts";
import { platform } from "../runtime/index.ts";
import { MODEL_FILES, MODEL_FORMAT, MODEL_FORMAT_VERSION, type ModelFileJson, type ModelManifest, type ModelMetrics, type ThresholdRecord } from "../models/model-file.ts";
import type { TrainingSetJson } from "../models/training-set.ts";
import { onnxSupport } from "../models/onnx/export.ts";
import { onnxBytesFor } from "../models/onnx/sources.ts";
import { modelCard } from "./model-card.ts";
import { withPushLock } from "./push-lock.ts";
import { NetsecError } from "../errors.ts";
import type { MonitorReference } from "../monitor/reference.ts";
import { REFERENCE_FILE } from "../monitor/reference-file.ts";

export interface PushInput {
  model: Classifier;
  preprocessor: { toJSON(): unknown };
  metrics: ModelMetrics;
  cv: ModelFileJson["cv"];
  dataFingerprint: string;
  /** The raw feature vectors of the training rows (recorded in model.json). */
  trainingSet?: TrainingSetJson;
  /** The decision threshold on P(positive class) and how it was chosen (recorded in manifest.json). */
  threshold?: { value: number; record: ThresholdRecord };
  decision: PushDecision;
  /** The monitoring reference (evaluation's), written as reference.json into the set. */
  reference?: MonitorReference;
}

/** Push's own settings: plain data, part of its result's key. */
export interface PushSettings {
  /** What model.json records of the experiment. */
  experiment: ModelFileJson["experiment"];
  modelDir: string;
  /** Push a model the evaluation found not better (or not comparable); a failed gate still stops it. */
  force?: boolean;
}

export interface PushOptions extends PushSettings {
  schema: Schema;
  /** The run folder recorded in manifest.json. */
  runDir?: string;
  reporter?: Reporter;
  /** Creation time recorded in manifest.json (default: now). */
  now?: Date;
}

export interface PushArtifacts {
  pushed: boolean;
  reasons: string[];
  /** The decision it acted on (forced when `force` overrode a refusal). */
  decision: PushDecision;
  modelDir: string;
  version?: number;
  sha256?: string;
  modelFile?: string;
  /** `<modelDir>/model.onnx` when the family exports to ONNX. */
  onnxFile?: string;
}

/** The content of model.json: plain data, no volatile fields. */
export function buildModelFile(input: Omit<PushInput, "decision">, experiment: ModelFileJson["experiment"], schema: Schema): ModelFileJson {
  return {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    schemaHash: schema.hash,
    dataFingerprint: input.dataFingerprint,
    experiment: { name: experiment.name, seed: experiment.seed, scoring: experiment.scoring },
    features: [...schema.featureNames],
    target: { name: schema.target.name, values: [schema.targetValue(0), schema.targetValue(1)], positive: schema.target.positive },
    preprocessor: input.preprocessor.toJSON(),
    model: input.model.toJSON(),
    metrics: input.metrics,
    cv: input.cv,
    ...(input.trainingSet ? { trainingSet: input.trainingSet } : {}),
  };
}

async function nextVersion(modelDir: string): Promise<number> {
  let highest = 0;
  const versionsDir = `${modelDir}/${MODEL_FILES.versions}`;
  if (await platform.stat(versionsDir)) {
    for (const name of await platform.readDir(versionsDir)) if (/^\d+$/.test(name)) highest = Math.max(highest, Number(name));
  }
  const manifest = `${modelDir}/${MODEL_FILES.manifest}`;
  if (await platform.stat(manifest)) {
    try {
      highest = Math.max(highest, Number((JSON.parse(await platform.readTextFile(manifest)) as ModelManifest).version) || 0);
    } catch {
      // a damaged manifest does not block a push; the versions/ folders still give the number
    }
  }
  return highest + 1;
}

/**
 * A model folder copied by a tool that follows links (`cp -rL`, Python's shutil.copytree, zip,
 * an artifact store) has a real folder `current` instead of the link: the next switch could not
 * rename a link over it. Called under the push lock: when that folder is a copy of the version its
 * manifest names (same model.json checksum), it is replaced by a link to that version; otherwise
 * it is kept as a version of its own (its manifest's number when free, else the next one). Either
 * way the folder serves what it served, and the push goes on.
 */
export async function adoptCopiedCurrent(modelDir: string, reporter?: Reporter): Promise<void> {
  const current = `${modelDir}/${MODEL_FILES.current}`;
  if ((await platform.readLink(current)) !== undefined) return;
  const info = await platform.stat(current);
  if (!info) return;
  if (!info.isDirectory) {
    throw new NetsecError("MODEL_INVALID", `${current} is a file, expected a link to versions/<n> (docs/models.md); move it away and push again`, { location: { file: current } });
  }
  let claimed: number | undefined;
  try {
    const v = Number((JSON.parse(await platform.readTextFile(`${current}/${MODEL_FILES.manifest}`)) as ModelManifest).version);
    if (Number.isInteger(v) && v > 0) claimed = v;
  } catch {
    // no readable manifest: kept under the next free number
  }
  const checksum = async (dir: string) => (await platform.stat(`${dir}/${MODEL_FILES.model}`)) ? await platform.sha256(await platform.readFile(`${dir}/${MODEL_FILES.model}`)) : undefined;
  const mine = await checksum(current);
  const versionsDir = `${modelDir}/${MODEL_FILES.versions}`;
  const why = `${current} was a folder, not a link (the model folder was copied by a tool that follows links?)`;
  if (claimed !== undefined && mine !== undefined && (await checksum(`${versionsDir}/${claimed}`)) === mine) {
    await platform.remove(current);
    await platform.symlinkAtomic(`${MODEL_FILES.versions}/${claimed}`, current);
    reporter?.warn(`push: ${why}: it was a copy of ${MODEL_FILES.versions}/${claimed}, now linked again`);
    return;
  }
  const number = claimed !== undefined && !(await platform.stat(`${versionsDir}/${claimed}`)) ? claimed : await nextVersion(modelDir);
  await platform.mkdir(versionsDir);
  await platform.rename(current, `${versionsDir}/${number}`);
  await platform.symlinkAtomic(`${MODEL_FILES.versions}/${number}`, current);
  reporter?.warn(`push: ${why}: kept as ${MODEL_FILES.versions}/${number}`);
}

const STAGING = /^\d+\.partial(-.*)?$/;
/** Every file a set may hold; each one present gets its top-level link. */
const SET_FILES = [MODEL_FILES.model, MODEL_FILES.checksum, MODEL_FILES.manifest, MODEL_FILES.card, MODEL_FILES.onnx, REFERENCE_FILE];

/**
 * Write `contents` as the set `versions/<version>/` of `modelDir` and make it the current one:
 * (1) the files go into `versions/<version>.partial-<pid>` and that folder is renamed to
 * `versions/<version>`; (2) `current` is replaced by a link to it (one rename: the switch);
 * (3) every file of the set gets its `modelDir/<name>` → `current/<name>` link (made once;
 * regular files of a folder from before sets are replaced by links here), and a set file the new
 * set does not hold (model.onnx of a knn model) is removed from `modelDir`, so it does not stay
 * beside a model it is not. A kill before (2) leaves the old set current; after it, the new one.
 */
export async function writeModelSet(modelDir: string, version: number, contents: readonly (readonly [string, string | Uint8Array])[]): Promise<string> {
  const versionsDir = `${modelDir}/${MODEL_FILES.versions}`;
  await platform.mkdir(versionsDir);
  // Staging folders of pushes that were killed: never current, safe to remove.
  for (const name of await platform.readDir(versionsDir)) if (STAGING.test(name)) await platform.remove(`${versionsDir}/${name}`);
  const versionDir = `${versionsDir}/${version}`;
  const staging = `${versionDir}.partial-${Date.now().toString(36)}`;
  await platform.mkdir(staging);
  for (const [name, body] of contents) await platform.writeFile(`${staging}/${name}`, body);
  await platform.rename(staging, versionDir);
  await platform.symlinkAtomic(`${MODEL_FILES.versions}/${version}`, `${modelDir}/${MODEL_FILES.current}`);
  for (const [name] of contents) {
    const link = `${MODEL_FILES.current}/${name}`;
    if ((await platform.readLink(`${modelDir}/${name}`)) !== link) await platform.symlinkAtomic(link, `${modelDir}/${name}`);
  }
  for (const name of SET_FILES) if (!contents.some(([held]) => held === name)) await platform.remove(`${modelDir}/${name}`);
  return versionDir;
}

export async function runPush(input: PushInput, options: PushOptions): Promise<PushArtifacts> {
  const modelDir = options.modelDir;
  const decision = options.force ? forceDecision(input.decision) : input.decision;
  if (!decision.push) {
    options.reporter?.info(`push: not pushed: ${decision.reasons.join("; ")}`);
    return { pushed: false, reasons: decision.reasons, decision, modelDir };
  }
  const file = buildModelFile(input, options.experiment, options.schema);
  const text = JSON.stringify(file) + "\n";
  const sha256 = await platform.sha256(text);
  const support = onnxSupport(file.model.family);
  const onnxRefused = support.exportable ? undefined : support.reason;
  // Numbered and written under the folder's push lock: two pushes at once get two versions.
  const { version, versionDir, onnx } = await withPushLock(modelDir, async () => {
    await adoptCopiedCurrent(modelDir, options.reporter);
    const version = await nextVersion(modelDir);
    const manifest: ModelManifest = { format: "netsec-model-manifest", version, createdAt: (options.now ?? new Date()).toISOString(), sha256, runDir: options.runDir };
    if (input.threshold) {
      manifest.threshold = input.threshold.value;
      manifest.thresholdRule = input.threshold.record;
    }
    // From the bytes of model.json (what a reader gets), not the fitted objects (ml-cart keeps matrices there).
    const onnx = support.exportable ? await onnxBytesFor(JSON.parse(text) as ModelFileJson, options.schema, sha256, version, manifest.threshold) : undefined;
    manifest.onnx = onnx ? { sha256: await platform.sha256(onnx), bytes: onnx.length } : { refused: onnxRefused! };
    const contents: [string, string | Uint8Array][] = [
      [MODEL_FILES.model, text],
      ...(onnx ? [[MODEL_FILES.onnx, onnx] as [string, Uint8Array]] : []),
      [MODEL_FILES.checksum, `${sha256}  ${MODEL_FILES.model}\n`],
      [MODEL_FILES.manifest, JSON.stringify(manifest, null, 2) + "\n"],
      [MODEL_FILES.card, modelCard(file, manifest, decision)],
      ...(input.reference ? [[REFERENCE_FILE, JSON.stringify(input.reference) + "\n"] as [string, string]] : []),
    ];
    return { version, versionDir: await writeModelSet(modelDir, version, contents), onnx };
  }, { reporter: options.reporter });
  if (onnxRefused !== undefined) options.reporter?.warn(`push: no ${MODEL_FILES.onnx} for this ${file.model.family} model: ${onnxRefused}`);
  options.reporter?.info(`push: ${modelDir}/model.json version ${version} (sha256 ${sha256.slice(0, 12)}…): ${decision.reasons.join("; ")}`);
  return { pushed: true, reasons: decision.reasons, decision, modelDir, version, sha256, modelFile: `${versionDir}/${MODEL_FILES.model}`, ...(onnx ? { onnxFile: `${versionDir}/${MODEL_FILES.onnx}` } : {}) };
}

/** What run.json and summary.json say of a push (netsec train and a session alike; `netsec runs`, compare and the report read it). */
export function pushSummary(a: PushArtifacts): Record<string, unknown> {
  return { dir: a.modelDir, pushed: a.pushed, version: a.version ?? null, sha256: a.sha256 ?? null, onnx: a.onnxFile ?? null, reasons: a.reasons };
}
