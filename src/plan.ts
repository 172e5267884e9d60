/**
 * The stages' settings, built from an experiment and where the run writes — in one place, so the
 * CLI's `runPipeline` and a notebook session cannot give a stage different arguments — and the key
 * of each stage's result: the sha256 of netsec's version, the stage's own settings and the keys of
 * what it reads (the data's digest at the start). The same key means the same result, so a session
 * reuses it instead of running the stage again.
 */
import type { Experiment } from "./experiment.ts";
import type { StageName } from "./artifacts.ts";
import { valueSha256 } from "./data/digest.ts";
import { NETSEC_VERSION, STAGE_FORMAT } from "./version.ts";
import type { IngestSettings } from "./stages/ingest.ts";
import type { ValidateSettings } from "./stages/validate.ts";
import type { TransformSettings } from "./stages/transform.ts";
import type { SearchSettings, TrainSettings } from "./stages/train.ts";
import type { EvaluateSettings } from "./stages/evaluate.ts";
import type { PushSettings } from "./stages/push.ts";

export interface StagePlan {
  ingestion: IngestSettings;
  validation: ValidateSettings;
  transformation: TransformSettings;
  trainer: TrainSettings;
  evaluation: EvaluateSettings;
  push: PushSettings;
}

export interface PlanPlaces {
  modelDir: string;
  reference?: string;
  force?: boolean;
}

export function planStages(experiment: Experiment, places: PlanPlaces): StagePlan {
  return {
    ingestion: { testRatio: experiment.split.test_ratio, seed: experiment.seed, groupDuplicates: experiment.split.group_duplicates },
    validation: {
      maxInvalidShare: experiment.validation.max_invalid_share,
      driftPValue: experiment.validation.drift_p_value,
      failOnDrift: experiment.validation.fail_on_drift,
      conflicts: experiment.validation.conflicts,
      ...(places.reference ? { reference: places.reference } : {}),
    },
    transformation: { k: experiment.transform.knn_neighbors },
    trainer: {
      seed: experiment.seed,
      folds: experiment.search.folds,
      scoring: experiment.search.scoring,
      workers: experiment.search.workers,
      candidates: experiment.search.candidates,
      groupDuplicates: experiment.split.group_duplicates,
      threshold: experiment.threshold,
    },
    evaluation: { scoring: experiment.search.scoring, gates: experiment.gates, seed: experiment.seed, modelDir: places.modelDir },
    push: { experiment: { name: experiment.name, seed: experiment.seed, scoring: experiment.search.scoring }, modelDir: places.modelDir, ...(places.force ? { force: true } : {}) },
  };
}

/** What the model search's result depends on: the train settings without the threshold rule and the worker count. */
export function searchPart(settings: SearchSettings): Omit<SearchSettings, "workers"> {
  const { workers: _workers, ...rest } = settings;
  return rest;
}

/** What the keys start from besides the plan. */
export interface KeyInputs {
  /** sha256 of the data as read (a file's bytes; for MongoDB, of the ingested feature store). */
  data: string;
  /** schema.yaml's hash. */
  schema: string;
  /** Identity of the reference run's validated data (its key), when drift is measured against one. */
  reference?: string;
  /** sha256 of the model in the model folder (the evaluation compares with it); "" when there is none. */
  currentModel?: string;
}

export type StageKeys = Record<StageName | "search", string>;

const key = (parts: unknown[]) => valueSha256([NETSEC_VERSION, STAGE_FORMAT, ...parts]);

/** The key of every stage's result for this plan and these inputs. */
export async function stageKeys(plan: StagePlan, inputs: KeyInputs): Promise<StageKeys> {
  const ingestion = await key(["ingestion", inputs.data, inputs.schema, plan.ingestion]);
  const { reference: _path, ...validation } = plan.validation;
  const validationKey = await key(["validation", ingestion, validation, inputs.reference ?? null]);
  const transformation = await key(["transformation", validationKey, plan.transformation]);
  const { threshold, ...searchSettings } = plan.trainer;
  const search = await key(["search", transformation, searchPart(searchSettings)]);
  const trainer = await key(["trainer", search, threshold]);
  const { modelDir, ...evaluation } = plan.evaluation;
  const evaluationKey = await key(["evaluation", trainer, evaluation, modelDir, inputs.currentModel ?? ""]);
  return { ingestion, validation: validationKey, transformation, search, trainer, evaluation: evaluationKey };
}
