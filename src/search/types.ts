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

/** How rows are dealt to folds: groups of identical feature vectors kept together, or row by row (the seed's leaky protocol). */
export type CvProtocol = "grouped" | "leaky";

/** One grid point's cross-validation under one protocol. */
export interface ProtocolScore {
  protocol: CvProtocol;
  foldScores: number[];
  meanScore: number;
  stdScore: number;
}

export interface SearchOptions {
  seed: number;
  folds: number;
  /**
   * Group id of every training row (identical feature vectors share one, e.g. `matrixGroups`).
   * Needed for the grouped protocol and for comparing protocols.
   */
  groups?: Int32Array;
  /** Fold protocol of the search (default "grouped" when `groups` is given, else "leaky"). */
  protocol?: CvProtocol;
  /** Also cross-validate the winner under the other protocol (one extra CV), to show the difference. */
  compareProtocols?: boolean;
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
  /** Called as each fold task finishes: tasks done, tasks in all, the family just scored. */
  onProgress?: (done: number, total: number, label: string) => void;
}

export interface SearchResult {
  /** All grid points, best first (ties: grid order). */
  leaderboard: CandidateResult[];
  best: CandidateResult;
  /** The winner refitted on the whole training set. */
  model: Classifier;
  /** The fold protocol the search ranked by. */
  protocol: CvProtocol;
  /** The winner under the search's protocol and (with compareProtocols) under the other one. */
  protocols: Partial<Record<CvProtocol, ProtocolScore>>;
  /** The winner's out-of-fold P(class 1) for every training row (search protocol): where the decision threshold is chosen. */
  oof: Float64Array;
  /** Seconds spent fitting the winner on the whole training set. */
  refitSeconds: number;
  /** Wall-clock seconds of the whole search. */
  seconds: number;
}
