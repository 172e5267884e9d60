/**
 * Search worker (a Web Worker under Deno): receives the training data once, then fold tasks, and
 * answers each with its score. Only web-standard globals are used here.
 */
import { type FoldData, type FoldTask, runFoldTask } from "./fold-task.ts";

export type WorkerRequest = { type: "data"; data: FoldData } | { type: "task"; task: FoldTask };

const scope = globalThis as unknown as {
  onmessage: ((event: { data: WorkerRequest }) => void) | null;
  postMessage(message: unknown): void;
};

let data: FoldData | undefined;

scope.onmessage = async (event) => {
  const message = event.data;
  if (message.type === "data") {
    data = message.data;
    return;
  }
  const task = message.task;
  try {
    if (!data) throw new Error("search worker got a task before its data");
    scope.postMessage(await runFoldTask(data, task));
  } catch (error) {
    scope.postMessage({ id: task.id, score: NaN, fitSeconds: 0, error: (error as Error).message ?? String(error) });
  }
};
