/**
 * The prediction log's data: what a logged row and a feedback mark look like, what a sink does,
 * and the part of the data contract the writing side needs (a Schema is one).
 */

/** The features' names and the target's values and labels (what the log's lines carry). */
export interface LabelContract {
  readonly featureNames: readonly string[];
  readonly target: { readonly allowed: readonly number[]; readonly positive: number };
  labelOf(value: number): string;
}

/** One logged row, as stored (MongoDB document / JSONL line). */
export interface PredictionDocument {
  kind: "prediction";
  request_id: string;
  /** 1-based, as in the /predict response. */
  row: number;
  model_version: string;
  /** ISO time the request was scored. */
  at: string;
  /** Feature values by column name; null = missing. */
  features: Record<string, number | null>;
  /** P(positive class). */
  probability: number;
  /** Predicted target value (e.g. -1 / 1) and its label. */
  prediction: number;
  label: string;
  /** Set by POST /feedback. */
  feedback?: FeedbackMark;
}

/** What an analyst said about a prediction. */
export interface FeedbackMark {
  /** The true target value. */
  label: number;
  label_name: string;
  /** Whether the prediction was right. */
  correct: boolean;
  at: string;
}

/** One POST /feedback item: the true label, or whether the prediction was right. */
export interface FeedbackItem {
  request_id: string;
  row: number;
  label?: number;
  correct?: boolean;
}

export interface FeedbackOutcome {
  /** Items whose prediction was found and marked (or, in a JSONL log, recorded). */
  marked: number;
  /** Items with no logged prediction (unknown request id or row, or a row not sampled). */
  unknown: FeedbackItem[];
}

export interface PredictionLogSink {
  /** What it writes to, safe to print (no credentials). */
  readonly description: string;
  write(documents: PredictionDocument[]): Promise<void>;
  /** A text sink's fast path: the same documents as JSON lines (built without objects). */
  writeLines?(text: string, rows: number): Promise<void>;
  /** Put the feedback next to the logged rows. */
  feedback(items: FeedbackItem[], contract: LabelContract, at: string): Promise<FeedbackOutcome>;
  close(): Promise<void>;
}
