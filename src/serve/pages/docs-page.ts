/** `GET /docs`: the OpenAPI document rendered as a self-contained page (no CDN, no scripts). */
import { html, join } from "../../viz/markup.ts";

interface Operation {
  summary?: string;
  description?: string;
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, { description?: string; $ref?: string }>;
  security?: unknown[];
}

export function docsPage(doc: Record<string, unknown>): string {
  const info = doc.info as { title: string; version: string; description: string };
  const paths = doc.paths as Record<string, Record<string, Operation>>;
  const sections = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const body = op.requestBody?.content ? html`<p><b>Body:</b> ${join(Object.keys(op.requestBody.content).map((t) => html`<code>${t}</code>`), ", ")}</p>` : "";
      const responses = join(Object.entries(op.responses ?? {}).map(([status, r]) => html`<li><code>${status}</code> ${r.description ?? (r.$ref ? "error (JSON: {error: {status, code, message, row?, column?}})" : "")}</li>`));
      sections.push(html`<section><h2><span class="m ${method}">${method.toUpperCase()}</span> <code>${path}</code>${op.security ? html` <small>(bearer token)</small>` : ""}</h2>
<p>${op.summary ?? ""}</p>${op.description ? html`<p>${op.description}</p>` : ""}${body}<ul>${responses}</ul></section>`);
    }
  }
  return String(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${info.title} — docs</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
section{border-top:1px solid #ddd;padding:.5rem 0}.m{display:inline-block;min-width:4rem;text-align:center;border-radius:4px;color:#fff;font-size:.8em;padding:2px 6px}
.get{background:#2b7bb9}.post{background:#2e9e5b}code{background:#f3f3f3;padding:1px 4px;border-radius:3px}pre{background:#f6f6f6;padding:.75rem;overflow:auto}</style></head>
<body><h1>${info.title} <small>${info.version}</small></h1><p>${info.description}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> · Upload page: <a href="/">/</a></p>
<h2>Examples</h2><pre>curl -s -H 'content-type: text/csv' --data-binary @rows.csv http://127.0.0.1:8000/predict
curl -s -H 'content-type: text/csv' -H 'accept: text/csv' --data-binary @rows.csv http://127.0.0.1:8000/predict -o scored.csv
curl -s -F file=@rows.csv http://127.0.0.1:8000/predict
curl -s -X POST -H "authorization: Bearer $NETSEC_TRAIN_TOKEN" http://127.0.0.1:8000/train</pre>
${join(sections, "\n")}</body></html>`);
}
