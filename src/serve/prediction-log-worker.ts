/**
 * The prediction log's worker (started through `platform.createThread`, a Web Worker under Deno and
 * a worker thread under Node): opens the sink the service was given (`--prediction-log`: MongoDB or
 * a JSONL file), receives the compact rows /predict queued, and does everything else here, off the
 * serving thread: building documents or JSON lines, the file append or the MongoDB insert, feedback.
 * Protocol: prediction-log-thread.ts.
 */
import { openPredictionLogSink } from "./prediction-log-sinks.ts";
import { PredictionLogWriter } from "./prediction-log-writer.ts";
import { contractFromPlain, type ThreadReply, type ThreadRequest } from "./prediction-log-thread.ts";

const scope = globalThis as unknown as {
  onmessage: ((event: { data: ThreadRequest }) => void) | null;
  postMessage(message: ThreadReply): void;
};

let writer: PredictionLogWriter | undefined;
const reply = (message: ThreadReply) => scope.postMessage(message);
const text = (error: unknown) => (error as Error)?.message ?? String(error);

async function handle(message: ThreadRequest): Promise<void> {
  switch (message.type) {
    case "open": {
      const sink = openPredictionLogSink(message.spec);
      writer = new PredictionLogWriter(sink, contractFromPlain(message.contract), message.batchRows, {
        settled: (written, dropped, error) => reply({ type: "settled", written, dropped, ...(error !== undefined ? { error } : {}) }),
      });
      return;
    }
    case "rows":
      writer!.push(message.requests);
      return;
    case "drain":
      await writer!.drained();
      return reply({ type: "done", id: message.id });
    case "feedback":
      return reply({ type: "done", id: message.id, outcome: await writer!.feedback(message.items, message.at) });
    case "close":
      await writer!.close();
      return reply({ type: "done", id: message.id });
  }
}

scope.onmessage = (event) => {
  const message = event.data;
  handle(message).catch((error) => {
    if ("id" in message) reply({ type: "done", id: message.id, error: text(error) });
    else reply({ type: "broken", error: text(error) });
  });
};
