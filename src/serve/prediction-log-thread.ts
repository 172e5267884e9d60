/**
 * The serving thread's side of the prediction log's worker (prediction-log-worker.ts): starts it
 * through `platform.createThread`, moves each batch of queued rows to it (their buffers transferred,
 * not copied) and turns its replies into the writer's events. Also the messages both sides use.
 */
import { platform } from "../runtime/index.ts";
import type { WorkerHandle } from "../runtime/platform.ts";
import type { FeedbackItem, FeedbackOutcome, LabelContract } from "./prediction-log-types.ts";
import type { LoggedRequest, WriterEvents } from "./prediction-log-writer.ts";

/** A label contract as plain data (a Schema holds functions, which cannot cross to a worker). */
export interface PlainContract {
  featureNames: string[];
  allowed: number[];
  positive: number;
  labels: [number, string][];
}

export type ThreadRequest =
  | { type: "open"; spec: string; contract: PlainContract; batchRows: number }
  | { type: "rows"; requests: LoggedRequest[] }
  | { type: "drain"; id: number }
  | { type: "feedback"; id: number; items: FeedbackItem[]; at: string }
  | { type: "close"; id: number };

export type ThreadReply =
  | { type: "settled"; written: number; dropped: number; error?: string }
  | { type: "done"; id: number; outcome?: FeedbackOutcome; error?: string }
  | { type: "broken"; error: string };

export function plainContract(contract: LabelContract): PlainContract {
  return {
    featureNames: [...contract.featureNames],
    allowed: [...contract.target.allowed],
    positive: contract.target.positive,
    labels: contract.target.allowed.map((v) => [v, contract.labelOf(v)]),
  };
}

export function contractFromPlain(plain: PlainContract): LabelContract {
  const labels = new Map(plain.labels);
  return { featureNames: plain.featureNames, target: { allowed: plain.allowed, positive: plain.positive }, labelOf: (v) => labels.get(v) ?? String(v) };
}

export interface ThreadEvents extends WriterEvents {
  /** The worker failed (could not start, or died): nothing more will be written. */
  broken(error: string): void;
}

export class ThreadWriter {
  readonly #worker: WorkerHandle;
  readonly #waiting = new Map<number, { resolve(reply: ThreadReply & { type: "done" }): void; reject(error: Error): void }>();
  #next = 0;
  #broken: string | undefined;
  #terminated = false;

  constructor(spec: string, contract: LabelContract, batchRows: number, readonly events: ThreadEvents) {
    this.#worker = platform.createThread(new URL("./prediction-log-worker.ts", import.meta.url));
    this.#worker.onmessage = (data) => {
      const reply = data as ThreadReply;
      if (reply.type === "settled") events.settled(reply.written, reply.dropped, reply.error);
      else if (reply.type === "broken") this.#fail(reply.error);
      else {
        const waiter = this.#waiting.get(reply.id);
        this.#waiting.delete(reply.id);
        if (reply.error !== undefined) waiter?.reject(new Error(reply.error));
        else waiter?.resolve(reply);
      }
    };
    this.#worker.onerror = (message) => this.#fail(`the prediction log's worker failed: ${message}`);
    this.#post({ type: "open", spec, contract: plainContract(contract), batchRows });
  }

  get broken(): string | undefined {
    return this.#broken;
  }

  push(requests: LoggedRequest[]): void {
    const transfer: ArrayBuffer[] = [];
    for (const r of requests) transfer.push(r.rows.buffer as ArrayBuffer, r.values.buffer as ArrayBuffer, r.probability.buffer as ArrayBuffer, r.prediction.buffer as ArrayBuffer);
    this.#post({ type: "rows", requests }, transfer);
  }

  async drained(): Promise<void> {
    if (this.#broken === undefined) await this.#call({ type: "drain" }).catch(() => undefined);
  }

  async feedback(items: FeedbackItem[], at: string): Promise<FeedbackOutcome> {
    if (this.#broken !== undefined) throw new Error(this.#broken);
    return (await this.#call({ type: "feedback", items, at })).outcome!;
  }

  async close(): Promise<void> {
    try {
      if (this.#broken === undefined) await this.#call({ type: "close" });
    } finally {
      this.#terminate();
    }
  }

  #post(message: ThreadRequest, transfer?: ArrayBuffer[]): void {
    if (this.#broken === undefined) this.#worker.postMessage(message, transfer);
  }

  #call(message: { type: "drain" } | { type: "close" } | { type: "feedback"; items: FeedbackItem[]; at: string }): Promise<ThreadReply & { type: "done" }> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#post({ ...message, id } as ThreadRequest);
    });
  }

  #fail(error: string): void {
    if (this.#broken !== undefined) return;
    this.#broken = error;
    for (const waiter of this.#waiting.values()) waiter.reject(new Error(error));
    this.#waiting.clear();
    this.#terminate();
    this.events.broken(error);
  }

  #terminate(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    this.#worker.terminate();
  }
}
