/**
 * `<artifacts root>/index.html`: every run folder, newest first, with the stages it has and a link
 * to its report. Rewritten each time a report is written, so the reports are reachable from the
 * folder that holds the runs.
 */
import { platform } from "../runtime/index.ts";
import { html, join, raw } from "../viz/markup.ts";
import { listRuns, type RunInfo } from "./runs.ts";
import { runTableCells } from "../tracking/runs.ts";


export const INDEX_FILE = "index.html";

/** Click a column head to sort by it (again: reverse); numbers sort as numbers, empty cells last. */
const SORT_SCRIPT = `document.querySelectorAll("table.runs th[data-col]").forEach((th) => th.addEventListener("click", () => {
  const table = th.closest("table"), body = table.tBodies[0], col = Number(th.dataset.col);
  const dir = th.dataset.dir === "asc" ? -1 : 1; table.querySelectorAll("th").forEach((h) => delete h.dataset.dir); th.dataset.dir = dir === 1 ? "asc" : "desc";
  const key = (tr) => tr.cells[col].dataset.sort ?? tr.cells[col].textContent.trim();
  [...body.rows].sort((a, b) => { const x = key(a), y = key(b); if (x === "" || y === "") return x === "" ? 1 : -1;
    const nx = Number(x), ny = Number(y); return dir * (Number.isNaN(nx) || Number.isNaN(ny) ? x.localeCompare(y) : nx - ny); }).forEach((tr) => body.appendChild(tr));
}));`;

export function renderRunsIndex(runs: readonly RunInfo[], title = "netsec runs"): string {
  const heads = ["run", ...Object.keys(runTableCells({ id: "", name: "", time: "", params: {}, where: "folder" })).filter((h) => h !== "time" && h !== "where"), "stages", ""];
  const rows = runs.map((r) => {
    const cells = runTableCells(r.row);
    const link = r.hasReport ? html`<a href="${encodeURIComponent(r.run.timestamp)}/report.html">report</a>` : "";
    const values = Object.entries(cells).filter(([h]) => h !== "time" && h !== "where").map(([, v]) => html`<td>${v}</td>`);
    return html`<tr><td data-sort="${r.row.time}">${r.run.timestamp}</td>${join(values)}<td>${r.stages.join(", ") || "(none)"}</td><td>${link}</td></tr>`;
  });
  return String(html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem 2rem}table{border-collapse:collapse}th,td{border:1px solid #ddd;padding:.2rem .6rem;text-align:left}th{background:#f5f5f5}th[data-col]{cursor:pointer}th[data-dir=asc]::after{content:" ▲"}th[data-dir=desc]::after{content:" ▼"}</style>
</head><body><h1>${title}</h1>
<p>Click a column to sort. The same columns as <code>netsec runs</code>.</p>
<table class="runs"><thead><tr>${join(heads.map((h, i) => (h ? html`<th data-col="${i}">${h}</th>` : html`<th></th>`)))}</tr></thead><tbody>
${join(rows, "\n")}
</tbody></table>
<script>${raw(SORT_SCRIPT)}</script></body></html>
`);
}

/** Write `<artifactsRoot>/index.html`; returns its path. */
export async function writeRunsIndex(artifactsRoot: string): Promise<string> {
  const path = `${artifactsRoot.replace(/\/+$/, "")}/${INDEX_FILE}`;
  await platform.writeFileAtomic(path, renderRunsIndex(await listRuns(artifactsRoot)));
  return path;
}
