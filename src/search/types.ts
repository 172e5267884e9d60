/**
 * Types of the model search. `onCandidate` is how callers (tracking: one MLflow child run per
 * candidate) observe each grid point as soon as its cross-validation is done.
 */
import type { Classifier, Params } from "../models/classifier.ts";
import type { Experiment } from "../experiment.ts";
import type { Reporter } from "../reporter.ts";

export type Scoring = Experiment["search"]["scoring"];

/** One grid point after cross-validation. */
export interface CandidateResult {
  /** Position in the expanded grid (stable: the leaderboard's tie-breaker). */
  index: number;
  family: string;
  params: Params;
  /** Score of each fold, in fold order. */
  foldScores: number[];
  meanScore: number;
  /** Population standard deviation of the fold scores (as scikit-learn's std_test_score). */
  stdScore: number;
  /** Sum of the fit times over the folds, in seconds. */
  fitSeconds: number;
  scoring: Scoring;
  note?: string;
}

export interface SearchOptions {
  seed: number;
  folds: number;
  scoring: Scoring;
  /**
   * Worker threads: "auto" = one per core (default), 0 = none (this thread), n = n; ignored where
   * the runtime has no workers (Node: in-process). The same meaning as `netsec predict --workers`.
   */
  workers?: number | "auto";
  candidates: Experiment["search"]["candidates"];
  reporter?: Reporter;
  /** Called once per grid point, in grid order, as soon as its folds are scored. */
  onCandidate?: (result: CandidateResult) => void | Promise<void>;
}

export interface SearchResult {
  /** All grid points, best first (ties: grid order). */
  leaderboard: CandidateResult[];
  best: CandidateResult;
  /** The winner refitted on the whole training set. */
  model: Classifier;
  /** Seconds spent fitting the winner on the whole training set. */
  refitSeconds: number;
  /** Wall-clock seconds of the whole search. */
  seconds: number;
}
