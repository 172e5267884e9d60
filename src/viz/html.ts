/**
 * Figures as HTML that works offline: plotly.js is read from an installed package (the minified
 * bundle, as text through the platform: importing it needs a DOM) and inlined once, gzip-compressed
 * and base64-encoded — never a CDN. Two bundles: "full" (plotly.js-dist-min, every trace type: the
 * notebooks) and "cartesian" (plotly.js-cartesian-dist-min, a third of the size and of the time to
 * start: bar, box, heatmap, scatter … — what the report draws).
 */
import { platform } from "../runtime/index.ts";
import { NetsecError } from "../errors.ts";
import type { PlotlyFigure } from "./figure.ts";
import { html, raw, scriptJson } from "./markup.ts";

export type PlotlyBundle = "full" | "cartesian";

const PLOTLY_FILES: Record<PlotlyBundle, { file: string; pkg: string }> = {
  full: { file: "node_modules/plotly.js-dist-min/plotly.min.js", pkg: "plotly.js-dist-min" },
  cartesian: { file: "node_modules/plotly.js-cartesian-dist-min/plotly-cartesian.min.js", pkg: "plotly.js-cartesian-dist-min" },
};

/** Trace types the cartesian bundle draws. */
const CARTESIAN_TRACES = new Set(["bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour", "image", "pie", "scatter", "scatterternary", "violin"]);

/** The smallest bundle that draws every one of these figures. */
export function plotlyBundleFor(figures: readonly PlotlyFigure[]): PlotlyBundle {
  return figures.every((f) => f.data.every((t) => CARTESIAN_TRACES.has(t.type))) ? "cartesian" : "full";
}

/**
 * Path of the plotly.js bundle that gets inlined: in the project's node_modules, else in the
 * nearest node_modules above it (where npm hoists it when netsec is itself a dependency).
 */
export async function plotlyPath(bundle: PlotlyBundle = "full"): Promise<string> {
  const { file } = PLOTLY_FILES[bundle];
  let dir = platform.projectRoot();
  for (;;) {
    const candidate = `${dir}/${file}`;
    if ((await platform.stat(candidate))?.isFile) return candidate;
    const up = dir.replace(/\/[^/]*$/, "");
    if (up === dir || up === "") return `${platform.projectRoot()}/${file}`;
    dir = up;
  }
}

const sources = new Map<PlotlyBundle, string>();

/** The plotly.js source text (read once per process). */
export async function loadPlotlySource(bundle: PlotlyBundle = "full"): Promise<string> {
  const known = sources.get(bundle);
  if (known !== undefined) return known;
  const path = await plotlyPath(bundle);
  if (!(await platform.stat(path))?.isFile) {
    throw new NetsecError("FILE_NOT_FOUND", `plotly.js not found at ${path}: run \`npm ci\` in ${platform.projectRoot()} (package ${PLOTLY_FILES[bundle].pkg})`, { location: { file: path } });
  }
  const text = await platform.readTextFile(path);
  // The bundle must not close the <script> element it is inlined into.
  if (/<\/script/i.test(text)) throw new NetsecError("DATA_INVALID", `${path} contains "</script": cannot inline it safely`);
  sources.set(bundle, text);
  return text;
}

let idCounter = 0;

/** A unique element id for a figure (stable prefix so tests and CSS can find plots). */
export function nextPlotId(prefix = "netsec-plot"): string {
  idCounter += 1;
  return `${prefix}-${Date.now().toString(36)}-${idCounter}`;
}

export interface FigureHtmlOptions {
  /**
   * Draw only when the box comes within ~one screen of the viewport (IntersectionObserver), so a
   * long page (the report) opens with just its first screen drawn; without the observer, at once.
   */
  lazy?: boolean;
  /** Embed non-integer numbers with 4 significant digits (what a chart and its hover show); integers (counts) exact. */
  compact?: boolean;
}

/** 4 significant digits for non-integers: a figure's data is embedded smaller and draws the same. */
function compactNumber(_key: string, value: unknown): unknown {
  return typeof value === "number" && Number.isFinite(value) && !Number.isInteger(value) ? Number(value.toPrecision(4)) : value;
}

/**
 * A `<div>` plus the script that draws the figure into it. The script waits for `window.Plotly`
 * (it may be defined by an earlier output of the same page, or still be decompressing), looking
 * every 50 ms; after ~60 s without it, the box says so. The box is marked `data-drawn` once drawn.
 */
export function figureHtml(figure: PlotlyFigure, id = nextPlotId(), options: FigureHtmlOptions = {}): string {
  const height = typeof figure.layout.height === "number" ? `${figure.layout.height}px` : "420px";
  const data = options.compact ? JSON.parse(JSON.stringify(figure, compactNumber)) as PlotlyFigure : figure;
  return String(html`<div id="${id}" class="netsec-plot" style="width:100%;min-height:${height}"></div>
<script>(function(){var id=${scriptJson(id)},fig=${scriptJson(data)},lazy=${options.lazy ? "true" : "false"},tries=0;
function draw(){var el=document.getElementById(id);if(!el){return;}
if(!window.Plotly){if(tries++<1200){setTimeout(draw,50);}else{el.textContent="plotly.js did not load";}return;}
window.Plotly.newPlot(el,fig.data,fig.layout,{responsive:true,displaylogo:false}).then(function(){el.setAttribute("data-drawn","");});}
var el=document.getElementById(id);
if(lazy&&el&&window.IntersectionObserver){var io=new IntersectionObserver(function(es){if(es.some(function(e){return e.isIntersecting;})){io.disconnect();draw();}},{rootMargin:"100% 0px"});io.observe(el);}else{draw();}})();</script>`);
}

const compressed = new Map<PlotlyBundle, string>();

/** plotly.js gzip-compressed and base64-encoded (full: ~1.9 MB; cartesian: ~0.6 MB). */
export async function loadCompressedPlotly(bundle: PlotlyBundle = "full"): Promise<string> {
  const known = compressed.get(bundle);
  if (known !== undefined) return known;
  const source = await loadPlotlySource(bundle);
  const stream = new Blob([source]).stream().pipeThrough(new CompressionStream("gzip"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const text = btoa(binary);
  compressed.set(bundle, text);
  return text;
}

/**
 * A `<script>` that defines `window.Plotly` from gzip+base64 text (the browser's
 * DecompressionStream), unless the page already has it. Used by the report (one self-contained
 * file of a few MB) and by notebook outputs (the Deno kernel drops display messages over ~8 MB).
 */
export function plotlyCompressedScriptTag(base64Gzip: string): string {
  return `<script>(function(){if(window.Plotly||window.__netsecPlotlyLoading){return;}window.__netsecPlotlyLoading=true;
var bin=atob("${base64Gzip}"),bytes=new Uint8Array(bin.length);for(var i=0;i<bin.length;i++){bytes[i]=bin.charCodeAt(i);}
new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text().then(function(src){
var s=document.createElement("script");s.textContent=src;document.head.appendChild(s);});})();</script>`;
}

/** A `<script>` element that defines `window.Plotly` from the plain source unless the page already has it. */
export function plotlyScriptTag(source: string): string {
  return String(html`<script>if(!window.Plotly){\n${raw(source)}\n}</script>`);
}
