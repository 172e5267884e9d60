/** The report page: one self-contained HTML document (styles, plotly.js and figures inlined). Pure. */
import { escapeHtml, figureHtml, plotlyScriptTag } from "../viz/html.ts";
import type { Section } from "./sections.ts";

export interface DocumentOptions {
  title: string;
  /** Lines under the title (run folder, generated at …). */
  subtitle: string[];
  /** plotly.js source text, inlined once in <head>. */
  plotly: string;
  /** Files the report looked for and did not find. */
  missing?: string[];
}

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1150px;padding:1rem 2rem;color:#222}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
.sub{color:#666;margin:.1rem 0}nav a{margin-right:1rem}table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem}
th,td{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}th{background:#f5f5f5}
table.kv>tbody>tr>th{width:14rem}.missing{color:#a55;font-style:italic}.note{color:#666;font-size:.85rem}
.netsec-plot{margin:1rem 0}`;

export function renderDocument(sections: readonly Section[], options: DocumentOptions): string {
  let plotCount = 0;
  const body = sections.map((s) => {
    const blocks = s.blocks.map((b) => ("figure" in b ? figureHtml(b.figure, `plot-${s.id}-${++plotCount}`) : b.html)).join("\n");
    return `<section id="${s.id}"><h2>${escapeHtml(s.title)}</h2>\n${blocks}</section>`;
  }).join("\n");
  const missing = options.missing?.length
    ? `<section id="missing"><h2>Files not found</h2><p class="note">Stages that did not run (or not yet) leave these out:</p><ul>${options.missing.map((m) => `<li><code>${escapeHtml(m)}</code></li>`).join("")}</ul></section>`
    : "";
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(options.title)}</title><style>${STYLE}</style>
${plotlyScriptTag(options.plotly)}
</head><body>
<h1>${escapeHtml(options.title)}</h1>
${options.subtitle.map((l) => `<p class="sub">${escapeHtml(l)}</p>`).join("\n")}
<nav>${sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join("")}</nav>
${body}
${missing}
</body></html>
`;
}
