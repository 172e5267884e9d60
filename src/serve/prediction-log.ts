/**
 * The prediction log: scored rows (all, or a sampled share) with request id, row number, model
 * version, features and probability, written to a sink (a MongoDB collection or a local JSONL
 * file: prediction-log-sinks.ts) off the request's critical path.
 *
 * `/predict` only copies the kept rows' values into a bounded queue (`offer`, synchronous, no I/O);
 * one writer drains it in batches, one write at a time. When the sink is slow or gone the queue
 * fills up to `maxQueuedRows` and further rows are dropped and counted
 * (`netsec_prediction_log_dropped_total`): memory stays bounded and /predict never waits.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { Schema } from "../schema.ts";
import type { Frame } from "../data/frame.ts";
import type { GroupedPrediction } from "../models/model-file.ts";
import { METRIC_PREFIX } from "./metrics.ts";

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
  feedback(items: FeedbackItem[], schema: Schema, at: string): Promise<FeedbackOutcome>;
  close(): Promise<void>;
}

export interface PredictionLogOptions {
  sink: PredictionLogSink;
  schema: Schema;
  /** Share of scored rows logged, in (0, 1] (default 1: all). */
  share?: number;
  /** Rows waiting at most (default 50 000); beyond, rows are dropped and counted. */
  maxQueuedRows?: number;
  /** Rows per write (default 1000). */
  batchRows?: number;
  /** Where its counters go (the service's /metrics registry). */
  registry?: Registry;
  log?: (message: string) => void;
  /** Random numbers for sampling (tests pass a seeded one); default Math.random. */
  random?: () => number;
}

/** "-128" … "127": feature values as JSON text without a number-to-string conversion. */
const SMALL_INTEGERS = Array.from({ length: 256 }, (_, i) => String(i - 128));

interface QueuedRequest {
  requestId: string;
  modelVersion: string;
  at: string;
  /** Kept rows' 0-based numbers and their feature values (row-major copy). */
  rows: Uint32Array;
  values: Float64Array;
  probability: Float64Array;
  prediction: Int8Array;
  /** Rows of this request already taken by the writer. */
  taken: number;
}

export class PredictionLog {
  readonly #options: PredictionLogOptions;
  readonly #queue: QueuedRequest[] = [];
  readonly #share: number;
  readonly #maxQueued: number;
  readonly #batchRows: number;
  readonly #random: () => number;
  readonly #columns: readonly string[];
  #queued = 0;
  #writing: Promise<void> | undefined;
  #closed = false;
  /** Closing: a failed write drops what is still queued instead of trying each batch in turn. */
  #closing = false;
  #lastErrorLog = 0;
  readonly #dropped: Counter;
  readonly #written: Counter;
  readonly #failed: Counter;
  readonly #queueGauge: Gauge;
  /** Totals also kept as plain numbers (tests, the bench and a service without metrics). */
  readonly totals = { offered: 0, written: 0, dropped: 0 };

