/**
 * The session itself as a result: `lab` as a cell's last value shows its settings, where its runs
 * are tracked and the steps taken so far; `await lab.close()` shows the same once its run is
 * finished, with where each run went (the MLflow run, the local run log). Its application/json is
 * what a notebook's last cell gives CI to check.
 */
import type { Settings } from "../settings.ts";
import type { Experiment } from "../experiment.ts";
import type { RunTracked } from "./engine.ts";
import { frameOf, lines, Shown, table, type DataFrame, type Part } from "./show.ts";
import { trackedLine } from "./tracked.ts";

export interface SessionState {
  settings: Settings;
  schemaSource: string;
  experiment: Experiment;
  /** Where runs are tracked, in words. */
  tracking: string;
  /** The newest run folder this session wrote. */
  runDir?: string;
  /** The latest result of each step, in the order the steps were first taken. */
  steps: ReadonlyMap<string, Shown>;
  /** The tracked runs this session finished. */
  tracked: readonly RunTracked[];
  closed: boolean;
}

export class SessionResult extends Shown {
  /** One row per setting. */
  readonly table: DataFrame;
  /** One row per step taken: its latest result's title. */
  readonly steps: DataFrame;

  constructor(readonly state: SessionState) {
    super();
    const s = state.settings;
    this.table = frameOf([
      { setting: "data", value: s.data ?? "the default dataset (network_data/phisingData.csv, fetched when missing)" },
      { setting: "experiment", value: `${state.experiment.name}: ${s.experiment}` },
      { setting: "contract", value: state.schemaSource },
      { setting: "run folders", value: s.artifacts },
      { setting: "model folder", value: s.modelDir },
      { setting: "run log", value: s.stateDir },
      { setting: "tracking", value: state.tracking },
    ], ["setting", "value"]);
    this.steps = frameOf([...state.steps].map(([step, result]) => ({ step, result: result.title })), ["step", "result"]);
  }

  get title(): string {
    const e = this.state.experiment;
    const candidates = e.search.candidates.map((c) => c.family).join(", ");
    if (this.state.closed) return `Session closed after ${this.state.steps.size} step(s)${this.state.runDir ? `; last run ${this.state.runDir}` : ""}`;
    return `Session: experiment ${e.name} (${candidates}; ${e.search.folds} folds, ${e.split.group_duplicates ? "grouped" : "row by row"})`;
  }

  protected parts(): Part[] {
    const { closed, tracked, runDir } = this.state;
    const parts: Part[] = [lines(
      closed && tracked.length === 0 && "no tracked run: only model steps (search, evaluate, push) make one",
      ...tracked.map(trackedLine),
      closed && runDir && `the run's report: ${runDir}/report.html`,
      !closed && "each step runs what is missing and reuses what was already made with the same inputs (in this session or any earlier run)",
    )];
    if (this.steps.height) parts.push(table("Steps", this.steps));
    parts.push(table("Settings", this.table));
    return parts;
  }

  toJSON(): unknown {
    const { settings, experiment, runDir, steps, tracked, closed } = this.state;
    return {
      experiment: experiment.name,
      settings,
      tracking: this.state.tracking,
      closed,
      runDir: runDir ?? null,
      steps: Object.fromEntries([...steps].map(([step, result]) => [step, result.toJSON()])),
      tracked: tracked.map((t) => ({ kind: t.kind, runDir: t.runDir, runId: t.serverId ?? t.id ?? null, url: t.url ?? null, outbox: t.outbox ?? null })),
    };
  }
}
