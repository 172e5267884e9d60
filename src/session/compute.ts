/**
 * Running one stage for the session: the same stage functions with the same options
 * (src/plan.ts) as `netsec train`. The search is remembered by its own key, so a new threshold rule
 * re-decides on the winner's out-of-fold predictions instead of searching again; it shows live
 * progress in the cell.
 */
import { NetsecError } from "../errors.ts";
import type { RunFolder, StageName } from "../artifacts.ts";
import type { Reporter } from "../reporter.ts";
import type { Schema } from "../schema.ts";
import type { PipelineHooks, PipelineStages } from "../pipeline.ts";
import type { StageKeys, StagePlan } from "../plan.ts";
import type { SearchResult } from "../search/types.ts";
import { runIngest, type IngestSource } from "../stages/ingest.ts";
import { runValidate } from "../stages/validate.ts";
import { runTransform } from "../stages/transform.ts";
import { runTrain, searchModels } from "../stages/train.ts";
import { runEvaluate } from "../stages/evaluate.ts";
import { evaluateInputOf, readTrainingSet } from "../stages/model-inputs.ts";
import { searchProgress } from "./progress.ts";

export interface ComputeContext {
  schema: Schema;
  reporter: Reporter;
  plan: StagePlan;
  keys: StageKeys;
  upstream: Partial<{ [S in StageName]: PipelineStages[S] }>;
  source: () => Promise<IngestSource>;
  /** Searches done in this session, by search key. */
  searches: Map<string, SearchResult>;
}

export async function computeStage<S extends StageName>(stage: S, run: RunFolder, hooks: PipelineHooks, ctx: ComputeContext): Promise<PipelineStages[S]> {
  const { schema, reporter, plan, upstream } = ctx;
  const context = { run, schema, reporter };
  switch (stage) {
    case "ingestion":
      return await runIngest(await ctx.source(), { ...context, ...plan.ingestion }) as PipelineStages[S];
    case "validation": {
      const ingestion = upstream.ingestion!;
      return await runValidate({ train: ingestion.train, test: ingestion.test }, { ...context, ...plan.validation }) as PipelineStages[S];
    }
    case "transformation": {
      const validation = upstream.validation!;
      return await runTransform({ train: validation.validTrain, test: validation.validTest, trainRows: validation.contract.train.valid, testRows: validation.contract.test.valid }, { ...context, ...plan.transformation }) as PipelineStages[S];
    }
    case "trainer": {
      const transformation = upstream.transformation!;
      let search = ctx.searches.get(ctx.keys.search);
      if (!search) {
        const progress = searchProgress(reporter);
        try {
          search = await searchModels(transformation.train, schema.positiveIndex, plan.trainer, { reporter: progress.reporter, onCandidate: hooks.onCandidate, onProgress: progress.update });
        } finally {
          await progress.done();
        }
        ctx.searches.set(ctx.keys.search, search);
      }
      return await runTrain({ train: transformation.train, trainArray: transformation.trainArray, search }, { ...context, ...plan.trainer }) as PipelineStages[S];
    }
    case "evaluation": {
      const { trainer, transformation, validation } = upstream;
      const trainingSet = await readTrainingSet(validation!.validTrain, schema);
      return await runEvaluate(await evaluateInputOf(trainer!, transformation!, validation!.validTest, trainingSet), { ...context, ...plan.evaluation }) as PipelineStages[S];
    }
  }
  throw new NetsecError("USAGE", `unknown stage ${stage}`);
}
