/**
 * Evaluate stage: the new model's metrics on the test rows at its decision threshold (accuracy,
 * precision, recall, F1 of the positive class and macro, ROC-AUC, PR-AUC, log-loss, confusion
 * matrix, ROC and PR curve points), the gates, and the push decision against the model currently
 * in the model folder. The two models are compared on the test rows neither was trained on (each
 * model records the feature vectors of its training rows), each at its own threshold, and
 * comparison.json says which rows and why. Writes metrics.json, confusion.json, comparison.json
 * and, for families with explanations, explanations.json (mean |contribution| per feature and the
 * contributions of a sample of test rows: src/stages/explanations.ts). The test rows' calibration
 * (Brier score, reliability curve, ECE) goes into metrics.json, and the monitoring reference push
 * carries with the model into reference.json (src/monitor/reference.ts).
 */
import type { Experiment } from "../experiment.ts";
import type { Frame } from "../data/frame.ts";
import type { Classifier, Matrix } from "../models/classifier.ts";
import type { Scoring } from "../search/types.ts";
import { STAGE_FILES, writeStage } from "../artifacts.ts";
import type { StageContext } from "./context.ts";
import { writeNpy } from "../data/npy.ts";
import { platform } from "../runtime/index.ts";
import { isNetsecError } from "../errors.ts";
import { classificationMetrics, prCurve, rocCurve, type ClassificationMetrics, type ConfusionMatrix, type PrCurve, type RocCurve } from "../stats/metrics.ts";
import { DEFAULT_THRESHOLD, loadModelFile, type ModelMetrics } from "../models/model-file.ts";
import { trainingSetLookup, type TrainingSetJson } from "../models/training-set.ts";
import { classesAt } from "../stats/threshold.ts";
import { decidePush, type DecisionInput, type PushDecision } from "./gates.ts";
import { explanationSummary, type ExplanationSummary } from "./explanations.ts";
import { buildReference, calibrationSummary, type CalibrationSummary, type MonitorReference } from "../monitor/reference.ts";

export interface EvaluateInput {
  model: Classifier;
  train: { x: Matrix; y: Uint8Array };
  test: { x: Matrix; y: Uint8Array };
  /** The validated test rows as read (the current model applies its own preprocessor to them). */
  testFrame?: Frame;
  trainScore?: number;
  /** The new model's decision threshold on P(positive class) (default 0.5). */
  threshold?: number;
  /** The new model's training feature vectors (to leave its seen rows out of the comparison). */
  trainingSet?: TrainingSetJson;
}

/** Evaluate's own settings (experiment `search.scoring`, `gates`, `seed`; the model folder): plain data, part of its result's key. */
export interface EvaluateSettings {
  scoring: Scoring;
  gates: Experiment["gates"];
  /** Seeds the sample of test rows the explanation summary explains. */
  seed: number;
  /** Where the current model lives (default final_model). */
  modelDir: string;
}

export type EvaluateOptions = StageContext & EvaluateSettings;

export interface CurrentModelSummary {
  version: number;
  sha256: string;
  family: string;
  threshold: number;
  /** Its metrics on the comparison rows. */
  metrics: ModelMetrics;
}

/** Which test rows the new and the current model were compared on, and why. */
export interface ComparedOn {
  rows: number;
  /** All test rows. */
  of: number;
  /** Test rows whose feature vector the current model was trained on. */
  seenByCurrent: number | null;
  /** Test rows whose feature vector the new model was trained on (0 with the grouped split). */
  seenByNew: number | null;
  reason: string;
}

/** Fewer test rows unseen by both models than this: no fair comparison (push only when forced). */
export const MIN_COMPARE_ROWS = 30;

export interface EvaluateArtifacts {
  dir: string;
  metricsFile: string;
  confusionFile: string;
  comparisonFile: string;
  /** Absent when the family has no explanations. */
  explanationsFile?: string;
  metrics: ClassificationMetrics;
  /** Scalar test metrics (what goes into the model file). */
  scalars: ModelMetrics;
  testScore: number;
  trainScore: number;
  current?: CurrentModelSummary;
  /** The current model's confusion matrix on the comparison rows. */
  currentConfusion?: ConfusionMatrix;
  comparedOn?: ComparedOn;
  /** Why the current model could not be compared (it did not load), when so. */
  currentNote?: string;
  threshold: number;
  /** The push decision without force; push re-decides with `force` from `decisionInput`. */
  decision: PushDecision;
  decisionInput: DecisionInput;
  /** The train split's metrics at the threshold (the over-fitting gate's other side). */
  trainMetrics: ClassificationMetrics;
  /** ROC and precision-recall points of the test rows. */
  curves: { roc: RocCurve; pr: PrCurve };
  /** P(positive class) of every test row, in the order of the transformed test split. */
  probability: Float64Array;
  /** The explanation summary of a sample of test rows (families with explanations). */
  explanations?: ExplanationSummary;
  /** Feature importances of the model (families that have them), in feature order. */
  importances?: number[];
  /** Calibration of P(positive) on the test rows: Brier score, reliability curve, ECE. */
  calibration?: CalibrationSummary;
  /** The monitoring reference push writes beside the model (reference.json, docs/monitoring.md). */
  reference?: MonitorReference;
}

