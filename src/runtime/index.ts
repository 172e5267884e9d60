/**
 * Picks the platform for the running runtime. Deno is detected by its global; everything else
 * (vitest, plain Node) gets the Node implementation, loaded lazily so Deno never imports node:*.
 */
import type { Platform } from "./platform.ts";

export type { ChildProcess, FileInfo, FileWriter, PermissionSet, Platform, RunningServer, ServeOptions, SpawnResult, StopSignal } from "./platform.ts";

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

export const platform: Platform = isDeno
  ? (await import("./deno.ts")).denoPlatform
  : (await import("./node.ts")).nodePlatform;
