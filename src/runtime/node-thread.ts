/**
 * A module worker under Node (worker_threads) that runs the repository's TypeScript sources as
 * they are: a module hook registered in the worker transpiles each `.ts` file as it loads
 * (TypeScript's transpileModule: types erased, nothing checked), and the worker gets the Web
 * Worker globals (`onmessage`, `postMessage`) Deno's workers have, so one worker file serves both
 * runtimes. Start-up costs about half a second (the compiler loads in the worker).
 */
import { Worker } from "node:worker_threads";
import { createRequire } from "node:module";
import type { WorkerHandle } from "./platform.ts";

const dataUrl = (code: string) => `data:text/javascript,${encodeURIComponent(code)}`;

/** The load hook: `.ts` files transpiled, everything else left to Node. */
function hooksSource(typescriptPath: string): string {
  return `
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
const ts = createRequire(${JSON.stringify(typescriptPath)})(${JSON.stringify(typescriptPath)});
export async function load(url, context, next) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  const source = await readFile(new URL(url), "utf8");
  const out = ts.transpileModule(source, { fileName: url, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, isolatedModules: true } });
  return { format: "module", source: out.outputText, shortCircuit: true };
}`;
}

/** Runs in the worker before its module: the hook, and Web Worker globals over parentPort. */
function bootstrapSource(typescriptPath: string): string {
  return `
import { register } from "node:module";
import { parentPort } from "node:worker_threads";
register(${JSON.stringify(dataUrl(hooksSource(typescriptPath)))});
globalThis.postMessage = (message, transfer) => parentPort.postMessage(message, transfer ?? []);
// Messages that arrive while the module still loads wait for its onmessage (as a Web Worker's do).
let handler = null;
const early = [];
Object.defineProperty(globalThis, "onmessage", { configurable: true, get: () => handler, set(f) { handler = f; while (handler && early.length) handler({ data: early.shift() }); } });
parentPort.on("message", (data) => (handler ? handler({ data }) : early.push(data)));`;
}

let bootstrap: string | undefined;

export function createNodeThread(moduleUrl: URL): WorkerHandle {
  bootstrap ??= dataUrl(bootstrapSource(createRequire(import.meta.url).resolve("typescript")));
  const worker = new Worker(moduleUrl, { execArgv: ["--import", bootstrap] });
  const handle: WorkerHandle = {
    postMessage: (message, transfer) => worker.postMessage(message, transfer ?? []),
    onmessage: null,
    onerror: null,
    terminate: () => void worker.terminate(),
  };
  worker.on("message", (data) => handle.onmessage?.(data));
  worker.on("error", (error) => handle.onerror?.(error?.message ?? String(error)));
  return handle;
}
