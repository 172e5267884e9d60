/**
 * The model the model folder serves, seen from a session: whether it is the very model the session
 * trained (same fitted model, same threshold), and then the evaluation made when it was pushed
 * (against the model served before it), not a comparison of the model with itself.
 */
import { platform } from "../runtime/index.ts";
import type { Schema } from "../schema.ts";
import { loadRunFolder, readRunStatus } from "../artifacts.ts";
import { loadModelFile, MODEL_FILES, modelSetDir, type ModelManifest } from "../models/model-file.ts";
import type { TrainArtifacts } from "../stages/train.ts";
import type { EvaluateArtifacts } from "../stages/evaluate.ts";
import { loadEvaluation, readJsonFile } from "../stages/load.ts";
import type { Provenance } from "./engine.ts";

/** The version and sha256 under which `modelDir` serves this trained model, if it does. */
export async function servedModel(modelDir: string, schema: Schema, trainer: TrainArtifacts): Promise<{ version: number; sha256: string } | undefined> {
  let loaded;
  try {
    loaded = await loadModelFile(modelDir, { schema });
  } catch {
    return undefined;
  }
  const same = JSON.stringify(loaded.file.model) === JSON.stringify(trainer.model.toJSON()) && loaded.threshold === trainer.threshold.threshold;
  return same ? { version: loaded.version, sha256: loaded.sha256 } : undefined;
}

/** The evaluation of the run that pushed the served model, when its trainer has `trainerKey`. */
export async function evaluationOfServed(modelDir: string, trainerKey: string): Promise<{ result: EvaluateArtifacts; provenance: Provenance } | undefined> {
  const manifest = await readJsonFile<ModelManifest>(`${await modelSetDir(modelDir)}/${MODEL_FILES.manifest}`).catch(() => undefined);
  if (!manifest?.runDir) return undefined;
  const run = await loadRunFolder(manifest.runDir).catch(() => undefined);
  if (!run || !(await platform.stat(run.stage("evaluation")))?.isDirectory) return undefined;
  const trainerRun = run.lineage.trainer ? `${run.root}/${run.lineage.trainer}` : run.dir;
  if ((await readRunStatus(trainerRun))?.stages?.trainer?.key !== trainerKey) return undefined;
  return { result: await loadEvaluation(run), provenance: { stage: "evaluation", origin: "disk", run: run.dir } };
}
