/**
 * `GET /`: upload a CSV, see the predictions as a sortable table — prediction, probability and the
 * top reasons of each flagged row first, then the features — choose the decision threshold
 * (default: the model's own, from /model; any value in [0, 1] submits), download them as CSV.
 * Self-contained: inline CSS and JS, no CDN. The page asks /predict for CSV, so the file it offers
 * for download is exactly what the API returned. The table scrolls inside its own box, so the page
 * never scrolls sideways (checked at 1280 and 390 px by tests/serve/upload-page.test.ts). Cells are
 * filled with `textContent` (never innerHTML), so a column name or value cannot become markup.
 */
import type { Schema } from "../../schema.ts";
import { html, raw, scriptJson, type Markup } from "../../viz/markup.ts";

const MAX_SHOWN = 2000;

const script = `
const cfg = JSON.parse(document.getElementById("cfg").textContent);
const $ = (id) => document.getElementById(id);
// header: the columns shown, in order (# excluded); rows: numbers per shown column; reasons: text per row
let header = [], rows = [], reasons = [], csvText = "", sortCol = -1, sortDir = 1, downloadUrl = "";
// Feedback (when the server takes it): the scoring request's id and each row's mark.
let requestId = "", marks = {};

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

/**
 * Order the answer for reading: prediction, probability, top reasons (from the contribution:*
 * columns), then every other column as the file had it.
 */
function arrange(parsed) {
  const isContribution = (h) => h.startsWith("contribution:");
  const contribCols = parsed.head.map((h, i) => (isContribution(h) && h !== "contribution:base" ? i : -1)).filter((i) => i >= 0);
  const names = contribCols.map((i) => parsed.head[i].slice("contribution:".length));
  const featureAt = names.map((n) => parsed.head.indexOf(n));
  const pred = parsed.head.indexOf("prediction");
  const prob = parsed.head.indexOf("probability");
  const rest = parsed.head.map((h, i) => i).filter((i) => i !== pred && i !== prob && !isContribution(parsed.head[i]));
  const keep = [pred, prob, ...rest].filter((i) => i >= 0);
  header = keep.map((i) => parsed.head[i]);
  rows = parsed.rows.map((r) => keep.map((i) => r[i]));
  reasons = parsed.rows.map((r) => (contribCols.length && r[pred] === cfg.positive ? topReasons(names, featureAt.map((i) => r[i]), contribCols.map((i) => r[i])) : ""));
  if (contribCols.length) header.splice(keep.indexOf(prob) + 1, 0, "top reasons");
}

function cellText(column, value) {
  if (Number.isNaN(value)) return "";
  if (column === "prediction") return (cfg.labels[String(value)] ?? "") + " (" + value + ")";
  if (column === "probability") return value.toFixed(3);
  return String(value);
}

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

function render() {
  const predCol = header.indexOf("prediction");
  const reasonCol = header.indexOf("top reasons");
  // value index of shown column c (top reasons has no value column)
  const valueAt = header.map((h, c) => (reasonCol >= 0 && c > reasonCol ? c - 1 : c));
  const order = rows.map((_, i) => i);
  if (sortCol >= 0) order.sort((a, b) => {
    const x = rows[a][valueAt[sortCol]], y = rows[b][valueAt[sortCol]];
    const nx = Number.isNaN(x), ny = Number.isNaN(y);
    if (nx || ny) return nx === ny ? a - b : nx ? 1 : -1;
    return (x - y) * sortDir || a - b;
  });
  const head = document.createElement("tr");
  head.append(el("th", "#"));
  header.forEach((h, c) => {
    const th = el("th", h + (c === sortCol ? (sortDir > 0 ? " ▲" : " ▼") : ""), h === "top reasons" ? "why" : "");
    th.dataset.col = String(c);
    if (c === sortCol) th.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending");
    head.append(th);
  });
  if (cfg.feedback) head.append(el("th", "feedback", "why"));
  const thead = document.createElement("thead");
  thead.append(head);
  const tbody = document.createElement("tbody");
  const shown = order.slice(0, cfg.maxShown);
  for (const i of shown) {
    const r = rows[i];
    const tr = document.createElement("tr");
    if (r[predCol] === cfg.positive) tr.className = "positive";
    tr.append(el("td", String(i + 1)));
    header.forEach((h, c) => tr.append(c === reasonCol ? el("td", reasons[i], "why") : el("td", cellText(h, r[valueAt[c]]))));
    if (cfg.feedback) tr.append(markCell(i));
    tbody.append(tr);
  }
  $("table").replaceChildren(thead, tbody);
  const flagged = rows.filter((r) => r[predCol] === cfg.positive).length;
  $("summary").textContent = rows.length + " rows scored, " + flagged + " predicted " + cfg.positiveLabel +
    (rows.length > shown.length ? " (the table shows the first " + shown.length + "; the download has all)" : "");
}

/** Row i's feedback cell: its mark, or the two buttons that send one (POST /feedback). */
function markCell(i) {
  const td = el("td", undefined, "why");
  if (marks[i] !== undefined) { td.textContent = marks[i] ? "marked right" : "marked wrong"; return td; }
  for (const [text, correct] of [["right", true], ["wrong", false]]) {
    const b = el("button", text);
    b.type = "button"; b.dataset.row = String(i); b.dataset.correct = String(correct);
    td.append(b);
  }
  return td;
}

$("table").addEventListener("click", async (e) => {
  const b = e.target.closest("button[data-row]");
  if (!b) return;
  const i = Number(b.dataset.row), correct = b.dataset.correct === "true";
  const response = await fetch("feedback", { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer " + $("fbtoken").value.trim() }, body: JSON.stringify({ request_id: requestId, row: i + 1, correct }) }).catch(() => null);
  if (!response || !response.ok) {
    let message = response ? response.status + " " + response.statusText : "request failed";
    try { message = (await response.json()).error.message; } catch {}
    $("status").className = "error";
    $("status").textContent = "Feedback on row " + (i + 1) + " refused: " + message;
    return;
  }
  marks[i] = correct;
  b.closest("td").replaceWith(markCell(i));
  $("status").className = "";
  $("status").textContent = "Row " + (i + 1) + " marked " + (correct ? "right" : "wrong") + ".";
});

$("table").addEventListener("click", (e) => {
  const th = e.target.closest("th");
  if (!th || th.dataset.col === undefined) return;
  const col = Number(th.dataset.col);
  if (header[col] === "top reasons") return;
  if (col === sortCol) sortDir = -sortDir; else { sortCol = col; sortDir = header[col] === "probability" ? -1 : 1; }
  render();
});

/** Forget the previous file's result: its table, summary and download. */
function clearResult() {
  $("result").hidden = true;
  $("table").replaceChildren();
  $("summary").textContent = "";
  $("download").hidden = true;
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = "";
}

function busy(on, text) {
  $("progress").hidden = !on;
  $("score").disabled = on;
  $("form").setAttribute("aria-busy", String(on));
  $("status").className = "";
  $("status").textContent = text;
}

function refuse(message) {
  clearResult();
  busy(false, message);
  $("status").className = "error";
}

$("form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const file = $("file").files[0];
  if (!file) { refuse("Choose a CSV file first."); return; }
  clearResult();
  busy(true, "Scoring " + file.name + "…");
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
      refuse("Refused " + file.name + ": " + message);
      return;
    }
    csvText = await response.text();
    requestId = response.headers.get("x-request-id") ?? ""; marks = {};
    arrange(parseCsv(csvText));
    sortCol = -1; sortDir = 1;
    busy(false, file.name + ": model version " + response.headers.get("x-model-version") + ".");
    downloadUrl = URL.createObjectURL(new Blob([csvText], { type: "text/csv" }));
    $("download").href = downloadUrl;
    $("download").download = file.name.replace(/\\.csv$/i, "") + "-predictions.csv";
    $("download").hidden = false;
    render();
    $("result").hidden = false;
  } catch (error) {
    refuse("Request failed: " + error.message);
  }
});
`;

