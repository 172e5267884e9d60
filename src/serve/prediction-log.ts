/**
 * The prediction log: scored rows (all, or a sampled share) with request id, row number, model
 * version, features and probability, written to a sink (a MongoDB collection or a local JSONL
 * file: prediction-log-sinks.ts) off the request's critical path.
 *
 * `/predict` only copies the kept rows' numbers, feature values, probabilities and predictions into
 * typed arrays (`offer`, synchronous, no I/O, no per-row objects or text). Everything else happens
 * elsewhere: given a sink spec (the service's `--prediction-log`), in a worker
 * (prediction-log-worker.ts, on Deno and Node) that receives those arrays (transferred, not
 * copied), builds the documents or JSON lines and writes them; given a sink object (tests,
 * embedders), in this thread after the request has answered (prediction-log-writer.ts either way).
 *
 * The bound is kept here: rows handed over and not yet written count against `maxQueuedRows`; when
 * the sink is slow or gone, further rows are dropped and counted
 * (`netsec_prediction_log_dropped_total`): memory stays bounded and /predict never waits.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { Frame } from "../data/frame.ts";
import type { GroupedPrediction } from "../models/model-file.ts";
import { METRIC_PREFIX } from "./metrics.ts";
import { describePredictionLogSink } from "./prediction-log-sinks.ts";
import { PredictionLogWriter, type LoggedRequest, type WriterEvents } from "./prediction-log-writer.ts";
import { ThreadWriter } from "./prediction-log-thread.ts";
import type { FeedbackItem, FeedbackOutcome, LabelContract, PredictionLogSink } from "./prediction-log-types.ts";

export type { FeedbackItem, FeedbackMark, FeedbackOutcome, LabelContract, PredictionDocument, PredictionLogSink } from "./prediction-log-types.ts";

export interface PredictionLogOptions {
  /**
   * Where rows go: a sink spec (a mongodb:// URI or a JSONL path, as `--prediction-log` takes),
   * opened and written in the log's worker; or a sink object, written in this thread.
   */
  sink: string | PredictionLogSink;
  /** The data contract (a Schema): feature names, target values and labels. */
  schema: LabelContract;
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

/** What writes the rows: the writer itself (in this thread) or its worker. */
interface Backend {
  push(requests: LoggedRequest[]): void;
  drained(): Promise<void>;
  feedback(items: FeedbackItem[], at: string): Promise<FeedbackOutcome>;
  close(): Promise<void>;
}

export class PredictionLog {
  readonly description: string;
  /** Whether rows are written in the log's worker (a sink spec) or in this thread (a sink object). */
  readonly inWorker: boolean;
  readonly #options: PredictionLogOptions;
  readonly #backend: Backend;
  readonly #share: number;
  readonly #maxQueued: number;
  readonly #random: () => number;
  /** Requests offered since the last hand-over (sent together, after the current task). */
  #pending: LoggedRequest[] = [];
  #handOver: ReturnType<typeof setTimeout> | undefined;
  /** Rows offered and not yet written or dropped (pending + with the writer). */
  #queued = 0;
  #closed = false;
  /** Why the worker stopped, when it did: every later row is dropped. */
  #broken: string | undefined;
  #lastErrorLog = 0;
  readonly #dropped: Counter;
  readonly #written: Counter;
  readonly #failed: Counter;
  /** Totals also kept as plain numbers (tests, the bench and a service without metrics). */
  readonly totals = { offered: 0, written: 0, dropped: 0 };

