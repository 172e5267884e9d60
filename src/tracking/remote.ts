/**
 * Tracking to an MLflow server. Every operation is first appended to the run's outbox journal
 * (write-ahead, on the caller's time: local disk only), then sent by a background sender, in
 * order, off the pipeline's critical path (as MLflow's async logging does); an `ack` line records
 * the server's answer. The run waits on the server only twice, together at most `waitMs`
 * (NETSEC_TRACKING_WAIT_MS, default 15 s): for the first call (up to `FIRST_CALL_WAIT_MS`, so wrong
 * credentials stop a run at once) and, when the run ends, for what is still unsent. What is not
 * sent by then stays in the journal: `netsec sync` replays it. When the server is down or keeps
 * answering 429/5xx past the retry limit, the run switches to offline: the rest of its operations
 * only go to the journal and the pipeline goes on. A run whose operations were all acknowledged
 * moves its journal to `outbox/sent/`.
 */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import { Applier, refusedForGood } from "./apply.ts";
import { RegistryUnavailableError } from "./registry.ts";
import { Journal, type Op } from "./journal.ts";
import { MlflowClient, MlflowHttpError } from "./mlflow.ts";
import { resolveTrackingConfig, type TrackingConfig } from "./config.ts";
import { httpPolicyFromEnv, TrackingBudget, type HttpOptions } from "./http.ts";
import { openRun, systemTags, type Sink, type TrackedRun, type Tracker, type TrackerSummary } from "./tracker.ts";

/** The most a run waits on the tracking server in all (ms; NETSEC_TRACKING_WAIT_MS). */
export const DEFAULT_TRACKING_WAIT_MS = 15_000;
/** The most of it spent waiting for the first call (creating the run) at the start. */
export const FIRST_CALL_WAIT_MS = 5_000;

export interface MlflowTrackerOptions {
  config: TrackingConfig;
  /** The most the run waits on the server in all, ms (default DEFAULT_TRACKING_WAIT_MS). */
  waitMs?: number;
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
  /** Journal writes, in order (the caller waits for these). */
  chain: Promise<void>;
  /** Deliveries to the server, in order, in the background. */
  delivery: Promise<void>;
  /** The wait for the first call is over: a late failure of it no longer stops the run. */
  detached: boolean;
  /** Time this run has waited on the server so far (ms). */
  waitedMs: number;
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

/** Resolves after `ms` (or at once for ms <= 0) with `value`; the timer never keeps a process alive. */
function after<T>(ms: number, value: T): { promise: Promise<T>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(value), Math.max(0, ms));
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

class RemoteSink implements Sink {
  readonly roots = new Map<string, RootState>();
  readonly #client: MlflowClient;
  readonly #dir: string;
  readonly #warn: (message: string) => void;
  readonly #waitMs: number;

  constructor(client: MlflowClient, dir: string, warn: (message: string) => void, waitMs = DEFAULT_TRACKING_WAIT_MS) {
    this.#client = client;
    this.#dir = dir;
    this.#warn = warn;
    this.#waitMs = waitMs;
  }

  async open(rootRun: string): Promise<void> {
    const journal = await Journal.create(this.#dir, rootRun, this.#client.uri);
    // While this marker exists (and the journal is being written), `netsec sync` leaves the journal alone.
    await platform.writeFile(openMarker(journal.path), JSON.stringify({ runtime: platform.name, since: Date.now() }));
    this.roots.set(rootRun, { journal, applier: new Applier(this.#client, journal, this.#warn), offline: false, pending: 0, first: true, chain: Promise.resolve(), delivery: Promise.resolve(), detached: false, waitedMs: 0, held: new Map() });
  }

  /**
   * Journal `op` (the returned promise waits for that only), and queue it for the background
   * sender. The root run's createRun is the exception: the caller waits for the server's answer,
   * at most FIRST_CALL_WAIT_MS, so wrong credentials stop the run before any work is done.
   */
  submit(rootRun: string, op: Op, content?: Uint8Array): Promise<void> {
    const state = this.roots.get(rootRun);
    if (!state) return Promise.reject(new Error(`tracking: run ${rootRun} was not opened`));
    // Write-ahead: the journal has every op before anything is sent.
    const journaled = state.chain.then(async () => {
      if (content && "file" in op) await state.journal.storeFile(op.file, content);
      await state.journal.append(op);
      state.pending++;
    });
    state.chain = journaled.catch(() => undefined);
    let surfaced = false;
    const delivered = state.delivery.then(() => journaled).then(() => this.#send(state, op));
    state.delivery = delivered.catch((error: unknown) => {
      if (!surfaced) this.#warn(`MLflow: ${op.op} of run ${op.run} not sent: ${error instanceof Error ? error.message : String(error)}`);
    });
    if (op.op !== "createRun" || op.run !== rootRun) return journaled;
    return (async () => {
      await journaled;
      const wait = Math.min(FIRST_CALL_WAIT_MS, this.#waitMs - state.waitedMs);
      const started = Date.now();
      const late = after(wait, "late" as const);
      const outcome = await Promise.race([delivered.then(() => "sent" as const, (error: unknown) => ({ error })), late.promise]);
      late.cancel();
      state.waitedMs += Date.now() - started;
      if (outcome === "late") {
        state.detached = true;
        this.#warn(`MLflow ${this.#client.uri}: no answer to the first call within ${wait / 1000} s: the run goes on, its tracking is sent in the background, and what is not sent when it ends waits in the outbox for \`netsec sync\``);
      } else if (outcome !== "sent") {
        surfaced = true;
        throw outcome.error;
      }
    })();
  }

  async #send(state: RootState, op: Op): Promise<void> {
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
      if (first && auth && !state.detached) {
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
    const flushed = state.delivery.then(async () => {
      for (const run of [...state.held.keys()]) await this.#flush(state, run);
    });
    state.delivery = flushed.catch((error: unknown) => this.#warn(`MLflow: ${error instanceof Error ? error.message : String(error)}`));
    // Wait for the sender, at most what is left of the run's wait; then the rest stays in the outbox.
    const wait = this.#waitMs - state.waitedMs;
    const started = Date.now();
    const late = after(wait, false);
    const drained = await Promise.race([state.delivery.then(() => true), late.promise]);
    late.cancel();
    state.waitedMs += Date.now() - started;
    if (!drained) {
      state.offline = true;
      this.#warn(`MLflow ${this.#client.uri}: ${state.pending} operation(s) of this run were not sent within ${this.#waitMs / 1000} s of waiting on the server (NETSEC_TRACKING_WAIT_MS); they are kept in the outbox ${state.journal.path}: run \`netsec sync\` to send them`);
    }
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
  const sink = new RemoteSink(client, outboxDir(options.stateDir), warn, options.waitMs);
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
  return createMlflowTracker({ config, stateDir, http, waitMs: trackingWaitMs(env), sourceName: options.sourceName, onWarning: options.onWarning });
}

/** NETSEC_TRACKING_WAIT_MS: the most a run waits on the tracking server in all (default 15 s). */
export function trackingWaitMs(env: (name: string) => string | undefined): number {
  const raw = env("NETSEC_TRACKING_WAIT_MS")?.trim();
  if (!raw) return DEFAULT_TRACKING_WAIT_MS;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new NetsecError("CONFIG_INVALID", `NETSEC_TRACKING_WAIT_MS=${JSON.stringify(raw)} is not a valid number of milliseconds`);
  return value;
}

