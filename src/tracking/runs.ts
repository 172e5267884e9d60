/**
 * Runs side by side (`netsec runs`, the Artifacts index): one row per training run with its time,
 * data digest, best family and params, CV and test F1, pushed or not, and final_model's version.
 * Rows come from the local journals (`.netsec/runs`, `outbox`, `outbox/sent`: every run netsec
 * recorded, sent or not) or from the MLflow server (parent runs of the experiment).
 */
import { platform } from "../runtime/index.ts";
import { parseJournal, type Op } from "./journal.ts";
import type { MlflowClient, Run } from "./mlflow.ts";
import { DATA_DIGEST_TAG, MODEL_VERSION_TAG } from "./registry.ts";
import type { KeyValue } from "./validate.ts";

export const RUN_DIR_TAG = "netsec.run_dir";
/** A run folder's summary (also the MLflow artifact summary.json), written when `netsec train` ends. */
export const RUN_SUMMARY_FILE = "summary.json";

export interface RunRow {
  /** Client run id (local) or MLflow run id (remote). */
  id: string;
  name: string;
  /** Start, ISO 8601. */
  time: string;
  runDir?: string;
  dataDigest?: string;
  family?: string;
  /** The best candidate's params (without the `best.` prefix). */
  params: Record<string, string>;
  scoring?: string;
  /** Mean CV score of the best candidate (F1 with the default scoring). */
  cvScore?: number;
  testF1?: number;
  pushed?: boolean;
  modelVersion?: number;
  /** FINISHED, FAILED, RUNNING … (MLflow's run status), or a run folder's marker. */
  status?: string;
  /** local: only in the local run log; outbox: waits for `netsec sync`; sent / mlflow: on the server. */
  where: "local" | "outbox" | "sent" | "mlflow" | "folder";
  serverRunId?: string;
}

/** A row from params, metrics and tags as MLflow stores them. */
export function rowFrom(base: Pick<RunRow, "id" | "name" | "time" | "where"> & Partial<RunRow>, params: Map<string, string>, metrics: Map<string, number>, tags: Map<string, string>): RunRow {
  const scoring = params.get("search.scoring");
  const best: Record<string, string> = {};
  for (const [k, v] of params) if (k.startsWith("best.") && k !== "best.family") best[k.slice(5)] = v;
  const cv = scoring ? metrics.get(`best.cv_${scoring}_mean`) : [...metrics].find(([k]) => /^best\.cv_.*_mean$/.test(k))?.[1];
  const version = Number(tags.get(MODEL_VERSION_TAG));
  const pushed = tags.get("netsec.pushed");
  return {
    ...base,
    runDir: base.runDir ?? tags.get(RUN_DIR_TAG),
    dataDigest: tags.get(DATA_DIGEST_TAG),
    family: params.get("best.family"),
    params: best,
    scoring,
    cvScore: cv,
    testF1: metrics.get("test.f1"),
    pushed: pushed === undefined ? undefined : pushed === "true",
    modelVersion: Number.isFinite(version) && version > 0 ? version : undefined,
  };
}

/** The root run of one journal as a row (undefined for a journal without a root run). */
export function rowFromJournal(text: string, where: "local" | "outbox" | "sent"): RunRow | undefined {
  const { ops, acks } = parseJournal(text);
  const root = ops.find((o): o is Extract<Op, { op: "createRun" }> => o.op === "createRun" && !o.parent);
  if (!root) return undefined;
  const params = new Map<string, string>();
  const metrics = new Map<string, number>();
  const tags = new Map<string, string>(root.tags.map((t) => [t.key, t.value]));
  let status = "RUNNING";
  for (const op of ops) {
    if (op.run !== root.run) continue;
    if (op.op === "logBatch") {
      for (const p of op.params) if (!params.has(p.key)) params.set(p.key, p.value);
      for (const m of op.metrics) if (typeof m.value === "number") metrics.set(m.key, m.value);
      for (const t of op.tags) tags.set(t.key, t.value);
    } else if (op.op === "endRun") status = op.status;
  }
  const serverRunId = acks.get(root.id)?.serverRunId;
  const pending = ops.some((o) => !acks.has(o.id));
  return rowFrom({ id: root.run, name: root.name, time: new Date(root.startTime).toISOString(), where: where === "sent" || !pending ? (serverRunId ? "sent" : where) : where, status, serverRunId }, params, metrics, tags);
}

