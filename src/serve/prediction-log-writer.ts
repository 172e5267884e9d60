/**
 * The prediction log's writing side: takes the compact rows `/predict` queued (typed arrays + ids),
 * turns them into documents or JSON lines in batches and hands them to the sink, one write at a
 * time. It runs in the log's worker (prediction-log-worker.ts: the service's case, off the serving
 * thread) or, for a sink object given in-process (tests, embedders), in the caller's thread. It
 * keeps no bound of its own: the front (prediction-log.ts) counts what it handed over and drops
 * beyond its bound; the writer reports every batch written or failed through `settled`.
 */
import type { FeedbackItem, FeedbackOutcome, LabelContract, PredictionDocument, PredictionLogSink } from "./prediction-log-types.ts";

/** One request's kept rows, as `/predict` queued them. */
export interface LoggedRequest {
  requestId: string;
  modelVersion: string;
  /** When it was scored (epoch ms). */
  at: number;
  /** Kept rows' 0-based numbers and their feature values (row-major copy). */
  rows: Uint32Array;
  values: Float64Array;
  probability: Float64Array;
  prediction: Int8Array;
}

export interface WriterEvents {
  /** A batch ended: `written` rows are in the sink, or `dropped` rows failed (with the error). */
  settled(written: number, dropped: number, error?: string): void;
}

/** "-128" … "127": feature values as JSON text without a number-to-string conversion. */
const SMALL_INTEGERS = Array.from({ length: 256 }, (_, i) => String(i - 128));

interface Queued extends LoggedRequest {
  /** Rows of this request already taken for a write. */
  taken: number;
}

export class PredictionLogWriter {
  readonly #queue: Queued[] = [];
  #queued = 0;
  #writing: Promise<void> | undefined;
  /** Closing: a failed write drops what is still queued instead of trying each batch in turn. */
  #closing = false;
  /** `"name":` of every feature, JSON-escaped once. */
  readonly #keys: string[];
  /** Per feature, `"name":v` for the small integers v = -128 … 127 (the contract's codes), built once. */
  readonly #cells: string[][];
  /** `,"prediction":v,"label":"…"}` per predicted value. */
  readonly #tails = new Map<number, string>();

  constructor(
    readonly sink: PredictionLogSink,
    readonly contract: LabelContract,
    readonly batchRows: number,
    readonly events: WriterEvents,
  ) {
    this.#keys = contract.featureNames.map((name) => `${JSON.stringify(name)}:`);
    this.#cells = this.#keys.map((key) => SMALL_INTEGERS.map((v) => key + v));
  }

  #tail(prediction: number): string {
    let tail = this.#tails.get(prediction);
    if (tail === undefined) this.#tails.set(prediction, (tail = `,"prediction":${prediction},"label":${JSON.stringify(this.contract.labelOf(prediction))}}\n`));
    return tail;
  }

  push(requests: LoggedRequest[]): void {
    for (const request of requests) {
      if (request.rows.length === 0) continue;
      this.#queue.push({ ...request, taken: 0 });
      this.#queued += request.rows.length;
    }
    this.#kick();
  }

  /** Resolves once everything pushed so far has been written (or dropped). */
  async drained(): Promise<void> {
    while (this.#writing || this.#queued > 0) {
      this.#kick();
      await this.#writing;
    }
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.drained();
    await this.sink.close();
  }

  feedback(items: FeedbackItem[], at: string): Promise<FeedbackOutcome> {
    return this.sink.feedback(items, this.contract, at);
  }

  #kick(): void {
    if (this.#writing || this.#queued === 0) return;
    this.#writing = this.#drain().finally(() => {
      this.#writing = undefined;
      if (this.#queued > 0) this.#kick();
    });
  }

  /** Write batches until the queue is empty; one write at a time. */
  async #drain(): Promise<void> {
    // Let more rows arrive (and, in-process, the request that queued them answer) first.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const { sink } = this;
    while (this.#queued > 0) {
      const lines = sink.writeLines ? this.#takeLines() : undefined;
      const batch = lines ? undefined : this.#takeBatch();
      const rows = lines ? lines.rows : batch!.length;
      try {
        if (lines) await sink.writeLines!(lines.text, lines.rows);
        else await sink.write(batch!);
        this.events.settled(rows, 0);
      } catch (error) {
        const rest = this.#closing ? this.#takeAll() : 0;
        this.events.settled(0, rows + rest, (error as Error)?.message ?? String(error));
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

  /** The next batch as JSON lines, the same text JSON.stringify gives each document. */
  #takeLines(): { text: string; rows: number } {
    const keys = this.#keys;
    const table = this.#cells;
    const width = keys.length;
    const parts: string[] = [];
    const cells = new Array<string>(width);
    let rows = 0;
    while (rows < this.batchRows && this.#queue.length) {
      const q = this.#queue[0]!;
      const head = `{"kind":"prediction","request_id":${JSON.stringify(q.requestId)},"row":`;
      const middle = `,"model_version":${JSON.stringify(q.modelVersion)},"at":"${new Date(q.at).toISOString()}","features":{`;
      while (q.taken < q.rows.length && rows < this.batchRows) {
        const i = q.taken++;
        // Cells joined once (concatenating 60 pieces per row was ~8x slower); a small integer
        // (the contract's -1/0/1) takes its whole `"name":v` from a table built once.
        const base = i * width;
        for (let c = 0; c < width; c++) {
          const v = q.values[base + c]!;
          cells[c] = (v | 0) === v && v >= -128 && v < 128 ? table[c]![v + 128]! : keys[c] + (Number.isNaN(v) ? "null" : String(v));
        }
        parts.push(`${head}${q.rows[i]! + 1}${middle}${cells.join(",")}},"probability":${q.probability[i]}${this.#tail(q.prediction[i]!)}`);
        rows += 1;
      }
      if (q.taken === q.rows.length) this.#queue.shift();
    }
    this.#queued -= rows;
    return { text: parts.join(""), rows };
  }

  #takeBatch(): PredictionDocument[] {
    const { contract } = this;
    const columns = contract.featureNames;
    const width = columns.length;
    const out: PredictionDocument[] = [];
    while (out.length < this.batchRows && this.#queue.length) {
      const q = this.#queue[0]!;
      const at = new Date(q.at).toISOString();
      while (q.taken < q.rows.length && out.length < this.batchRows) {
        const i = q.taken++;
        const features: Record<string, number | null> = {};
        for (let c = 0; c < width; c++) {
          const v = q.values[i * width + c]!;
          features[columns[c]!] = Number.isNaN(v) ? null : v;
        }
        out.push({ kind: "prediction", request_id: q.requestId, row: q.rows[i]! + 1, model_version: q.modelVersion, at, features, probability: q.probability[i]!, prediction: q.prediction[i]!, label: contract.labelOf(q.prediction[i]!) });
      }
      if (q.taken === q.rows.length) this.#queue.shift();
    }
    this.#queued -= out.length;
    return out;
  }
}
