/**
 * A module worker of this repository's TypeScript under Node (worker_threads), for tests: Deno runs
 * the workers of the CLI and the server (`platform.createWorker`); Node has no TypeScript loader
 * of its own (Node 20), so the worker's thread registers a module hook that turns each `.ts` file
 * into JavaScript with TypeScript's `transpileModule` (types removed, nothing else changed) before
 * importing the worker module. The module sees the same web-worker globals it has under Deno
 * (`onmessage`, `postMessage`). Not `nodePlatform.createWorker` on purpose: every other user of
 * `createWorker` (search, fit, batch scoring) keeps running in-process under vitest; it is
 * `nodePlatform.createThread`, for I/O that must leave the serving thread on every runtime (the
 * prediction log).
 */
import { Worker } from "node:worker_threads";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { WorkerHandle } from "./platform.ts";

/** The loader hook, as a module of its own (a data: URL): `.ts` files are transpiled on load. */
function hooksSource(typescriptPath: string): string {
  return `
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
const ts = createRequire(${JSON.stringify(typescriptPath)})("typescript");
export async function load(url, context, next) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  const file = fileURLToPath(url);
  const out = ts.transpileModule(readFileSync(file, "utf8"), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, allowImportingTsExtensions: true, verbatimModuleSyntax: false, sourceMap: false },
  });
  return { format: "module", source: out.outputText, shortCircuit: true };
}`;
}

/** The worker thread's first code (CommonJS, evaluated): hooks, web-worker globals, then the module; messages wait until it is loaded. */
function bootSource(hooksUrl: string, moduleUrl: string): string {
  return `
const { parentPort } = require("node:worker_threads");
const queued = [];
let ready = false;
globalThis.postMessage = (message, transfer) => parentPort.postMessage(message, transfer);
parentPort.on("message", (data) => (ready ? globalThis.onmessage?.({ data }) : queued.push(data)));
(async () => {
  require("node:module").register(${JSON.stringify(hooksUrl)});
  await import(${JSON.stringify(moduleUrl)});
  ready = true;
  for (const data of queued.splice(0)) globalThis.onmessage?.({ data });
})().catch((error) => { setImmediate(() => { throw error; }); });`;
}

/** `moduleUrl` (a .ts module written for a Web Worker) on a Node worker thread. */
export function createNodeWorker(moduleUrl: URL): WorkerHandle {
  const require = createRequire(import.meta.url);
  const typescriptPath = require.resolve("typescript");
  const hooksUrl = `data:text/javascript,${encodeURIComponent(hooksSource(pathToFileURL(typescriptPath).href))}`;
  const worker = new Worker(bootSource(hooksUrl, moduleUrl.href), { eval: true });
  const handle: WorkerHandle = {
    postMessage: (message, transfer) => worker.postMessage(message, transfer ?? []),
    onmessage: null,
    onerror: null,
    terminate: () => void worker.terminate(),
  };
  worker.on("message", (data) => handle.onmessage?.(data));
  worker.on("error", (error) => handle.onerror?.((error as Error).message ?? String(error)));
  return handle;
}