const STYLE = `*,*::before,*::after{box-sizing:border-box}
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;padding:1rem 1.25rem;max-width:80rem;color:#222}
h1{font-size:1.5rem;margin:.25rem 0 .75rem}
p{max-width:60rem}
form{display:flex;flex-wrap:wrap;gap:.5rem .75rem;align-items:center;margin:1rem 0}
input[type=file]{max-width:100%}
#status{min-height:1.45em;margin:.25rem 0}#status.error{color:#b00020;font-weight:600}
progress{width:10rem;vertical-align:middle}
.scroll{overflow:auto;max-width:100%;max-height:75vh;border:1px solid #d4d4d4}
table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid #d4d4d4;padding:2px 6px;text-align:right;white-space:nowrap}
th{background:#f2f2f2;cursor:pointer;position:sticky;top:0;user-select:none}
tr.positive td{background:#fde2e1}
.legend{display:inline-block;width:1em;height:1em;background:#fde2e1;border:1px solid #d4d4d4;vertical-align:middle}
td.why{text-align:left;white-space:normal;min-width:16rem;max-width:26rem}
@media (max-width:600px){body{padding:.75rem}td.why{min-width:11rem}}
th.why{text-align:left;cursor:default}
label{white-space:nowrap}
#threshold{width:12rem}
details{margin:.5rem 0}`;

/** `feedback`: the server takes POST /feedback (a token and a prediction log): rows get right/wrong buttons. */
export function indexPage(schema: Schema, options: { feedback?: boolean } = {}): string {
  const positiveLabel = schema.labelOf(schema.target.positive);
  const labels = Object.fromEntries(schema.target.allowed.map((v) => [String(v), schema.labelOf(v)]));
  const cfg = { positive: schema.target.positive, positiveLabel, labels, maxShown: MAX_SHOWN, topReasons: 3, feedback: options.feedback === true };
  const page: Markup = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>netsec — score a CSV</title>
<style>${raw(STYLE)}</style></head><body>
<h1>Score websites with the netsec model</h1>
<p>Upload a CSV with the ${schema.featureNames.length} feature columns of <code>${schema.name}</code> (values -1, 0, 1; empty = missing).
A <code>${schema.target.name}</code> column may be present; it is kept in the output but not used.</p>
<form id="form"><input id="file" type="file" accept=".csv,text/csv" name="file">
<label>threshold <input id="threshold" type="number" min="0" max="1" step="any" placeholder="model's"></label>
<label><input id="explain" type="checkbox" checked> top reasons</label>
${options.feedback ? html`<label>feedback token <input id="fbtoken" type="password" autocomplete="off"></label>` : ""}
<button id="score" type="submit">Score</button>
<progress id="progress" hidden aria-label="scoring"></progress>
<a id="download" hidden>Download predictions (CSV)</a></form>
<p id="status" role="status" aria-live="polite"></p>
<div id="result" hidden><p id="summary"></p>
<div class="scroll"><table id="table"></table></div>
<details><summary>How to read the table</summary><p><span class="legend"></span> rows are predicted <b>${positiveLabel}</b>: their probability of ${positiveLabel} is at least the threshold (the model's own unless you change it).
<i>top reasons</i>: the features that pushed a flagged row most towards ${positiveLabel} (their contribution to the model's output). Click a column header to sort.</p></details></div>
<p>API: <a href="docs">docs</a>.</p>
<script type="application/json" id="cfg">${scriptJson(cfg)}</script>
<script>${raw(script)}</script>
</body></html>`;
  return String(page);
}
