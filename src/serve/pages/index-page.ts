/**
 * `GET /`: upload a CSV, see the predictions as a sortable table (phishing rows highlighted, with
 * the top reasons of each flagged row from the model's per-feature contributions), choose the
 * decision threshold (default: the model's own, from /model), download them as CSV.
 * Self-contained: inline CSS and JS, no CDN. The page asks /predict for CSV, so the file it offers
 * for download is exactly what the API returned.
 */
import type { Schema } from "../../schema.ts";
import { escapeHtml, scriptJson } from "./html.ts";

const MAX_SHOWN = 2000;

const script = `
const cfg = JSON.parse(document.getElementById("cfg").textContent);
const $ = (id) => document.getElementById(id);
let header = [], rows = [], reasons = [], csvText = "", sortCol = -1, sortDir = 1;

// The model's threshold and whether it can explain: asked once, awaited before the first upload.
const modelInfo = fetch("model").then((r) => (r.ok ? r.json() : null)).then((m) => {
  if (!m) return null;
  if (typeof m.threshold === "number") { $("threshold").value = String(m.threshold); $("threshold").dataset.model = String(m.threshold); }
  if (m.explainable !== true) { $("explain").checked = false; $("explain").disabled = true; }
  return m;
}).catch(() => null);

/** The top reasons of a flagged row: the features pushing it most towards the positive class. */
function topReasons(names, values, contributions) {
  return contributions.map((c, i) => ({ c, i })).filter((e) => e.c > 0).sort((a, b) => b.c - a.c).slice(0, cfg.topReasons)
    .map((e) => names[e.i] + " = " + values[e.i] + " (+" + e.c.toFixed(3) + ")").join("; ");
}

function parseCsv(text) {
  const lines = text.split(/\\r?\\n/).filter((l) => l.length > 0);
  const head = lines.shift().split(",").map((h) => h.replace(/^"|"$/g, "").replace(/""/g, '"'));
  return { head, rows: lines.map((l) => l.split(",").map((v) => (v === "" ? NaN : Number(v)))) };
}

/** Split the answer: contribution:* columns become each flagged row's top reasons. */
function splitExplanations(parsed) {
  const contribCols = parsed.head.map((h, i) => (h.startsWith("contribution:") && h !== "contribution:base" ? i : -1)).filter((i) => i >= 0);
  const keep = parsed.head.map((h, i) => (h.startsWith("contribution:") ? -1 : i)).filter((i) => i >= 0);
  const names = contribCols.map((i) => parsed.head[i].slice("contribution:".length));
  const featureAt = names.map((n) => parsed.head.indexOf(n));
  const pred = parsed.head.indexOf("prediction");
  header = keep.map((i) => parsed.head[i]);
  rows = parsed.rows.map((r) => keep.map((i) => r[i]));
  reasons = parsed.rows.map((r) => (contribCols.length && r[pred] === cfg.positive ? topReasons(names, featureAt.map((i) => r[i]), contribCols.map((i) => r[i])) : ""));
  if (contribCols.length) header.push("top reasons");
}

function render() {
  const predCol = header.indexOf("prediction");
  const reasonCol = header.indexOf("top reasons");
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
    const why = reasonCol >= 0 ? "<td class='why'>" + reasons[i].replace(/[&<>]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" }[ch])) + "</td>" : "";
    return "<tr" + cls + "><td>" + (i + 1) + "</td>" + r.map((v) => "<td>" + (Number.isNaN(v) ? "" : v) + "</td>").join("") + why + "</tr>";
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
  if (header[col] === "top reasons") return;
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
  const info = await modelInfo;
  const params = new URLSearchParams();
  const t = $("threshold").value.trim();
  if (t !== "" && t !== $("threshold").dataset.model) params.set("threshold", t);
  if ($("explain").checked && info && info.explainable === true) params.set("explain", "true");
  try {
    const response = await fetch("predict" + (params.size ? "?" + params : ""), { method: "POST", body, headers: { accept: "text/csv" } });
    if (!response.ok) {
      let message = response.status + " " + response.statusText;
      try { message = (await response.json()).error.message; } catch {}
      $("status").textContent = "Refused: " + message;
      $("status").className = "error";
      return;
    }
    csvText = await response.text();
    splitExplanations(parseCsv(csvText));
    sortCol = -1; sortDir = 1;
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
  const cfg = { positive: schema.target.positive, positiveLabel, maxShown: MAX_SHOWN, topReasons: 3 };
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
td.why{text-align:left;white-space:normal;min-width:18rem}
label{white-space:nowrap}
#threshold{width:5.5rem}
</style></head><body>
<h1>Score websites with the netsec model</h1>
<p>Upload a CSV with the ${schema.featureNames.length} feature columns of <code>${escapeHtml(schema.name)}</code> (values -1, 0, 1; empty = missing).
A <code>${escapeHtml(schema.target.name)}</code> column may be present; it is kept in the output but not used.
<span class="legend"></span> rows are predicted <b>${escapeHtml(positiveLabel)}</b>: their probability of ${escapeHtml(positiveLabel)} is at least the threshold (the model's own unless you change it).
<i>top reasons</i>: the features that pushed a flagged row most towards ${escapeHtml(positiveLabel)} (their contribution to the model's output). Click a column header to sort.
API: <a href="docs">docs</a>.</p>
<form id="form"><input id="file" type="file" accept=".csv,text/csv" name="file">
<label>threshold <input id="threshold" type="number" min="0" max="1" step="0.01" placeholder="model's"></label>
<label><input id="explain" type="checkbox" checked> top reasons</label>
<button type="submit">Score</button>
<a id="download" hidden>Download predictions (CSV)</a></form>
<p id="status" role="status"></p><p id="summary"></p>
<table id="table"></table>
<script type="application/json" id="cfg">${scriptJson(cfg)}</script>
<script>${script}</script>
</body></html>`;
}
