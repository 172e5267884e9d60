/** One line saying which stages a step reused (and from where) and which it ran. */
import type { Provenance } from "./engine.ts";

const NAMES: Record<string, string> = { ingestion: "ingest", validation: "validate", transformation: "transform", trainer: "search", evaluation: "evaluate" };

const folder = (dir: string) => dir.split("/").filter(Boolean).at(-1) ?? dir;

export function provenanceLine(list: readonly Provenance[]): string {
  const reused = list.filter((p) => p.origin !== "ran");
  const ran = list.filter((p) => p.origin === "ran");
  const parts: string[] = [];
  if (reused.length) {
    const byRun = new Map<string, string[]>();
    for (const p of reused) byRun.set(p.run, [...(byRun.get(p.run) ?? []), NAMES[p.stage]]);
    parts.push(`reused (same inputs, nothing re-run): ${[...byRun].map(([run, stages]) => `${stages.join(", ")} from run ${folder(run)}`).join("; ")}`);
  }
  if (ran.length) parts.push(`ran: ${ran.map((p) => `${NAMES[p.stage]} ${p.seconds?.toFixed(1) ?? "?"} s`).join(", ")} into run ${folder(ran[ran.length - 1].run)}`);
  return parts.join("; ");
}