  constructor(options: PredictionLogOptions) {
    this.#options = options;
    this.#share = options.share ?? 1;
    if (!(this.#share > 0 && this.#share <= 1)) throw new RangeError(`prediction log share must be in (0, 1], got ${this.#share}`);
    this.#maxQueued = options.maxQueuedRows ?? 50_000;
    this.#batchRows = options.batchRows ?? 1000;
    this.#random = options.random ?? Math.random;
    this.#columns = options.schema.featureNames;
    const registers = options.registry ? [options.registry] : [];
    this.#dropped = new Counter({ name: `${METRIC_PREFIX}prediction_log_dropped_total`, help: "Scored rows the prediction log dropped (queue full, or the sink failed the write)", registers });
    this.#written = new Counter({ name: `${METRIC_PREFIX}prediction_log_written_total`, help: "Scored rows written to the prediction log's sink", registers });
    this.#failed = new Counter({ name: `${METRIC_PREFIX}prediction_log_write_failures_total`, help: "Writes the prediction log's sink refused or that failed", registers });
    const queued = () => this.#queued;
    this.#queueGauge = new Gauge({ name: `${METRIC_PREFIX}prediction_log_queued_rows`, help: "Rows waiting to be written to the prediction log", registers, collect() { this.set(queued()); } });
  }

  get description(): string {
    return this.#options.sink.description;
  }

  /** Rows waiting right now (never above `maxQueuedRows`). */
  get queuedRows(): number {
    return this.#queued;
  }

  /**
   * Log one request's scored rows: synchronous, no I/O. Keeps a sampled share, copies their values
   * and queues them; what does not fit in the queue is dropped and counted.
   */
  offer(requestId: string, modelVersion: string, features: Frame, scores: GroupedPrediction): void {
    if (this.#closed) return;
    const n = features.rows;
    this.totals.offered += n;
    let kept: number[] | undefined;
    if (this.#share < 1) {
      kept = [];
      for (let r = 0; r < n; r++) if (this.#random() < this.#share) kept.push(r);
    }
    const count = kept ? kept.length : n;
    const room = Math.max(0, this.#maxQueued - this.#queued);
    const take = Math.min(count, room);
    if (take < count) this.#drop(count - take);
    if (take === 0) return;
    const width = features.columns.length;
    const rows = new Uint32Array(take);
    const values = new Float64Array(take * width);
    const probability = new Float64Array(take);
    const prediction = new Int8Array(take);
    for (let i = 0; i < take; i++) {
      const r = kept ? kept[i] : i;
      rows[i] = r;
      const g = scores.group[r];
      probability[i] = scores.probability[g];
      prediction[i] = scores.prediction[g];
    }
    if (!kept && take === n) values.set(features.values.subarray(0, take * width));
    else for (let i = 0; i < take; i++) values.set(features.values.subarray(rows[i] * width, (rows[i] + 1) * width), i * width);
    this.#queue.push({ requestId, modelVersion, at: new Date().toISOString(), rows, values, probability, prediction, taken: 0 });
    this.#queued += take;
    this.#kick();
  }

  /** Resolves once everything queued so far has been written (or dropped). */
  async flush(): Promise<void> {
    while (this.#writing || this.#queued > 0) {
      this.#kick();
      await this.#writing;
    }
  }

  /** Flush, then close the sink; later offers are ignored. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.flush();
    this.#closed = true;
    await this.#options.sink.close();
  }

  feedback(items: FeedbackItem[], at = new Date().toISOString()): Promise<FeedbackOutcome> {
    return this.#options.sink.feedback(items, this.#options.schema, at);
  }

  #drop(rows: number): void {
    this.totals.dropped += rows;
    this.#dropped.inc(rows);
  }

  #kick(): void {
    if (this.#writing || this.#queued === 0) return;
    this.#writing = this.#drain().finally(() => {
      this.#writing = undefined;
      if (this.#queued > 0 && !this.#closed) this.#kick();
    });
  }

  /** Write batches until the queue is empty; one write at a time. */
  async #drain(): Promise<void> {
    // Let the request that queued rows answer first.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const { sink } = this.#options;
    while (this.#queued > 0) {
      const lines = sink.writeLines ? this.#takeLines() : undefined;
      const batch = lines ? undefined : this.#takeBatch();
      const rows = lines ? lines.rows : batch!.length;
      try {
        if (lines) await sink.writeLines!(lines.text, lines.rows);
        else await sink.write(batch!);
        this.totals.written += rows;
        this.#written.inc(rows);
      } catch (error) {
        this.#failed.inc();
        this.#drop(rows);
        if (this.#closing) this.#drop(this.#takeAll());
        const now = Date.now();
        if (now - this.#lastErrorLog > 10_000) {
          this.#lastErrorLog = now;
          this.#options.log?.(`prediction log: writing ${rows} rows to ${this.description} failed (rows dropped; /predict is not affected): ${(error as Error)?.message ?? String(error)}`);
        }
      }
    }
  }

  /** Empty the queue; the number of rows it held. */
  #takeAll(): number {
    const rows = this.#queued;
    this.#queue.length = 0;
    this.#queued = 0;
    return rows;
  }

  /** `"name":` of every feature, JSON-escaped once. */
  #keys: string[] | undefined;

  /** The next batch as JSON lines, the same text JSON.stringify gives each document. */
  #takeLines(): { text: string; rows: number } {
    const { schema } = this.#options;
    const width = this.#columns.length;
    this.#keys ??= this.#columns.map((name) => `${JSON.stringify(name)}:`);
    const keys = this.#keys;
    const parts: string[] = [];
    const cells = new Array<string>(width);
    let rows = 0;
    while (rows < this.#batchRows && this.#queue.length) {
      const q = this.#queue[0];
      const head = `{"kind":"prediction","request_id":${JSON.stringify(q.requestId)},"row":`;
      const middle = `,"model_version":${JSON.stringify(q.modelVersion)},"at":${JSON.stringify(q.at)},"features":{`;
      while (q.taken < q.rows.length && rows < this.#batchRows) {
        const i = q.taken++;
        // Cells joined once (concatenating 60 pieces per row was ~8x slower); small integers
        // (the contract's -1/0/1) from a table instead of a double-to-string conversion.
        for (let c = 0; c < width; c++) {
          const v = q.values[i * width + c];
          cells[c] = keys[c] + ((v | 0) === v && v >= -128 && v < 128 ? SMALL_INTEGERS[v + 128] : Number.isNaN(v) ? "null" : String(v));
        }
        const features = cells.join(",");
        const prediction = q.prediction[i];
        parts.push(`${head}${q.rows[i] + 1}${middle}${features}},"probability":${q.probability[i]},"prediction":${prediction},"label":${JSON.stringify(schema.labelOf(prediction))}}\n`);
        rows += 1;
      }
      if (q.taken === q.rows.length) this.#queue.shift();
    }
    this.#queued -= rows;
    return { text: parts.join(""), rows };
  }

  #takeBatch(): PredictionDocument[] {
    const { schema } = this.#options;
    const width = this.#columns.length;
    const out: PredictionDocument[] = [];
    while (out.length < this.#batchRows && this.#queue.length) {
      const q = this.#queue[0];
      while (q.taken < q.rows.length && out.length < this.#batchRows) {
        const i = q.taken++;
        const features: Record<string, number | null> = {};
        for (let c = 0; c < width; c++) {
          const v = q.values[i * width + c];
          features[this.#columns[c]] = Number.isNaN(v) ? null : v;
        }
        out.push({ kind: "prediction", request_id: q.requestId, row: q.rows[i] + 1, model_version: q.modelVersion, at: q.at, features, probability: q.probability[i], prediction: q.prediction[i], label: schema.labelOf(q.prediction[i]) });
      }
      if (q.taken === q.rows.length) this.#queue.shift();
    }
    this.#queued -= out.length;
    return out;
  }
}
