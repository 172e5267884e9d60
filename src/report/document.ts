/**
 * The report page: one self-contained HTML document (styles, plotly.js and figures inlined). Pure.
 * The verdict section comes first, above the table of contents: what was trained, how good it is,
 * pushed or not and why, on the first screen.
 */
import { figureHtml } from "../viz/html.ts";
import { html, join, raw, type Markup } from "../viz/markup.ts";
import type { Section } from "./sections.ts";
import type { PlotlyFigure } from "../viz/figure.ts";

export interface DocumentOptions {
  title: string;
  /** Lines under the verdict (run folder, generated at …). */
  subtitle: string[];
  /** The `<script>` that defines plotly.js (inlined once, in <head>). */
  plotlyScript: string;
  /** Files the report looked for and did not find. */
  missing?: string[];
}

const STYLE = `*,*::before,*::after{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1150px;padding:.5rem 1.5rem 2rem;color:#222;line-height:1.4}
h1{margin:.6rem 0 .4rem;font-size:1.6rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
.sub{color:#666;margin:.1rem 0;font-size:.85rem}nav{margin:.6rem 0}nav a{margin-right:1rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem;display:block;overflow-x:auto;max-width:100%}
th,td{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}th{background:#f5f5f5}
table.kv{font-size:.95rem;display:table;width:100%}table.kv>tbody>tr>th{width:9rem;white-space:nowrap}table.kv td{overflow-wrap:anywhere}
.missing{color:#a55;font-style:italic}.note{color:#666;font-size:.85rem}
#verdict h2{display:none}.decision{font-size:1.1rem;margin:.4rem 0;padding:.45rem .7rem;border-radius:4px}
.decision.pushed{background:#e6f4ea;border-left:5px solid #2ca02c}.decision.kept{background:#fdf1e1;border-left:5px solid #e08a00}
.big{font-size:1.15rem}.warnings{background:#fffbe6;border:1px solid #f0e0a0;padding:.3rem .7rem;border-radius:4px;font-size:.85rem;margin-bottom:.6rem}
.warnings ul{margin:.2rem 0;padding-left:1.2rem}details{margin:.5rem 0}summary{cursor:pointer;color:#1f4f99}
.netsec-plot{margin:1rem 0;overflow-x:auto;max-width:100%}
.fig-row{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,470px),1fr));gap:0 1rem;align-items:start}.fig-cell{min-width:0}
@media (max-width:600px){body{padding:.5rem .75rem 2rem}table.kv>tbody>tr>th{width:auto;white-space:normal}}`;

/** Figures are drawn when scrolled near (the first screen opens without waiting for the rest), their numbers rounded. */
const FIGURE_OPTIONS = { lazy: true, compact: true } as const;

function sectionMarkup(s: Section, plotNumber: () => number): Markup {
  const figure = (f: PlotlyFigure) => raw(figureHtml(f, `plot-${s.id}-${plotNumber()}`, FIGURE_OPTIONS));
  const blocks = s.blocks.map((b) =>
    "figure" in b ? figure(b.figure) : "figures" in b ? html`<div class="fig-row">${join(b.figures.map((f) => html`<div class="fig-cell">${figure(f)}</div>`))}</div>` : b.html
  );
  return html`<section id="${s.id}"><h2>${s.title}</h2>
${join(blocks, "\n")}</section>`;
}

export function renderDocument(sections: readonly Section[], options: DocumentOptions): string {
  let plotCount = 0;
  const next = () => ++plotCount;
  const verdict = sections.find((s) => s.id === "verdict");
  const rest = sections.filter((s) => s !== verdict);
  const missing = options.missing?.length
    ? html`<section id="missing"><h2>Files not found</h2><p class="note">Stages that did not run (or not yet) leave these out:</p><ul>${join(options.missing.map((m) => html`<li><code>${m}</code></li>`))}</ul></section>`
    : "";
  return String(html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${options.title}</title><style>${raw(STYLE)}</style>
${raw(options.plotlyScript)}
</head><body>
<h1>${options.title}</h1>
${verdict ? sectionMarkup(verdict, next) : ""}
${join(options.subtitle.map((l) => html`<p class="sub">${l}</p>`), "\n")}
<nav>${join(rest.map((s) => html`<a href="#${s.id}">${s.title}</a>`))}</nav>
${join(rest.map((s) => sectionMarkup(s, next)), "\n")}
${missing}
</body></html>
`);
}
