/**
 * Figures as HTML that works offline: plotly.js is read from the installed `plotly.js-dist`
 * package (as text, through the platform: importing it needs a DOM) and inlined — never a CDN.
 */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import type { PlotlyFigure } from "./figure.ts";

let plotlySource: string | undefined;

const PLOTLY_FILE = "node_modules/plotly.js-dist/plotly.js";

/**
 * Path of the plotly.js bundle that gets inlined: in the project's node_modules, else in the
 * nearest node_modules above it (where npm hoists it when netsec is itself a dependency).
 */
export async function plotlyPath(): Promise<string> {
  let dir = platform.projectRoot();
  for (;;) {
    const candidate = `${dir}/${PLOTLY_FILE}`;
    if ((await platform.stat(candidate))?.isFile) return candidate;
    const up = dir.replace(/\/[^/]*$/, "");
    if (up === dir || up === "") return `${platform.projectRoot()}/${PLOTLY_FILE}`;
    dir = up;
  }
}

/** The plotly.js source text (read once per process). */
export async function loadPlotlySource(): Promise<string> {
  if (plotlySource !== undefined) return plotlySource;
  const path = await plotlyPath();
  if (!(await platform.stat(path))?.isFile) {
    throw new NetsecError("FILE_NOT_FOUND", `plotly.js not found at ${path}: run \`npm ci\` in ${platform.projectRoot()} (package plotly.js-dist)`, { location: { file: path } });
  }
  const text = await platform.readTextFile(path);
  // The bundle must not close the <script> element it is inlined into.
  if (/<\/script/i.test(text)) throw new NetsecError("DATA_INVALID", `${path} contains "</script": cannot inline it safely`);
  plotlySource = text;
  return text;
}

/** JSON safe to place inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

let idCounter = 0;

/** A unique element id for a figure (stable prefix so tests and CSS can find plots). */
export function nextPlotId(prefix = "netsec-plot"): string {
  idCounter += 1;
  return `${prefix}-${Date.now().toString(36)}-${idCounter}`;
}

/**
 * A `<div>` plus the script that draws the figure into it. The script waits for `window.Plotly`
 * (it may be defined by an earlier output of the same page) for up to ~30 s.
 */
export function figureHtml(figure: PlotlyFigure, id = nextPlotId()): string {
  const height = typeof figure.layout.height === "number" ? `${figure.layout.height}px` : "420px";
  return `<div id="${id}" class="netsec-plot" style="width:100%;min-height:${height}"></div>
<script>(function(){var id=${scriptJson(id)},fig=${scriptJson(figure)},tries=0;
function draw(){var el=document.getElementById(id);if(!el){return;}
if(!window.Plotly){if(tries++<600){setTimeout(draw,50);}else{el.textContent="plotly.js did not load";}return;}
window.Plotly.newPlot(el,fig.data,fig.layout,{responsive:true,displaylogo:false});}
draw();})();</script>`;
}

let compressedSource: string | undefined;

/** plotly.js gzip-compressed and base64-encoded (~2.6 MB instead of ~10 MB). */
export async function loadCompressedPlotly(): Promise<string> {
  if (compressedSource !== undefined) return compressedSource;
  const source = await loadPlotlySource();
  const stream = new Blob([source]).stream().pipeThrough(new CompressionStream("gzip"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  compressedSource = btoa(binary);
  return compressedSource;
}

/**
 * A `<script>` that defines `window.Plotly` from gzip+base64 text (browser DecompressionStream).
 * Used for notebook outputs: the Deno kernel drops display messages over ~8 MB, and the raw
 * bundle is ~10 MB.
 */
export function plotlyCompressedScriptTag(base64Gzip: string): string {
  return `<script>(function(){if(window.Plotly||window.__netsecPlotlyLoading){return;}window.__netsecPlotlyLoading=true;
var bin=atob("${base64Gzip}"),bytes=new Uint8Array(bin.length);for(var i=0;i<bin.length;i++){bytes[i]=bin.charCodeAt(i);}
new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text().then(function(src){
var s=document.createElement("script");s.textContent=src;document.head.appendChild(s);});})();</script>`;
}

/** A `<script>` element that defines `window.Plotly` unless the page already has it. */
export function plotlyScriptTag(source: string): string {
  return `<script>if(!window.Plotly){\n${source}\n}</script>`;
}
