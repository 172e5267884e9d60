/**
 * `GET /`: upload a CSV, see the predictions as a sortable table (phishing rows highlighted),
 * download them as CSV. Self-contained: inline CSS and JS, no CDN. The page asks /predict for
 * CSV, so the file it offers for download is exactly what the API returned.
 */
import type { Schema } from "../../schema.ts";
import { escapeHtml, scriptJson } from "./html.ts";

const MAX_SHOWN = 2000;

const script = `
const cfg = JSON.parse(document.getElementById("cfg").textContent);
const $ = (id) => document.getElementById(id);
let header = [], rows = [], csvText = "", sortCol = -1, sortDir = 1;

function parseCsv(text) {
  const lines = text.split(/\\r?\\n/).filter((l) => l.length > 0);
  const head = lines.shift().split(",").map((h) => h.replace(/^"|"$/g, "").replace(/""/g, '"'));
  return { head, rows: lines.map((l) => l.split(",").map((v) => (v === "" ? NaN : Number(v)))) };
}

function render() {
  const predCol = header.indexOf("prediction");
  const order = rows.map((_, i) => i);
  if (sortCol >= 0) order.sort((a, b) => {
    const x = rows[a][sortCol], y = rows[b][sortCol];
    const nx = Number.isNaN(x), ny = Number.isNaN(y);
    if (nx || ny) return nx === ny ? a - b : nx ? 1 : -1;
    return (x - y) * sortDir || a - b;
  });
  const thead = "<tr><th data-col='-1'>#</th>" + header.map((h, c) =>
    "<th data-col='" + c + "'" + (c === sortCol ? " aria-sort='" + (sortDir > 0 ? "ascending" : "descending") + "'" : "") + ">" +
    h.replace(/[&<>]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" }[ch])) + (c === sortCol ? (sortDir > 0 ? " ▲" : " ▼") : "") + "</th>").join("") + "</tr>";
  const shown = order.slice(0, cfg.maxShown);
  const body = shown.map((i) => {
    const r = rows[i];
    const cls = r[predCol] === cfg.positive ? " class='positive'" : "";
    return "<tr" + cls + "><td>" + (i + 1) + "</td>" + r.map((v) => "<td>" + (Number.isNaN(v) ? "" : v) + "</td>").join("") + "</tr>";
  }).join("");
  $("table").innerHTML = "<thead>" + thead + "</thead><tbody>" + body + "</tbody>";
  const phishing = rows.filter((r) => r[predCol] === cfg.positive).length;
  $("summary").textContent = rows.length + " rows scored, " + phishing + " predicted " + cfg.positiveLabel +
    (rows.length > shown.length ? " (table shows the first " + shown.length + "; the download has all)" : "");
}

$("table").addEventListener("click", (e) => {
  const th = e.target.closest("th");
  if (!th) return;
  const col = Number(th.dataset.col);
  if (col === sortCol) sortDir = -sortDir; else { sortCol = col; sortDir = col === header.indexOf("probability") ? -1 : 1; }
  render();
});

$("form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const file = $("file").files[0];
  if (!file) { $("status").textContent = "Choose a CSV file first."; return; }
  $("status").textContent = "Scoring " + file.name + "…";
  $("download").hidden = true;
  const body = new FormData();
  body.append("file", file, file.name);
  try {
    const response = await fetch("predict", { method: "POST", body, headers: { accept: "text/csv" } });
    if (!response.ok) {
      let message = response.status + " " + response.statusText;
      try { message = (await response.json()).error.message; } catch {}
      $("status").textContent = "Refused: " + message;
      $("status").className = "error";
      return;
    }
    csvText = await response.text();
    const parsed = parseCsv(csvText);
    header = parsed.head; rows = parsed.rows; sortCol = -1; sortDir = 1;
    $("status").className = "";
    $("status").textContent = "Model version " + response.headers.get("x-model-version") + ".";
    const url = URL.createObjectURL(new Blob([csvText], { type: "text/csv" }));
    $("download").href = url;
    $("download").download = file.name.replace(/\\.csv$/i, "") + "-predictions.csv";
    $("download").hidden = false;
    render();
  } catch (error) {
    $("status").textContent = "Request failed: " + error.message;
    $("status").className = "error";
  }
});
`;

export function indexPage(schema: Schema): string {
  const positiveLabel = schema.labelOf(schema.target.positive);
  const cfg = { positive: schema.target.positive, positiveLabel, maxShown: MAX_SHOWN };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>netsec — score a CSV</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem;color:#222}
form{display:flex;gap:.75rem;align-items:center;margin:1rem 0}
#status.error{color:#b00020}
table{border-collapse:collapse;font-size:13px;margin-top:.75rem}
th,td{border:1px solid #d4d4d4;padding:2px 6px;text-align:right;white-space:nowrap}
th{background:#f2f2f2;cursor:pointer;position:sticky;top:0;user-select:none}
tr.positive td{background:#fde2e1}
.legend{display:inline-block;width:1em;height:1em;background:#fde2e1;border:1px solid #d4d4d4;vertical-align:middle}
</style></head><body>
<h1>Score websites with the netsec model</h1>
<p>Upload a CSV with the ${schema.featureNames.length} feature columns of <code>${escapeHtml(schema.name)}</code> (values -1, 0, 1; empty = missing).
A <code>${escapeHtml(schema.target.name)}</code> column may be present; it is kept in the output but not used.
<span class="legend"></span> rows are predicted <b>${escapeHtml(positiveLabel)}</b>; <i>probability</i> is the probability of ${escapeHtml(positiveLabel)}. Click a column header to sort.
API: <a href="docs">docs</a>.</p>
<form id="form"><input id="file" type="file" accept=".csv,text/csv" name="file"><button type="submit">Score</button>
<a id="download" hidden>Download predictions (CSV)</a></form>
<p id="status" role="status"></p><p id="summary"></p>
<table id="table"></table>
<script type="application/json" id="cfg">${scriptJson(cfg)}</script>
<script>${script}</script>
</body></html>`;
}
