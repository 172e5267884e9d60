/**
 * What a session shows of tracking: where its runs go (MLflow, DagsHub or the local run log), and
 * after a push the registry's version of the pushed model, read back from the server — what a data
 * scientist checks in the MLflow UI, shown in the cell instead.
 */
import { platform } from "../runtime/index.ts";
import { resolveTrackingConfig, type TrackingConfig } from "../tracking/config.ts";
import { MlflowClient } from "../tracking/mlflow.ts";
import { CHAMPION_ALIAS, REGISTERED_MODEL } from "../tracking/pipeline.ts";
import { registryMissing, SHA256_TAG } from "../tracking/registry.ts";
import { redactCredentials } from "../tracking/dataset.ts";
import { localRunRows, remoteRunRows, type RunRow } from "../tracking/runs.ts";
import type { RunTracked } from "./engine.ts";
import { html, type Markup } from "../viz/markup.ts";

/** The tracking server from the environment (MLFLOW_TRACKING_URI, or DagsHub's variables), if any. */
export function trackingConfig(): TrackingConfig | undefined {
  return resolveTrackingConfig((name) => platform.env(name));
}

/** A client for reading back from the server: one try, 10 s (a notebook cell should not hang on a dead server). */
export function readClient(config: TrackingConfig): MlflowClient {
  return new MlflowClient(config.uri, config.auth, { timeoutMs: 10_000, retries: 0 });
}

/** Where the session records its runs, in words. */
export function trackingTarget(enabled: boolean, stateDir: string): string {
  if (!enabled) return "off (session({ tracking: false }))";
  const config = trackingConfig();
  return config ? `MLflow ${redactCredentials(config.uri)}, experiment ${config.experimentName}` : `the local run log ${stateDir} (no MLFLOW_TRACKING_URI or DagsHub variables set)`;
}

/** A finished run as one line: where it went and how to open it (the MLflow UI's page of the run as a link). */
export function trackedLine(t: RunTracked): Markup {
  const folder = t.runDir.split("/").at(-1);
  if (t.kind === "mlflow") {
    const link = t.url ? html`, <a href="${t.url}" target="_blank">${t.url}</a>` : "";
    return html`run ${folder} tracked in MLflow ${t.target}: run id ${t.serverId ?? "(not sent yet)"}${link}${t.outbox ? `; part of it waits in ${t.outbox} for netsec sync` : ""}`;
  }
  return html`run ${folder} tracked in the local run log ${t.target} (run ${t.id ?? "?"}); netsec runs lists it, netsec sync --local sends it to a server`;
}

export interface Registered {
  name: string;
  alias: string;
  /** The registry's version number of this model, when the alias names it. */
  version?: string;
  /** Why there is no version to show. */
  note?: string;
}

/** The registry version the alias `champion` names, when it is the model with `sha256` (servers only). */
export async function registeredVersion(sha256: string | undefined): Promise<Registered | undefined> {
  const config = trackingConfig();
  if (!config || !sha256) return undefined;
  const name = platform.env("NETSEC_REGISTERED_MODEL") ?? REGISTERED_MODEL;
  const alias = CHAMPION_ALIAS;
  try {
    const version = await readClient(config).getModelVersionByAlias(name, alias);
    if (!version) return { name, alias, note: `no version of ${name} carries the alias ${alias} yet` };
    const sha = version.tags?.find((t) => t.key === SHA256_TAG)?.value;
    if (sha === sha256) return { name, alias, version: version.version };
    return { name, alias, note: `${alias} names version ${version.version} (model.json sha256 ${sha?.slice(0, 12) ?? "?"}…), not this model` };
  } catch (error) {
    if (registryMissing(error)) return { name, alias, note: `${redactCredentials(config.uri)} has no model registry (DagsHub's hosted MLflow answers 404 there): load the model from its run, runs:/<run id>/model` };
    return { name, alias, note: `the registry did not answer: ${redactCredentials((error as Error).message)}` };
  }
}

export function registeredLine(r: Registered): string {
  return r.version ? `registered as ${r.name} version ${r.version} (alias ${r.alias})` : `${r.name}: ${r.note}`;
}

/** Every recorded run, newest first: the local run log (CLI and notebook runs alike) and, when a server is configured, its runs. */
export async function runRows(stateDir: string, limit: number): Promise<{ rows: RunRow[]; sources: string[] }> {
  const rows = await localRunRows(stateDir);
  const sources = [`local run log ${stateDir}`];
  const config = trackingConfig();
  if (config) {
    try {
      const remote = await remoteRunRows(readClient(config), config.experimentName, limit);
      const sent = new Set(rows.map((r) => r.serverRunId).filter(Boolean));
      rows.push(...remote.filter((r) => !sent.has(r.serverRunId)));
      sources.push(`MLflow ${redactCredentials(config.uri)} (${config.experimentName})`);
    } catch (error) {
      sources.push(`MLflow ${redactCredentials(config.uri)} not reachable: ${redactCredentials((error as Error).message)}`);
    }
  }
  rows.sort((x, y) => (x.time < y.time ? 1 : -1));
  return { rows: rows.slice(0, limit), sources };
}
