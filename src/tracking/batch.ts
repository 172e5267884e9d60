/**
 * Split a log-batch into requests the server accepts: ≤ 1000 metrics, ≤ 100 params, ≤ 100 tags,
 * ≤ 1000 items in all and ≤ 1 MB of JSON per request (REFERENCE.md, MLflow ≥ 2.8).
 * Params go first (with the first metrics), so a run's params appear before its curves.
 */
import type { KeyValue, Metric } from "./validate.ts";

export const BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, items: 1000, bytes: 1_000_000 } as const;

export interface LogBatch {
  metrics: Metric[];
  params: KeyValue[];
  tags: KeyValue[];
}

export type BatchLimits = { metrics: number; params: number; tags: number; items: number; bytes: number };

/** Rough JSON size of one item (run_id and braces are covered by a fixed allowance). */
function itemBytes(item: Metric | KeyValue): number {
  return new TextEncoder().encode(JSON.stringify(item)).length + 1;
}

export function splitBatch(batch: LogBatch, limits: BatchLimits = BATCH_LIMITS): LogBatch[] {
  const out: LogBatch[] = [];
  let current: LogBatch = { metrics: [], params: [], tags: [] };
  let bytes = 200;
  const count = () => current.metrics.length + current.params.length + current.tags.length;
  const flush = () => {
    if (count() > 0) out.push(current);
    current = { metrics: [], params: [], tags: [] };
    bytes = 200;
  };
  const add = <K extends keyof LogBatch>(kind: K, item: LogBatch[K][number]) => {
    const size = itemBytes(item);
    if (current[kind].length >= limits[kind] || count() >= limits.items || bytes + size > limits.bytes) flush();
    (current[kind] as LogBatch[K][number][]).push(item);
    bytes += size;
  };
  for (const p of batch.params) add("params", p);
  for (const t of batch.tags) add("tags", t);
  for (const m of batch.metrics) add("metrics", m);
  flush();
  return out;
}