  constructor(options: PredictionLogOptions) {
    this.#options = options;
    this.#share = options.share ?? 1;
    if (!(this.#share > 0 && this.#share <= 1)) throw new RangeError(`prediction log share must be in (0, 1], got ${this.#share}`);
    this.#maxQueued = options.maxQueuedRows ?? 50_000;
    this.#random = options.random ?? Math.random;
    const registers = options.registry ? [options.registry] : [];
    this.#dropped = new Counter({ name: `${METRIC_PREFIX}prediction_log_dropped_total`, help: "Scored rows the prediction log dropped (queue full, or the sink failed the write)", registers });
    this.#written = new Counter({ name: `${METRIC_PREFIX}prediction_log_written_total`, help: "Scored rows written to the prediction log's sink", registers });
    this.#failed = new Counter({ name: `${METRIC_PREFIX}prediction_log_write_failures_total`, help: "Writes the prediction log's sink refused or that failed", registers });
    const queued = () => this.#queued;
    new Gauge({ name: `${METRIC_PREFIX}prediction_log_queued_rows`, help: "Rows waiting to be written to the prediction log", registers, collect() { this.set(queued()); } });
    const batchRows = options.batchRows ?? 1000;
    const events: WriterEvents = { settled: (written, dropped, error) => this.#settled(written, dropped, error) };
    const { sink } = options;
    if (typeof sink === "string") {
      this.description = describePredictionLogSink(sink);
      this.inWorker = true;
      this.#backend = new ThreadWriter(sink, options.schema, batchRows, { ...events, broken: (error) => this.#brokenWorker(error) });
    } else {
      this.description = sink.description;
      this.inWorker = false;
      this.#backend = new PredictionLogWriter(sink, options.schema, batchRows, events);
    }
  }

  /** Rows waiting right now (never above `maxQueuedRows`). */
  get queuedRows(): number {
    return this.#queued;
  }

  /**
   * Log one request's scored rows: synchronous, no I/O. Keeps a sampled share, copies their values
   * into typed arrays and queues them; what does not fit in the queue is dropped and counted.
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
    const room = this.#broken === undefined ? Math.max(0, this.#maxQueued - this.#queued) : 0;
    const take = Math.min(count, room);
    if (take < count) this.#drop(count - take);
    if (take === 0) return;
    const width = features.columns.length;
    const rows = new Uint32Array(take);
    const values = new Float64Array(take * width);
    const probability = new Float64Array(take);
    const prediction = new Int8Array(take);
    for (let i = 0; i < take; i++) {
      const r = kept ? kept[i]! : i;
      rows[i] = r;
      const g = scores.group[r]!;
      probability[i] = scores.probability[g]!;
      prediction[i] = scores.prediction[g]!;
    }
    if (!kept && take === n) values.set(features.values.subarray(0, take * width));
    else for (let i = 0; i < take; i++) values.set(features.values.subarray(rows[i]! * width, (rows[i]! + 1) * width), i * width);
    this.#pending.push({ requestId, modelVersion, at: Date.now(), rows, values, probability, prediction });
    this.#queued += take;
    // One hand-over per turn of the event loop, after the request has answered.
    this.#handOver ??= setTimeout(() => this.#handOverNow(), 0);
  }

  /** Resolves once everything queued so far has been written (or dropped). */
  async flush(): Promise<void> {
    this.#handOverNow();
    await this.#backend.drained();
  }

  /** Flush, then close the sink; later offers are ignored. */
  async close(): Promise<void> {
    this.#handOverNow();
    this.#closed = true;
    await this.#backend.close();
  }

  feedback(items: FeedbackItem[], at = new Date().toISOString()): Promise<FeedbackOutcome> {
    return this.#backend.feedback(items, at);
  }

  #handOverNow(): void {
    if (this.#handOver !== undefined) clearTimeout(this.#handOver);
    this.#handOver = undefined;
    if (this.#pending.length === 0) return;
    const requests = this.#pending;
    this.#pending = [];
    if (this.#broken === undefined) this.#backend.push(requests);
  }

  #settled(written: number, dropped: number, error?: string): void {
    this.#queued -= written + dropped;
    if (written) {
      this.totals.written += written;
      this.#written.inc(written);
    }
    if (dropped) {
      this.#failed.inc();
      this.#drop(dropped);
    }
    if (error === undefined) return;
    const now = Date.now();
    if (now - this.#lastErrorLog > 10_000) {
      this.#lastErrorLog = now;
      this.#options.log?.(`prediction log: writing ${dropped} rows to ${this.description} failed (rows dropped; /predict is not affected): ${error}`);
    }
  }

  #brokenWorker(error: string): void {
    this.#broken = error;
    this.#options.log?.(`prediction log: ${error}; rows are dropped from now on (/predict is not affected)`);
    this.#pending = [];
    this.#drop(this.#queued);
    this.#queued = 0;
  }

  #drop(rows: number): void {
    this.totals.dropped += rows;
    this.#dropped.inc(rows);
  }
}
