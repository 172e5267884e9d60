/**
 * Frame scoring for `netsec predict` with the tree walks on worker threads: this thread imputes /
 * transforms a chunk (the model file's own preprocessor) and hands the matrix to the parallel
 * scorer, so it can parse the next chunk meanwhile. Answers are exactly `LoadedModel.predictFrame`'s
 * (same preprocessor, same model JSON, same mapping to target values and positive-class
 * probability). Without workers it is `predictFrame` itself (with its row cache).
 */
import type { Frame } from "../../data/frame.ts";
import type { LoadedModel, PredictionBatch } from "../model-file.ts";
import { createParallelScorer, type ParallelScorerOptions } from "./parallel-scorer.ts";
import { restorePreprocessor } from "../preprocessor.ts";

export interface BatchPredictor {
  /** Workers scoring (0: this thread). */
  readonly workers: number;
  predictFrame(frame: Frame): Promise<PredictionBatch>;
  close(): void;
}

export function createBatchPredictor(model: LoadedModel, options: ParallelScorerOptions = {}): BatchPredictor {
  const scorer = createParallelScorer(model.file.model, options);
  if (scorer.workers === 0) {
    scorer.close();
    return { workers: 0, predictFrame: (frame) => Promise.resolve().then(() => model.predictFrame(frame)), close: () => {} };
  }
  const preprocessor = restorePreprocessor(model.file.preprocessor, model.schemaHash);
  const [v0, v1] = model.target.values;
  const positiveIsOne = model.target.values.indexOf(model.target.positive) === 1;
  return {
    workers: scorer.workers,
    async predictFrame(frame) {
      const p1 = await scorer.predictProba(preprocessor.transformFrame(frame).x);
      const prediction = new Int8Array(p1.length);
      const probability = new Float64Array(p1.length);
      for (let i = 0; i < p1.length; i++) {
        prediction[i] = p1[i] > 0.5 ? v1 : v0;
        probability[i] = positiveIsOne ? p1[i] : 1 - p1[i];
      }
      return { prediction, probability };
    },
    close: () => scorer.close(),
  };
}
