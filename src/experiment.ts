/**
 * Experiment files (`experiments/*.yaml`): how a run splits, validates, imputes and searches.
 * Parsed with zod; unknown keys are refused so a typo never silently falls back to a default.
 */
import { z } from "zod";
import { parse as parseYaml } from "yaml";
import { platform } from "./runtime/index.ts";
import { NetsecError } from "./errors.ts";

const paramValue = z.union([z.number(), z.string(), z.boolean(), z.null()]);

const candidate = z.object({
  /** Model family, as registered in src/models/registry.ts. */
  family: z.string().min(1),
  /** Parameter name → values to try; the grid is their cartesian product. */
  grid: z.record(z.string(), z.array(paramValue).min(1)).default({}),
  /** Why this candidate is here (shown in the leaderboard and docs). */
  note: z.string().optional(),
}).strict();

export const experimentSchema = z.object({
  name: z.string().min(1),
  description: z.string().default(""),
  seed: z.number().int().default(42),
  split: z.object({
    test_ratio: z.number().gt(0).lt(1).default(0.2),
    /**
     * Keep identical feature vectors on one side of the train/test split and of every CV fold
     * (default). false reproduces the seed's leaky protocol (rows split one by one).
     */
    group_duplicates: z.boolean().default(true),
  }).strict().default({ test_ratio: 0.2, group_duplicates: true }),
  validation: z.object({
    /** Largest share of rows that may break the contract before the stage fails (0.01 = 1%). */
    max_invalid_share: z.number().min(0).max(1).default(0.01),
    /** A column drifts when the test's p-value is below this. */
    drift_p_value: z.number().gt(0).lt(1).default(0.05),
    /** Fail the run when any column drifts (default: report only). */
    fail_on_drift: z.boolean().default(false),
    /**
     * Rows with the same features but different labels: keep them (and report them), drop them all,
     * or relabel each group to its majority label (groups without a majority are dropped).
     */
    conflicts: z.enum(["keep", "drop", "majority"]).default("keep"),
  }).strict().default({ max_invalid_share: 0.01, drift_p_value: 0.05, fail_on_drift: false, conflicts: "keep" }),
  transform: z.object({
    knn_neighbors: z.number().int().min(1).default(3),
  }).strict().default({ knn_neighbors: 3 }),
  search: z.object({
    folds: z.number().int().min(2).default(3),
    /** Metric the search ranks by and the push decision compares. */
    scoring: z.enum(["f1", "f1_macro", "accuracy", "roc_auc", "pr_auc", "precision", "recall"]).default("f1"),
    /** Worker threads for the search: "auto" = one per core (default), 0 = none (this thread), n = n. */
    workers: z.union([z.literal("auto"), z.number().int().min(0)]).default("auto"),
    candidates: z.array(candidate).min(1),
  }).strict(),
  /**
   * The decision threshold on P(phishing), chosen on the winner's out-of-fold predictions of the
   * training split: best_f1 (default), {recall: r}, {precision: p}, costs
   * {false_negative: a, false_positive: b}, or a fixed number.
   */
  threshold: z.union([
    z.literal("best_f1"),
    z.number().gt(0).lte(1),
    z.object({ recall: z.number().gt(0).lte(1) }).strict(),
    z.object({ precision: z.number().gt(0).lte(1) }).strict(),
    z.object({ false_negative: z.number().gt(0), false_positive: z.number().gt(0) }).strict(),
  ]).default("best_f1"),
  /** Defaults re-derived on grouped splits: experiments/default.yaml says how. */
  gates: z.object({
    /** The winner's test score must reach this. */
    min_score: z.number().min(0).max(1).default(0.9),
    /** Largest allowed train − test score gap (over-fitting guard). */
    max_overfit: z.number().min(0).max(1).default(0.08),
  }).strict().default({ min_score: 0.9, max_overfit: 0.08 }),
}).strict();

export type Experiment = z.infer<typeof experimentSchema>;
export type Candidate = z.infer<typeof candidate>;
export type ParamValue = z.infer<typeof paramValue>;

export function parseExperiment(text: string, source = "experiment.yaml"): Experiment {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new NetsecError("EXPERIMENT_INVALID", `${source}: not valid YAML: ${(error as Error).message}`, { cause: error, location: { file: source } });
  }
  const parsed = experimentSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.join(".") || "(top level)"}: ${issue.message}`);
    throw new NetsecError("EXPERIMENT_INVALID", `${source} is not a valid experiment:\n  ${problems.join("\n  ")}`, { location: { file: source } });
  }
  return parsed.data;
}

export const DEFAULT_EXPERIMENT = "experiments/default.yaml";

export async function loadExperiment(path = `${platform.projectRoot()}/${DEFAULT_EXPERIMENT}`): Promise<Experiment> {
  const info = await platform.stat(path);
  if (!info?.isFile) throw new NetsecError("FILE_NOT_FOUND", `experiment file not found: ${path}`, { location: { file: path } });
  return parseExperiment(await platform.readTextFile(path), path);
}
