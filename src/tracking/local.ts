/**
 * The local run log: without MLFLOW_TRACKING_URI every run (and its children) is written to
 * `<state>/runs/<run id>.jsonl` (+ `<run id>.files/` for artifact bytes), in the journal format.
 * No server is needed; `netsec sync --local` can upload these runs later.
 */
import { Journal } from "./journal.ts";
import type { Op } from "./journal.ts";
import { openRun, systemTags, type Sink, type TrackedRun, type Tracker, type TrackerSummary } from "./tracker.ts";
import { DEFAULT_EXPERIMENT } from "./config.ts";

export interface LocalTrackerOptions {
  /** State folder (default `.netsec`); runs go to `<stateDir>/runs`. */
  stateDir: string;
  experiment?: string;
  sourceName?: string;
  onWarning?: (message: string) => void;
}

class LocalSink implements Sink {
  readonly dir: string;
  readonly journals = new Map<string, Journal>();

  constructor(dir: string) {
    this.dir = dir;
  }

  async open(rootRun: string): Promise<void> {
    this.journals.set(rootRun, await Journal.create(this.dir, rootRun));
  }

  async submit(rootRun: string, op: Op, content?: Uint8Array): Promise<void> {
    const journal = this.journals.get(rootRun);
    if (!journal) throw new Error(`tracking: run ${rootRun} was not opened`);
    if (content && "file" in op) await journal.storeFile(op.file, content);
    await journal.append(op);
  }

  async close(): Promise<void> {}
}

export function createLocalTracker(options: LocalTrackerOptions): Tracker {
  const dir = `${options.stateDir}/runs`;
  const sink = new LocalSink(dir);
  const warnings: string[] = [];
  const roots: TrackerSummary["runs"] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  return {
    kind: "local",
    warnings,
    async startRun(name, tags = {}): Promise<TrackedRun> {
      const context = { sink, experiment: options.experiment ?? DEFAULT_EXPERIMENT, warn, systemTags: await systemTags(options.sourceName ?? "netsec") };
      const run = await openRun(context, name, tags);
      roots.push({ id: run.id, name });
      return run;
    },
    summary: () => ({ kind: "local", target: dir, runs: [...roots] }),
  };
}
