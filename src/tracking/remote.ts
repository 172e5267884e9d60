/**
 * Tracking to an MLflow server. Every operation is first appended to the run's outbox journal
 * (write-ahead), then sent; an `ack` line records the server's answer. When the server is down,
 * slow or keeps answering 429/5xx past the retry limit, the run switches to offline: the rest of
 * its operations only go to the journal and the pipeline goes on. `netsec sync` replays them.
 * A run whose operations were all acknowledged moves its journal to `outbox/sent/`.
 */
import { platform } from "../runtime/index.ts";
import { Applier, refusedForGood } from "./apply.ts";
import { RegistryUnavailableError } from "./registry.ts";
import { Journal, type Op } from "./journal.ts";
import { MlflowClient, MlflowHttpError } from "./mlflow.ts";
import { resolveTrackingConfig, type TrackingConfig } from "./config.ts";
import { httpPolicyFromEnv, TrackingBudget, type HttpOptions } from "./http.ts";
import { openRun, systemTags, type Sink, type TrackedRun, type Tracker, type TrackerSummary } from "./tracker.ts";

export interface MlflowTrackerOptions {
  config: TrackingConfig;
  /** State folder (default `.netsec`); the outbox is `<stateDir>/outbox`. */
  stateDir: string;
  http?: HttpOptions;
  sourceName?: string;
  onWarning?: (message: string) => void;
}

interface RootState {
  journal: Journal;
  applier: Applier;
  offline: boolean;
  pending: number;
  first: boolean;
  chain: Promise<void>;
  /** logBatch ops journaled but not sent yet, per run: sent as one log-batch when the run ends. */
  held: Map<string, Extract<Op, { op: "logBatch" }>[]>;
}

/** `<run>.open` next to `<run>.jsonl`: the run is still being recorded by a live process. */
export function openMarker(journalPath: string): string {
  return journalPath.replace(/\.jsonl$/, "") + ".open";
}

/**
 * The run in the MLflow UI, in the classic model-training view: MLflow 3.17's UI picks the view
 * from its GenAI / Model training switch (query `workflowType`, else the browser's last choice,
 * GenAI at first), not from the experiment's `mlflow.experimentKind` tag; MLflow 2.x ignores it.
 */
export function runUrl(uri: string, experimentId: string, runId: string): string {
  return `${uri}/#/experiments/${encodeURIComponent(experimentId)}/runs/${encodeURIComponent(runId)}?workflowType=machine_learning`;
}

export function outboxDir(stateDir: string): string {
  return `${stateDir}/outbox`;
}

/** Flush a run's held metrics/params/tags once this many items wait (well inside log-batch's limits). */
const HOLD_ITEMS = 900;

/** One logBatch with everything of `ops` (params once per key, the last value of each tag). */
export function mergeBatches(ops: Extract<Op, { op: "logBatch" }>[]): Extract<Op, { op: "logBatch" }> {
  const params = new Map<string, { key: string; value: string }>();
  const tags = new Map<string, { key: string; value: string }>();
  for (const op of ops) {
    for (const p of op.params) if (!params.has(p.key)) params.set(p.key, p);
    for (const t of op.tags) tags.set(t.key, t);
  }
  return { ...ops[0], metrics: ops.flatMap((o) => o.metrics), params: [...params.values()], tags: [...tags.values()] };
}

class RemoteSink implements Sink {
  readonly roots = new Map<string, RootState>();
  readonly #client: MlflowClient;
  readonly #dir: string;
  readonly #warn: (message: string) => void;

  constructor(client: MlflowClient, dir: string, warn: (message: string) => void) {
    this.#client = client;
    this.#dir = dir;
    this.#warn = warn;
  }

