/**
 * The monitoring report as one self-contained HTML page (GET /monitor and `netsec monitor`'s
 * report.html): verdict first, the drift chart (PSI per feature as inline SVG bars, the drift
 * threshold marked: no script, no CDN, light enough to serve on every request), the predicted
 * probabilities against the test split's, CBPE's estimates with their intervals and whether to
 * trust them, and the per-feature table (PSI, chi-square and KS p-values). Built with the one HTML
 * builder (src/viz/markup.ts): every value is escaped.
 */
import { html, raw, type Markup } from "../viz/markup.ts";
import type { ColumnComparison, MonitorReport } from "./analysis.ts";

export interface PageContext {
  title: string;
  /** Lines about the model and the window (version, rows seen, …). */
  facts: [string, string][];
  /** Link to the same report as JSON, if any. */
  jsonHref?: string;
}

const num = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits));
const pv = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v < 1e-4 ? v.toExponential(1) : v.toFixed(4));

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:980px;color:#1d2430;padding:0 16px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}.verdict{font-size:16px;padding:10px 14px;border-radius:6px;background:#eef6ee}
.verdict.bad{background:#fbeaea}table{border-collapse:collapse;width:100%}td,th{padding:4px 8px;border-bottom:1px solid #e3e6ea;text-align:right}
td:first-child,th:first-child{text-align:left}tr.drift td{color:#b3261e;font-weight:600}.facts td{text-align:left}.note{color:#5b6470}svg text{font:11px system-ui,sans-serif}`;

/** Horizontal bars of PSI per feature, capped at 1, with the drift threshold as a dashed line. */
function psiChart(features: ColumnComparison[], threshold: number): Markup {
  const rowH = 16, left = 190, width = 560, top = 10;
  const cap = 1;
  const x = (v: number) => left + (Math.min(Math.max(v, 0), cap) / cap) * width;
  const height = top + features.length * rowH + 24;
  const bars = features.map((f, i) => {
    const y = top + i * rowH;
    const v = Number.isFinite(f.psi) ? f.psi : 0;
    return html`<text x="${left - 6}" y="${y + 11}" text-anchor="end">${f.name}</text><rect x="${left}" y="${y + 2}" width="${Math.max(1, x(v) - left)}" height="${rowH - 5}" fill="${f.drifted ? "#d93025" : "#4a7fd4"}"><title>${f.name}: PSI ${num(f.psi, 4)}${f.drifted ? " (drift)" : ""}</title></rect><text x="${x(v) + 4}" y="${y + 11}">${num(f.psi)}</text>`;
  });
  const tx = x(threshold);
  const axis = [0, 0.25, 0.5, 0.75, 1].map((t) => html`<text x="${x(t)}" y="${height - 6}" text-anchor="middle">${t === 1 ? "≥ 1" : String(t)}</text>`);
  return html`<svg role="img" aria-label="PSI per feature" width="${left + width + 60}" height="${height}" viewBox="0 0 ${left + width + 60} ${height}">${bars}<line x1="${tx}" x2="${tx}" y1="${top}" y2="${height - 20}" stroke="#b3261e" stroke-dasharray="4 3"/><text x="${tx + 3}" y="${top - 1}" fill="#b3261e">PSI ${threshold}</text>${axis}</svg>`;
}

/** Shares per probability bin: test split (grey) against the window (blue). */
function probabilityChart(p: ColumnComparison): Markup {
  const share = (counts: number[]) => {
    const total = counts.reduce((s, v) => s + v, 0) || 1;
    return counts.map((c) => c / total);
  };
  const ref = share(p.reference);
  const cur = share(p.current);
  const max = Math.max(...ref, ...cur, 1e-9);
  const w = 34, h = 140, left = 30, top = 10;
  const bars = ref.map((r, b) => {
    const x0 = left + b * w;
    const hr = (r / max) * h;
    const hc = (cur[b]! / max) * h;
    return html`<rect x="${x0 + 3}" y="${top + h - hr}" width="${w / 2 - 3}" height="${hr}" fill="#9aa3ad"><title>${p.buckets[b]}: test split ${num(r * 100, 1)} %</title></rect><rect x="${x0 + w / 2}" y="${top + h - hc}" width="${w / 2 - 3}" height="${hc}" fill="#4a7fd4"><title>${p.buckets[b]}: window ${num(cur[b]! * 100, 1)} %</title></rect>`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => html`<text x="${left + t * ref.length * w}" y="${top + h + 14}" text-anchor="middle">${String(t)}</text>`);
  return html`<svg role="img" aria-label="predicted probabilities" width="${left + ref.length * w + 20}" height="${h + 40}">${bars}${ticks}<text x="${left}" y="${h + 44}" class="note">grey: test split, blue: this window (share of rows per bin of P(positive))</text></svg>`;
}

export function monitorPage(report: MonitorReport, context: PageContext): string {
  const bad = report.drifted.length > 0 || report.probability.drifted || !report.estimate.trusted;
  const est = report.estimate;
  const page = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${context.title}</title><style>${raw(STYLE)}</style></head><body>
<h1>${context.title}</h1>
<p class="verdict${bad ? " bad" : ""}">${report.summary}</p>
<table class="facts">${context.facts.map(([k, v]) => html`<tr><td>${k}</td><td>${v}</td></tr>`)}</table>
${context.jsonHref ? html`<p class="note">The same report as JSON: <a href="${context.jsonHref}">${context.jsonHref}</a></p>` : ""}
<h2>Drift per feature (PSI against the training data)</h2>
<p class="note">A feature drifts when PSI ≥ ${report.thresholds.psi} and the chi-square p-value &lt; ${report.thresholds.pValue}${report.enough ? "" : html` — no verdict: fewer than ${report.thresholds.minRows} rows`}.</p>
${psiChart(report.features, report.thresholds.psi)}
<h2>Predicted probabilities</h2>
<p class="note">PSI ${num(report.probability.psi)}, chi-square p ${pv(report.probability.chi2?.pValue)}${report.probability.drifted ? " — drifted" : ""}.</p>
${probabilityChart(report.probability)}
<h2>Estimated performance (CBPE, no labels needed)</h2>
<p class="note">At the model's threshold ${num(est.threshold, 4)}; interval: ± 3 standard errors of the sampling error on this many rows. ${est.trusted ? "The estimate can be trusted as far as calibration and window size go (it assumes no concept drift)." : html`<strong>Not to be trusted:</strong> ${est.reasons.join("; ")}.`}</p>
<table><tr><th>metric</th><th>estimate</th><th>interval</th><th>test split (real)</th></tr>
${est.metrics.map((m) => html`<tr><td>${m.metric}</td><td>${num(m.value)}</td><td>[${num(m.lower)}, ${num(m.upper)}]</td><td>${num(est.reference[m.metric])}</td></tr>`)}</table>
<p class="note">Calibration on the test split: Brier ${num(est.calibration.brier, 4)}, ECE ${num(est.calibration.ece, 4)}; after isotonic calibration, out of sample: ECE ${num(est.calibration.calibratedEce, 4)} (trusted up to ${report.thresholds.maxCalibratedEce}).</p>
<h2>Features</h2>
<table><tr><th>feature</th><th>PSI</th><th>chi-square p</th><th>KS p</th><th>drift</th></tr>
${report.features.map((f) => html`<tr class="${f.drifted ? "drift" : ""}"><td>${f.name}</td><td>${num(f.psi, 4)}</td><td>${pv(f.chi2?.pValue)}</td><td>${pv(f.ks?.pValue)}</td><td>${f.drifted ? "yes" : ""}</td></tr>`)}</table>
</body></html>`;
  return page.toString();
}