/** The scalar metrics (everything but the confusion matrix and supports). */
export function scalarMetrics(m: ClassificationMetrics): ModelMetrics {
  const { accuracy, precision, recall, f1, f1_macro, roc_auc, pr_auc, log_loss } = m;
  return { accuracy, precision, recall, f1, f1_macro, roc_auc, pr_auc, log_loss };
}

/** Metrics with hard predictions at `threshold` on P(positive) (positive when ≥). */
function metricsOf(y: Uint8Array, p1: Float64Array, positive: 0 | 1, threshold: number): ClassificationMetrics {
  const probPositive = Float64Array.from(p1, (p) => (positive === 1 ? p : 1 - p));
  return classificationMetrics(y, classesAt(probPositive, positive, threshold), probPositive, positive);
}

const pick = <T extends Uint8Array | Float64Array>(values: T, rows: number[]): T => {
  const out = new (values.constructor as { new (n: number): T })(rows.length);
  rows.forEach((r, i) => (out[i] = values[r]));
  return out;
};

export async function runEvaluate(input: EvaluateInput, options: EvaluateOptions): Promise<EvaluateArtifacts> {
  const { run, schema, reporter } = options;
  const files = STAGE_FILES.evaluation;
  const finalDir = run.stage("evaluation");
  const scoring = options.scoring;
  const positive = schema.positiveIndex;
  const threshold = input.threshold ?? DEFAULT_THRESHOLD;
  const pTest = input.model.predictProba(input.test.x);
  const metrics = metricsOf(input.test.y, pTest, positive, threshold);
  const trainMetrics = metricsOf(input.train.y, input.model.predictProba(input.train.x), positive, threshold);
  const testScore = metrics[scoring];
  const trainScore = input.trainScore ?? trainMetrics[scoring];
  const probPositive = Float64Array.from(pTest, (p) => (positive === 1 ? p : 1 - p));
  const roc = rocCurve(input.test.y, probPositive, positive);
  const pr = prCurve(input.test.y, probPositive, positive);
  const testIsPositive = Uint8Array.from(input.test.y, (y) => (y === positive ? 1 : 0));
  const calibration = calibrationSummary(testIsPositive, probPositive);
  const reference = buildReference({ schema, train: { values: input.train.x.values, rows: input.train.x.rows, stride: input.train.x.cols }, testIsPositive, testProbability: probPositive, threshold });

  let current: CurrentModelSummary | undefined;
  let currentMetrics: ClassificationMetrics | undefined;
  let newCompared: ClassificationMetrics | undefined;
  let comparedOn: ComparedOn | undefined;
  let currentNote: string | undefined;
  const modelDir = options.modelDir;
  try {
    const loaded = await loadModelFile(modelDir, { schema });
    const batch = input.testFrame ? loaded.predictFrame(input.testFrame) : loaded.predictMatrix(input.test.x);
    const p1 = Float64Array.from(batch.probability, (p) => (positive === 1 ? p : 1 - p));
    // The rows neither model was trained on: a model scored on its own training rows looks better
    // than it is (the UCI data repeats rows), so comparing on all test rows would favour the
    // model whose training split overlaps the new test split.
    const features = schema.featureNames.length;
    const raw = input.testFrame ? { values: input.testFrame.values, stride: input.testFrame.columns.length } : { values: input.test.x.values, stride: input.test.x.cols };
    const seenCurrent = trainingSetLookup(loaded.trainingSet, features);
    const seenNew = trainingSetLookup(input.trainingSet, features);
    const rows: number[] = [];
    let byCurrent = 0, byNew = 0;
    for (let r = 0; r < input.test.y.length; r++) {
      const a = seenCurrent?.(raw.values, r * raw.stride) ?? false;
      const b = seenNew?.(raw.values, r * raw.stride) ?? false;
      if (a) byCurrent++;
      if (b) byNew++;
      if (!a && !b) rows.push(r);
    }
    const of = input.test.y.length;
    const reason = seenCurrent
      ? `the current model (v${loaded.version}) was trained on ${byCurrent} of the ${of} test rows${seenNew ? ` and the new one on ${byNew}` : ""}; both are compared on the ${rows.length} test rows neither was trained on, each at its own threshold`
      : `the current model (v${loaded.version}) records no training set (pushed before netsec recorded one): compared on ${rows.length === of ? "all" : "the"} ${rows.length} test rows${seenNew ? " the new model was not trained on" : ""}, some of which it may have been trained on`;
    comparedOn = { rows: rows.length, of, seenByCurrent: seenCurrent ? byCurrent : null, seenByNew: seenNew ? byNew : null, reason };
    const y = pick(input.test.y, rows);
    currentMetrics = metricsOf(y, pick(p1, rows), positive, loaded.threshold);
    newCompared = metricsOf(y, pick(pTest, rows), positive, threshold);
    current = { version: loaded.version, sha256: loaded.sha256, family: loaded.family, threshold: loaded.threshold, metrics: scalarMetrics(currentMetrics) };
  } catch (error) {
    if (!isNetsecError(error, "FILE_NOT_FOUND")) {
      currentNote = `the current model in ${modelDir} could not be used for comparison: ${(error as Error).message}`;
      reporter?.warn(currentNote);
    }
  }
  const enough = comparedOn !== undefined && comparedOn.rows >= MIN_COMPARE_ROWS && !Number.isNaN(currentMetrics![scoring]) && !Number.isNaN(newCompared![scoring]);
  const decisionInput: DecisionInput = {
    scoring,
    testScore,
    trainScore,
    currentScore: currentMetrics?.[scoring],
    newCompareScore: newCompared?.[scoring],
    comparedOn: comparedOn ? { rows: comparedOn.rows, enough, minimum: MIN_COMPARE_ROWS } : undefined,
    gates: options.gates,
  };
  const decision = decidePush(decisionInput);
  const explained = explanationSummary(input.model, input.test.x, positive, schema.labelOf(schema.target.positive), schema.featureNames, options.seed);
  const importances = input.model.featureImportances ? Array.from(input.model.featureImportances()) : undefined;

  return writeStage(finalDir, async (dir) => {
    const scalars = scalarMetrics(metrics);
    await platform.writeFile(`${dir}/${files.metrics}`, JSON.stringify({
      scoring,
      family: input.model.family,
      params: input.model.params,
      threshold,
      test: { ...scalars, support: metrics.support, confusion: metrics.confusion, warnings: metrics.warnings },
      train: { ...scalarMetrics(trainMetrics), support: trainMetrics.support, confusion: trainMetrics.confusion, warnings: trainMetrics.warnings },
      featureImportances: importances ?? null,
      features: schema.featureNames,
      calibration,
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
      new: { score: testScore, trainScore, threshold, metrics: scalars, comparedScore: newCompared?.[scoring] ?? null, comparedMetrics: newCompared ? scalarMetrics(newCompared) : null },
      current: current ? { ...current, score: currentMetrics![scoring] } : null,
      comparedOn: comparedOn ?? null,
      currentNote: currentNote ?? null,
      ...decision,
      decisionInput,
    }, null, 2) + "\n");
    await writeNpy(`${dir}/${files.probability}`, probPositive.length, 1, (from, to, out) => out.set(probPositive.subarray(from, to)));
    if (explained) await platform.writeFile(`${dir}/${files.explanations}`, JSON.stringify(explained) + "\n");
    await platform.writeFile(`${dir}/${files.reference}`, JSON.stringify(reference) + "\n");
    reporter?.info(`evaluate: test ${scoring} ${testScore.toFixed(4)} at threshold ${threshold.toFixed(4)}${current ? ` (on the ${comparedOn!.rows} rows neither model was trained on: new ${newCompared![scoring].toFixed(4)}, current v${current.version} ${currentMetrics![scoring].toFixed(4)})` : ""}; ${decision.push ? "push" : "no push"}: ${decision.reasons.join("; ")}`);
    return {
      dir: finalDir,
      metricsFile: `${finalDir}/${files.metrics}`,
      confusionFile: `${finalDir}/${files.confusion}`,
      comparisonFile: `${finalDir}/${files.comparison}`,
      explanationsFile: explained ? `${finalDir}/${files.explanations}` : undefined,
      metrics,
      scalars,
      testScore,
      trainScore,
      current,
      currentConfusion: currentMetrics?.confusion,
      comparedOn,
      currentNote,
      threshold,
      decision,
      decisionInput,
      trainMetrics,
      curves: { roc, pr },
      probability: probPositive,
      explanations: explained,
      importances,
      calibration,
      reference,
    };
  });
}
