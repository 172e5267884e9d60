/**
 * `<artifacts root>/index.html`: every run folder, newest first, with the stages it has and a link
 * to its report. Rewritten each time a report is written, so the reports are reachable from the
 * folder that holds the runs.
 */
import { platform } from "../runtime/index.ts";
import { escapeHtml } from "../viz/html.ts";
import type { RunStatus } from "../artifacts.ts";
import { listRuns, type RunInfo } from "./runs.ts";

/** "complete", "failed in validation: <reason>", "incomplete: running, or stopped before it ended". */
export function runStateText(status: RunStatus | undefined): string {
  if (!status) return "unknown (no run.json)";
  if (status.status === "complete") return "complete";
  if (status.status === "failed") return `failed${status.stage ? ` in ${status.stage}` : ""}${status.reason ? `: ${status.reason.length > 200 ? `${status.reason.slice(0, 200)}…` : status.reason}` : ""}`;
  return "incomplete: running, or stopped before it ended";
}

export const INDEX_FILE = "index.html";

export function renderRunsIndex(runs: readonly RunInfo[], title = "netsec runs"): string {
  const rows = runs.map((r) => {
    const name = escapeHtml(r.run.timestamp);
    const link = r.hasReport ? `<a href="${encodeURIComponent(r.run.timestamp)}/report.html">report</a>` : "";
    return `<tr><td>${name}</td><td>${escapeHtml(runStateText(r.status))}</td><td>${escapeHtml(r.stages.join(", ") || "(none)")}</td><td>${link}</td></tr>`;
  });
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem 2rem}table{border-collapse:collapse}th,td{border:1px solid #ddd;padding:.2rem .6rem;text-align:left}th{background:#f5f5f5}</style>
</head><body><h1>${escapeHtml(title)}</h1>
<table><thead><tr><th>run</th><th>status</th><th>stages</th><th></th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table></body></html>
`;
}

/** Write `<artifactsRoot>/index.html`; returns its path. */
export async function writeRunsIndex(artifactsRoot: string): Promise<string> {
  const path = `${artifactsRoot.replace(/\/+$/, "")}/${INDEX_FILE}`;
  await platform.writeFileAtomic(path, renderRunsIndex(await listRuns(artifactsRoot)));
  return path;
}
