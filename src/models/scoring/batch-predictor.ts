/**
 * Frame scoring for `netsec predict` with the tree walks on worker threads: this thread imputes /
 * transforms a chunk (the model file's own preprocessor) and hands the matrix to the parallel
 * scorer, so it can parse the next chunk meanwhile. Answers are exactly `LoadedModel.predictFrame`'s
 * (same preprocessor, same model JSON, same mapping to target values and positive-class
 * probability). Without workers it is `predictFrame` itself (with its row cache).
 */
import type { Frame } from "../../data/frame.ts";
import { decide, type LoadedModel, type PredictionBatch } from "../model-file.ts";
import { createParallelScorer, type ParallelScorerOptions } from "./parallel-scorer.ts";
import { restorePreprocessor } from "../preprocessor.ts";

export interface BatchPredictor {
  /** Workers scoring (0: this thread). */
  readonly workers: number;
  predictFrame(frame: Frame): Promise<PredictionBatch>;
  close(): void;
}

/** `threshold`: the decision threshold on P(positive class) (default: the model's own). */
export function createBatchPredictor(model: LoadedModel, options: ParallelScorerOptions & { threshold?: number } = {}): BatchPredictor {
  const threshold = options.threshold ?? model.threshold;
  const scorer = createParallelScorer(model.file.model, options);
  if (scorer.workers === 0) {
    scorer.close();
    return { workers: 0, predictFrame: (frame) => Promise.resolve().then(() => model.predictFrame(frame, { threshold })), close: () => {} };
  }
  const preprocessor = restorePreprocessor(model.file.preprocessor, model.schemaHash);
  const positiveIsOne = model.target.values.indexOf(model.target.positive) === 1;
  return {
    workers: scorer.workers,
    async predictFrame(frame) {
      const p1 = await scorer.predictProba(preprocessor.transformFrame(frame).x);
      const probability = new Float64Array(p1.length);
      for (let i = 0; i < p1.length; i++) probability[i] = positiveIsOne ? p1[i] : 1 - p1[i];
      return { prediction: decide(probability, model.target, threshold), probability };
    },
    close: () => scorer.close(),
  };
}
