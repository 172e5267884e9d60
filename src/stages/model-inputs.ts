/**
 * What one stage hands the next on the model side, in one place (the pipeline and the notebooks
 * use these, so a model pushed from a notebook is the same file `netsec train` pushes): the
 * training rows' feature vectors (model.json `trainingSet`), evaluate's input from the trainer,
 * push's input from the trainer and the evaluation (threshold and its rule for manifest.json).
 */
import type { Schema } from "../schema.ts";
import { CsvFile, readCsv } from "../data/csv.ts";
import { TrainingSetBuilder, type TrainingSetJson } from "../models/training-set.ts";
import type { TrainArtifacts } from "./train.ts";
import type { TransformArtifacts } from "./transform.ts";
import type { EvaluateArtifacts, EvaluateInput } from "./evaluate.ts";
import type { PushInput } from "./push.ts";

/**
 * The raw feature vectors of a validated train file (features first, then the target), read chunk
 * by chunk: the file is never held whole (at 800k rows a Float64 frame of it was 198 MB).
 */
export async function readTrainingSet(validTrain: string, schema: Schema): Promise<TrainingSetJson> {
  const file = await CsvFile.open(validTrain);
  const builder = new TrainingSetBuilder(schema.featureNames.length);
  for await (const chunk of file.chunks({ reuseBuffer: true })) builder.add(chunk.values, chunk.rows, file.columns.length);
  return builder.result();
}

/** Evaluate's input: the winner, the transformed splits, the validated test rows, the threshold and the training set. */
export async function evaluateInputOf(trainer: TrainArtifacts, transformation: TransformArtifacts, validTest: string, trainingSet: TrainingSetJson): Promise<EvaluateInput> {
  return {
    model: trainer.model,
    train: transformation.train,
    test: transformation.test,
    // the pushed model reads the validated test rows with its own preprocessor
    testFrame: (await readCsv(validTest)).frame,
    trainScore: trainer.trainScore,
    threshold: trainer.threshold.threshold,
    trainingSet,
  };
}

/** Push's input: the model file's parts, the threshold record for manifest.json and the decision. */
export function pushInputOf(trainer: TrainArtifacts, transformation: TransformArtifacts, evaluation: EvaluateArtifacts, trainingSet: TrainingSetJson): PushInput {
  const t = trainer.threshold;
  const folds = trainer.search.best.foldScores.length;
  return {
    model: trainer.model,
    preprocessor: transformation.preprocessor,
    metrics: evaluation.scalars,
    cv: { meanScore: trainer.search.best.meanScore, stdScore: trainer.search.best.stdScore, folds, protocol: trainer.search.protocol },
    dataFingerprint: trainer.dataFingerprint,
    trainingSet,
    threshold: {
      value: t.threshold,
      record: { rule: t.rule, on: `out-of-fold predictions of the training split (${trainer.search.protocol} ${folds}-fold CV)`, met: t.met, precision: t.precision, recall: t.recall, f1: t.f1 },
    },
    decision: evaluation.decision,
    reference: evaluation.reference,
  };
}
