/**
 * The run journal: an append-only JSONL file of idempotent tracking operations, each with a
 * client-side id. The same format is the local run log (`.netsec/runs/<run>.jsonl`, no server)
 * and the outbox (`.netsec/outbox/<run>.jsonl`, written ahead of every MLflow call; an `ack`
 * line follows each operation the server confirmed). `netsec sync` replays what has no ack.
 * Artifact bytes are copied next to the journal (`<run>.files/<op id>`) so a replay never
 * depends on the Artifacts folder still existing.
 */
import { platform } from "../runtime/index.ts";
import type { KeyValue, Metric } from "./validate.ts";
import type { DatasetInput, RunStatus } from "./mlflow.ts";

export const JOURNAL_VERSION = 1;

interface OpBase {
  /** Client-side operation id (unique in the journal). */
  id: string;
  /** Client-side run id (`netsec.client_run_id` tag on the server run). */
  run: string;
  /** When the operation was recorded (ms since epoch). */
  at: number;
}

export type Op =
  | (OpBase & { op: "createRun"; experiment: string; name: string; parent?: string; startTime: number; tags: KeyValue[] })
  | (OpBase & { op: "logBatch"; metrics: Metric[]; params: KeyValue[]; tags: KeyValue[] })
  | (OpBase & { op: "artifact"; path: string; file: string; bytes: number })
  | (OpBase & { op: "model"; artifactPath: string; file: string; flavor: Record<string, unknown>; mlmodel?: Record<string, unknown> })
  | (OpBase & { op: "inputs"; datasets: DatasetInput[] })
  | (OpBase & {
    op: "register";
    name: string;
    artifactPath: string;
    alias?: string;
    /** final_model's version number: the alias only moves to a higher one (registry.ts). */
    modelVersion?: number;
    /** Version tags (netsec.sha256, netsec.model_version, netsec.data_digest). */
    tags?: KeyValue[];
    description?: string;
    /** Register nothing when the alias already names a version with this sha256 (registry.ts). */
    unlessAliasSha?: string;
  })
  | (OpBase & { op: "endRun"; status: RunStatus; endTime: number });

export interface Ack {
  op: "ack";
  of: string;
  at: number;
  /** For createRun: where the run lives on the server. */
  serverRunId?: string;
  experimentId?: string;
  artifactUri?: string;
  /** For register: the model version. */
  version?: string;
  /** For model, MLflow 3: the logged model made from the run's folder (the registered version links to it). */
  loggedModelId?: string;
  loggedModelUri?: string;
  /** Set when the server refused the operation for good (4xx): replay skips it. */
  refused?: string;
}

export type JournalLine = Op | Ack | { op: "journal"; version: number; createdAt: number; uri?: string };

export interface JournalContent {
  ops: Op[];
  acks: Map<string, Ack>;
}

export class Journal {
  readonly path: string;
  readonly filesDir: string;
  #chain: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
    this.filesDir = path.replace(/\.jsonl$/, "") + ".files";
  }

  static async create(dir: string, runId: string, uri?: string): Promise<Journal> {
    await platform.mkdir(dir);
    const journal = new Journal(`${dir}/${runId}.jsonl`);
    await journal.append({ op: "journal", version: JOURNAL_VERSION, createdAt: Date.now(), ...(uri ? { uri } : {}) });
    return journal;
  }

  /** Append one line; appends are serialized so concurrent callers never interleave. */
  append(line: JournalLine): Promise<void> {
    const next = this.#chain.then(async () => {
      const writer = await platform.openWriter(this.path, { append: true });
      try {
        await writer.write(JSON.stringify(line) + "\n");
      } finally {
        await writer.close();
      }
    });
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /** Keep a copy of artifact bytes for replay; returns the name inside `filesDir`. */
  async storeFile(opId: string, bytes: Uint8Array): Promise<string> {
    await platform.mkdir(this.filesDir);
    await platform.writeFileAtomic(`${this.filesDir}/${opId}`, bytes);
    return opId;
  }

  readFile(name: string): Promise<Uint8Array> {
    return platform.readFile(`${this.filesDir}/${name}`);
  }

  async read(): Promise<JournalContent> {
    return parseJournal(await platform.readTextFile(this.path));
  }
}

/** Parse journal text; a torn last line (process killed while writing) is ignored. */
export function parseJournal(text: string): JournalContent {
  const ops: Op[] = [];
  const acks = new Map<string, Ack>();
  const lines = text.split("\n");
  lines.forEach((line, index) => {
    if (!line.trim()) return;
    let parsed: JournalLine;
    try {
      parsed = JSON.parse(line) as JournalLine;
    } catch (error) {
      if (index >= lines.length - 2) return;
      throw error;
    }
    if (parsed.op === "ack") acks.set(parsed.of, parsed);
    else if (parsed.op !== "journal") ops.push(parsed);
  });
  return { ops, acks };
}

let counter = 0;
/** A client-side id: time + random, sortable, unique across processes. */
export function clientId(prefix: string): string {
  counter = (counter + 1) % 1_000_000;
  return `${prefix}-${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}${counter.toString(36)}`;
}