async function journalFiles(dir: string): Promise<string[]> {
  if (!(await platform.stat(dir))?.isDirectory) return [];
  return (await platform.readDir(dir)).filter((n) => n.endsWith(".jsonl")).map((n) => `${dir}/${n}`);
}

/** Every run recorded under `stateDir` (local run log, outbox, sent), newest first; a run in two journals (replayed) once. */
export async function localRunRows(stateDir: string): Promise<RunRow[]> {
  const byId = new Map<string, RunRow>();
  const rank = { local: 0, outbox: 1, sent: 2, mlflow: 2, folder: 0 } as const;
  const places: [string, "local" | "outbox" | "sent"][] = [[`${stateDir}/runs`, "local"], [`${stateDir}/outbox`, "outbox"], [`${stateDir}/outbox/sent`, "sent"]];
  for (const [dir, where] of places) {
    for (const file of await journalFiles(dir)) {
      const row = rowFromJournal(await platform.readTextFile(file), where);
      const seen = row ? byId.get(row.id) : undefined;
      if (row && (!seen || rank[row.where] > rank[seen.where])) byId.set(row.id, row);
    }
  }
  return [...byId.values()].sort((a, b) => (a.time < b.time ? 1 : -1));
}

const toMap = <T>(list: { key: string; value: T }[] | undefined) => new Map((list ?? []).map((x) => [x.key, x.value]));

/** Parent runs of `experiment` on the server, newest first (an unknown experiment has none). */
export async function remoteRunRows(client: MlflowClient, experiment: string, max = 1000): Promise<RunRow[]> {
  const exp = await client.getExperimentByName(experiment);
  if (!exp) return [];
  const runs: Run[] = await client.searchRuns([exp.experiment_id], "", max);
  return runs
    .filter((r) => !(r.data.tags ?? []).some((t) => t.key === "mlflow.parentRunId"))
    .map((r) => rowFrom(
      { id: r.info.run_id, name: r.info.run_name ?? r.info.run_id, time: new Date(Number(r.info.start_time ?? 0)).toISOString(), where: "mlflow", status: r.info.status, serverRunId: r.info.run_id },
      toMap(r.data.params as KeyValue[] | undefined),
      new Map((r.data.metrics ?? []).filter((m) => typeof m.value === "number").map((m) => [m.key, m.value as number])),
      toMap(r.data.tags as KeyValue[] | undefined),
    ))
    .sort((a, b) => (a.time < b.time ? 1 : -1));
}

const num = (v: number | undefined) => (v === undefined ? "" : v.toFixed(4));

/** The rows as the columns `netsec runs` prints. */
export function runTableCells(row: RunRow): Record<string, string> {
  return {
    time: row.time.replace("T", " ").slice(0, 19),
    data: row.dataDigest ?? "",
    family: row.family ?? "",
    params: Object.entries(row.params).filter(([k]) => k !== "seed").map(([k, v]) => `${k}=${v}`).join(" "),
    cv: num(row.cvScore),
    "test f1": num(row.testF1),
    pushed: row.pushed === undefined ? "" : row.pushed ? "yes" : "no",
    version: row.modelVersion === undefined ? "" : String(row.modelVersion),
    status: row.status ?? "",
    where: row.where === "sent" || row.where === "mlflow" ? `${row.where}${row.serverRunId ? ` ${row.serverRunId.slice(0, 8)}` : ""}` : row.where,
  };
}

/** A plain text table (columns padded), for the terminal. */
export function formatRunsTable(rows: RunRow[]): string {
  if (rows.length === 0) return "";
  const cells = rows.map(runTableCells);
  const heads = Object.keys(cells[0]);
  const width = heads.map((h) => Math.max(h.length, ...cells.map((c) => (Object.values(c)[heads.indexOf(h)] ?? "").length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(width[i])).join("  ").trimEnd();
  return [line(heads), ...cells.map((c) => line(Object.values(c)))].join("\n") + "\n";
}
