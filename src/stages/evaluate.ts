/**
 * Evaluate stage: the new model's metrics on the test rows (accuracy, precision, recall, F1 of the
 * positive class and macro, ROC-AUC, PR-AUC, log-loss, confusion matrix, ROC and PR curve points),
 * the same for the model currently in the model folder on the same test rows, the gates, and the
 * push decision. Writes metrics.json, confusion.json, comparison.json.
 */
import type { Experiment } from "../experiment.ts";
import type { Schema } from "../schema.ts";
import type { Reporter } from "../reporter.ts";
import type { Frame } from "../data/frame.ts";
import type { Classifier, Matrix } from "../models/classifier.ts";
import { STAGE_FILES, writeStage, type RunFolder } from "../artifacts.ts";
import { platform } from "../runtime/index.ts";
import { isNetsecError } from "../errors.ts";
import { classificationMetrics, prCurve, rocCurve, type ClassificationMetrics } from "../stats/metrics.ts";
import { loadModelFile, type ModelMetrics } from "../models/model-file.ts";
import { decidePush, type PushDecision } from "./gates.ts";

export interface EvaluateInput {
  model: Classifier;
  train: { x: Matrix; y: Uint8Array };
  test: { x: Matrix; y: Uint8Array };
  /** The validated test rows as read (the current model applies its own preprocessor to them). */
  testFrame?: Frame;
  trainScore?: number;
}

export interface EvaluateOptions {
  run: RunFolder;
  experiment: Experiment;
  schema: Schema;
  /** Where the current model lives (default final_model). */
  modelDir?: string;
  force?: boolean;
  reporter?: Reporter;
}

export interface CurrentModelSummary {
  version: number;
  sha256: string;
  family: string;
  metrics: ModelMetrics;
}

export interface EvaluateArtifacts {
  dir: string;
  metricsFile: string;
  confusionFile: string;
  comparisonFile: string;
  metrics: ClassificationMetrics;
  /** Scalar test metrics (what goes into the model file). */
  scalars: ModelMetrics;
  testScore: number;
  trainScore: number;
  current?: CurrentModelSummary;
  decision: PushDecision;
}

/** The scalar metrics (everything but the confusion matrix and supports). */
export function scalarMetrics(m: ClassificationMetrics): ModelMetrics {
  const { accuracy, precision, recall, f1, f1_macro, roc_auc, pr_auc, log_loss } = m;
  return { accuracy, precision, recall, f1, f1_macro, roc_auc, pr_auc, log_loss };
}

function metricsOf(y: Uint8Array, p1: Float64Array, positive: 0 | 1): ClassificationMetrics {
  const yPred = new Uint8Array(p1.length);
  const probPositive = new Float64Array(p1.length);
  for (let i = 0; i < p1.length; i++) {
    yPred[i] = p1[i] > 0.5 ? 1 : 0;
    probPositive[i] = positive === 1 ? p1[i] : 1 - p1[i];
  }
  return classificationMetrics(y, yPred, probPositive, positive);
}

export async function runEvaluate(input: EvaluateInput, options: EvaluateOptions): Promise<EvaluateArtifacts> {
  const { run, experiment, schema, reporter } = options;
  const files = STAGE_FILES.evaluation;
  const finalDir = run.stage("evaluation");
  const scoring = experiment.search.scoring;
  const positive = schema.positiveIndex;
  const pTest = input.model.predictProba(input.test.x);
  const metrics = metricsOf(input.test.y, pTest, positive);
  const trainMetrics = metricsOf(input.train.y, input.model.predictProba(input.train.x), positive);
  const testScore = metrics[scoring];
  const trainScore = input.trainScore ?? trainMetrics[scoring];
  const probPositive = Float64Array.from(pTest, (p) => (positive === 1 ? p : 1 - p));
  const roc = rocCurve(input.test.y, probPositive, positive);
  const pr = prCurve(input.test.y, probPositive, positive);

  let current: CurrentModelSummary | undefined;
  let currentMetrics: ClassificationMetrics | undefined;
  let currentNote: string | undefined;
  const modelDir = options.modelDir ?? "final_model";
  try {
    const loaded = await loadModelFile(modelDir, { schema });
    const batch = input.testFrame ? loaded.predictFrame(input.testFrame) : loaded.predictMatrix(input.test.x);
    const p1 = Float64Array.from(batch.probability, (p) => (positive === 1 ? p : 1 - p));
    currentMetrics = metricsOf(input.test.y, p1, positive);
    current = { version: loaded.version, sha256: loaded.sha256, family: loaded.family, metrics: scalarMetrics(currentMetrics) };
  } catch (error) {
    if (!isNetsecError(error, "FILE_NOT_FOUND")) {
      currentNote = `the current model in ${modelDir} could not be used for comparison: ${(error as Error).message}`;
      reporter?.warn(currentNote);
    }
  }
  const decision = decidePush({ scoring, testScore, trainScore, currentScore: currentMetrics?.[scoring], gates: experiment.gates, force: options.force });

  return writeStage(finalDir, async (dir) => {
    const scalars = scalarMetrics(metrics);
    await platform.writeFile(`${dir}/${files.metrics}`, JSON.stringify({
      scoring,
      family: input.model.family,
      params: input.model.params,
      test: { ...scalars, support: metrics.support },
      train: { ...scalarMetrics(trainMetrics), support: trainMetrics.support },
      featureImportances: input.model.featureImportances ? Array.from(input.model.featureImportances()) : null,
      features: schema.featureNames,
    }, null, 2) + "\n");
    await platform.writeFile(`${dir}/${files.confusion}`, JSON.stringify({
      positive: { classIndex: positive, value: schema.target.positive, label: schema.labelOf(schema.target.positive) },
      confusion: metrics.confusion,
      roc,
      pr,
      current: currentMetrics ? currentMetrics.confusion : null,
    }) + "\n");
    await platform.writeFile(`${dir}/${files.comparison}`, JSON.stringify({
      scoring,
      new: { score: testScore, trainScore, metrics: scalars },
      current: current ? { ...current, score: currentMetrics![scoring] } : null,
      currentNote: currentNote ?? null,
      force: Boolean(options.force),
      ...decision,
    }, null, 2) + "\n");
    reporter?.info(`evaluate: test ${scoring} ${testScore.toFixed(4)}${current ? ` (current model v${current.version}: ${currentMetrics![scoring].toFixed(4)})` : ""}; ${decision.push ? "push" : "no push"}: ${decision.reasons.join("; ")}`);
    return {
      dir: finalDir,
      metricsFile: `${finalDir}/${files.metrics}`,
      confusionFile: `${finalDir}/${files.confusion}`,
      comparisonFile: `${finalDir}/${files.comparison}`,
      metrics,
      scalars,
      testScore,
      trainScore,
      current,
      decision,
    };
  });
}
