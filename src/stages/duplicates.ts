/**
 * Duplicate feature vectors and conflicting labels (pure: no IO), over the valid rows of train and
 * test together. Rows are grouped by their features alone: how many distinct vectors, how many
 * rows share theirs with another row, the largest group, the vectors found on both sides of the
 * split, and the conflicting groups (same features, different labels) with their rows. The
 * conflict policy says what becomes of a conflicting group's rows: "keep" (report only), "drop"
 * (every row of the group), "majority" (rows relabelled to the group's most common label; a group
 * without one is dropped).
 */
import { VectorGroups, type VectorResolver } from "../stats/vector-groups.ts";

export type ConflictPolicy = "keep" | "drop" | "majority";

export interface VectorReport {
  vectors: {
    /** Distinct feature vectors. */
    distinct: number;
    /** Rows whose vector appears more than once. */
    repeatedRows: number;
    repeatedShare: number;
    /** Vectors that appear more than once. */
    groupsRepeated: number;
    /** Rows in the largest group. */
    largestGroup: number;
  };
  /** Vectors with rows in both train and test, and the test rows holding them. */
  acrossSplits: { vectors: number; testRows: number };
}

export interface ConflictRow {
  split: "train" | "test";
  /** 1-based data row of the split's ingested file. */
  row: number;
  label: number;
}

export interface ConflictGroup {
  rows: number;
  /** Rows per target value. */
  labels: Record<string, number>;
  /** "kept", "dropped", "relabelled to <value>" or "dropped (no majority)". */
  resolution: string;
  /** The group's rows (the first MAX_LISTED_ROWS). */
  members: ConflictRow[];
}

export interface ConflictReport {
  policy: ConflictPolicy;
  /** Conflicting groups and the rows in them. */
  groups: number;
  rows: number;
  dropped: number;
  relabelled: number;
  /** The first MAX_LISTED_GROUPS groups, largest first. */
  listed: ConflictGroup[];
  truncated: boolean;
}

export const MAX_LISTED_GROUPS = 100;
export const MAX_LISTED_ROWS = 50;

export interface DuplicateInput {
  /** Feature columns: the first `features` values of each row (the target follows them). */
  features: number;
  trainRows: number;
  testRows: number;
  /** Row `id` (train rows first, then test rows). */
  locate: VectorResolver;
  label(id: number): number;
  where(id: number): { split: "train" | "test"; file: string; row: number };
  policy: ConflictPolicy;
}

export interface DuplicateResult {
  report: VectorReport;
  conflicts: ConflictReport;
  /** Per row (train then test): 0 keep, -1 drop, 1 relabel to `labels[id]`. */
  action: Int8Array;
  labels: Float64Array;
  /** The `reason` of each dropped row, by index within its split. */
  reasons: { train: Map<number, string>; test: Map<number, string> };
}

export function findDuplicates(input: DuplicateInput): DuplicateResult {
  const total = input.trainRows + input.testRows;
  const groups = new VectorGroups(input.features, input.locate);
  const group = new Int32Array(total);
  for (let id = 0; id < total; id++) group[id] = groups.add(id);
  const G = groups.groups;
  const side = new Uint8Array(G);
  const firstLabel = new Float64Array(G);
  const mixed = new Uint8Array(G);
  for (let id = 0; id < total; id++) {
    const g = group[id];
    side[g] |= id < input.trainRows ? 1 : 2;
    const y = input.label(id);
    if (groups.firstRow(g) === id) firstLabel[g] = y;
    else if (y !== firstLabel[g]) mixed[g] = 1;
  }
  let repeatedRows = 0, groupsRepeated = 0, largestGroup = 0, shared = 0, sharedTestRows = 0;
  for (let g = 0; g < G; g++) {
    const n = groups.size(g);
    largestGroup = Math.max(largestGroup, n);
    if (n > 1) {
      repeatedRows += n;
      groupsRepeated++;
    }
    if (side[g] === 3) shared++;
  }
  for (let id = input.trainRows; id < total; id++) if (side[group[id]] === 3) sharedTestRows++;
  const report: VectorReport = {
    vectors: { distinct: G, repeatedRows, repeatedShare: total ? repeatedRows / total : 0, groupsRepeated, largestGroup },
    acrossSplits: { vectors: shared, testRows: sharedTestRows },
  };

  // Conflicting groups: their rows, label counts and what the policy does with them.
  const members = new Map<number, number[]>();
  for (let id = 0; id < total; id++) {
    const g = group[id];
    if (!mixed[g]) continue;
    const list = members.get(g);
    if (list) list.push(id);
    else members.set(g, [id]);
  }
  const action = new Int8Array(total);
  const labels = new Float64Array(total);
  const reasons = { train: new Map<number, string>(), test: new Map<number, string>() };
  const conflicts: ConflictReport = { policy: input.policy, groups: members.size, rows: 0, dropped: 0, relabelled: 0, listed: [], truncated: false };
  const all: ConflictGroup[] = [];
  for (const ids of members.values()) {
    const counts = new Map<number, number>();
    for (const id of ids) counts.set(input.label(id), (counts.get(input.label(id)) ?? 0) + 1);
    const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    const majority = ranked[0][1] > ranked[1][1] ? ranked[0][0] : undefined;
    const text = ranked.map(([value, n]) => `${value} ×${n}`).join(", ");
    let resolution = "kept";
    if (input.policy === "drop" || (input.policy === "majority" && majority === undefined)) {
      resolution = input.policy === "drop" ? "dropped" : "dropped (no majority)";
      for (const id of ids) {
        action[id] = -1;
        const w = input.where(id);
        const local = w.split === "train" ? id : id - input.trainRows;
        reasons[w.split].set(local, `conflicting_label: the same features appear ${ids.length} times with labels ${text} (validation.conflicts: ${input.policy})`);
      }
      conflicts.dropped += ids.length;
    } else if (input.policy === "majority") {
      resolution = `relabelled to ${majority}`;
      for (const id of ids) {
        if (input.label(id) === majority) continue;
        action[id] = 1;
        labels[id] = majority!;
        conflicts.relabelled++;
      }
    }
    conflicts.rows += ids.length;
    const labelCounts: Record<string, number> = {};
    for (const [value, n] of [...counts].sort((a, b) => a[0] - b[0])) labelCounts[String(value)] = n;
    all.push({
      rows: ids.length,
      labels: labelCounts,
      resolution,
      members: ids.slice(0, MAX_LISTED_ROWS).map((id) => {
        const w = input.where(id);
        return { split: w.split, row: w.row, label: input.label(id) };
      }),
    });
  }
  all.sort((a, b) => b.rows - a.rows || a.members[0].split.localeCompare(b.members[0].split) || a.members[0].row - b.members[0].row);
  conflicts.listed = all.slice(0, MAX_LISTED_GROUPS);
  conflicts.truncated = all.length > MAX_LISTED_GROUPS;
  return { report, conflicts, action, labels, reasons };
}