  async open(rootRun: string): Promise<void> {
    const journal = await Journal.create(this.#dir, rootRun, this.#client.uri);
    // While this marker exists (and the journal is being written), `netsec sync` leaves the journal alone.
    await platform.writeFile(openMarker(journal.path), JSON.stringify({ runtime: platform.name, since: Date.now() }));
    this.roots.set(rootRun, { journal, applier: new Applier(this.#client, journal, this.#warn), offline: false, pending: 0, first: true, chain: Promise.resolve(), held: new Map() });
  }

  submit(rootRun: string, op: Op, content?: Uint8Array): Promise<void> {
    const state = this.roots.get(rootRun);
    if (!state) return Promise.reject(new Error(`tracking: run ${rootRun} was not opened`));
    const next = state.chain.then(() => this.#send(state, op, content));
    state.chain = next.catch(() => undefined);
    return next;
  }

  async #send(state: RootState, op: Op, content?: Uint8Array): Promise<void> {
    // Write-ahead: the journal has every op before anything is sent.
    if (content && "file" in op) await state.journal.storeFile(op.file, content);
    await state.journal.append(op);
    state.pending++;
    if (state.offline) return;
    if (op.op === "logBatch") {
      // Fewer, larger calls: a run's metrics, params and tags go out together when it ends.
      const held = state.held.get(op.run) ?? [];
      held.push(op);
      state.held.set(op.run, held);
      const items = held.reduce((n, o) => n + o.metrics.length + o.params.length + o.tags.length, 0);
      if (items >= HOLD_ITEMS) await this.#flush(state, op.run);
      return;
    }
    if (op.op === "endRun") await this.#flush(state, op.run);
    if (state.offline) return;
    await this.#deliver(state, op, [op]);
  }

  async #flush(state: RootState, run: string): Promise<void> {
    const held = state.held.get(run);
    state.held.delete(run);
    if (!held?.length || state.offline) return;
    await this.#deliver(state, mergeBatches(held), held);
  }

  /** Apply `op` (which stands for `covers`, the journaled ops it merges) and ack each of them. */
  async #deliver(state: RootState, op: Op, covers: Op[]): Promise<void> {
    const first = state.first;
    state.first = false;
    try {
      const ack = await state.applier.apply(op, false);
      for (const c of covers) await state.journal.append({ ...ack, of: c.id });
      state.pending -= covers.length;
    } catch (error) {
      const http = error instanceof MlflowHttpError ? error : undefined;
      const auth = http?.status === 401 || http?.status === 403;
      if (first && auth) {
        // Wrong credentials: say so at once, before any work is done; nothing to keep for sync.
        await platform.remove(state.journal.path);
        await platform.remove(state.journal.filesDir);
        throw error;
      }
      if (refusedForGood(error, op)) {
        // The server refused this operation for good (bad value, registry missing…): the run goes on.
        const message = error.message;
        for (const c of covers) await state.journal.append({ op: "ack", of: c.id, at: Date.now(), refused: message });
        state.pending -= covers.length;
        this.#warn(error instanceof RegistryUnavailableError ? message : `MLflow refused ${op.op} of run ${op.run}: ${message}`);
        return;
      }
      if (http?.transient || auth) {
        state.offline = true;
        this.#warn(
          `${(error as Error).message}. The rest of this run is kept in the outbox ${state.journal.path}; ` +
            "the pipeline goes on. When the server is back, run `netsec sync` to send it (nothing is sent twice).",
        );
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      for (const c of covers) await state.journal.append({ op: "ack", of: c.id, at: Date.now(), refused: message });
      state.pending -= covers.length;
      if (op.op === "createRun") throw error;
      this.#warn(`MLflow refused ${op.op} of run ${op.run}: ${message}`);
    }
  }

  async close(rootRun: string): Promise<void> {
    const state = this.roots.get(rootRun);
    if (!state) return;
    await state.chain;
    for (const run of [...state.held.keys()]) await this.#flush(state, run);
    await platform.remove(openMarker(state.journal.path));
    if (state.offline || state.pending > 0) return;
    await platform.mkdir(`${this.#dir}/sent`);
    await platform.rename(state.journal.path, `${this.#dir}/sent/${rootRun}.jsonl`);
    await platform.remove(state.journal.filesDir);
  }
}

export function createMlflowTracker(options: MlflowTrackerOptions): Tracker & { client: MlflowClient; offline(): boolean } {
  const { config } = options;
  const client = new MlflowClient(config.uri, config.auth, options.http);
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  config.warnings.forEach(warn);
  const sink = new RemoteSink(client, outboxDir(options.stateDir), warn);
  const roots: TrackerSummary["runs"] = [];
  const offline = () => [...sink.roots.values()].some((s) => s.offline || s.pending > 0);
  return {
    kind: "mlflow",
    client,
    warnings,
    offline,
    async startRun(name, tags = {}): Promise<TrackedRun> {
      const context = { sink, experiment: config.experimentName, warn, systemTags: await systemTags(options.sourceName ?? "netsec") };
      const run = await openRun(context, name, tags);
      roots.push({ id: run.id, name });
      return run;
    },
    summary: () => ({
      kind: "mlflow",
      target: config.uri,
      runs: roots.map((r) => {
        const applier = sink.roots.get(r.id)?.applier;
        const serverId = applier?.serverRunId(r.id);
        const experimentId = applier?.serverExperimentId(r.id);
        return { ...r, serverId, experimentId, ...(serverId && experimentId ? { url: runUrl(config.uri, experimentId, serverId) } : {}) };
      }),
      outbox: offline() ? outboxDir(options.stateDir) : undefined,
    }),
  };
}

export interface CreateTrackerOptions {
  stateDir?: string;
  env?: (name: string) => string | undefined;
  http?: HttpOptions;
  sourceName?: string;
  onWarning?: (message: string) => void;
}

/** MLflow when MLFLOW_TRACKING_URI (or DagsHub) is configured, else the local run log. */
export async function createTracker(options: CreateTrackerOptions = {}): Promise<Tracker> {
  const env = options.env ?? ((name: string) => platform.env(name));
  const stateDir = options.stateDir ?? env("NETSEC_STATE_DIR") ?? `${platform.cwd()}/.netsec`;
  const config = resolveTrackingConfig(env);
  if (!config) {
    const { createLocalTracker } = await import("./local.ts");
    return createLocalTracker({ stateDir, experiment: env("MLFLOW_EXPERIMENT_NAME") || undefined, sourceName: options.sourceName, onWarning: options.onWarning });
  }
  // MLflow's own variables: per-attempt timeout and retries; the run's tracking may wait on the
  // server for timeout × (retries + 1) in all, then the rest goes to the outbox.
  const policy = httpPolicyFromEnv(env);
  const http: HttpOptions = { ...policy.http, budget: new TrackingBudget(policy.budgetMs), ...options.http };
  return createMlflowTracker({ config, stateDir, http, sourceName: options.sourceName, onWarning: options.onWarning });
}

