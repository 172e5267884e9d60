// netsec report: one self-contained HTML file per run, from the stage outputs of a run folder.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { renderRunReport, writeRunReport } from "../../src/report/write.ts";
import { loadRunRecord, runRecordOf } from "../../src/report/record.ts";
import { renderRunsIndex } from "../../src/report/index-page.ts";
import { listRuns } from "../../src/report/runs.ts";
import { DENO, ROOT, tempDir } from "../helpers/env.ts";
import { runFixture, writeFixtureRun } from "./fixture-run.ts";
import type { PlotlyFigure } from "../../src/viz/figure.ts";
import { loadSchema } from "../../src/schema.ts";

const schema = await loadSchema();

const plotIds = (html: string) => [...html.matchAll(/<div id="(plot-[^"]+)" class="netsec-plot"/g)].map((m) => m[1]);
/** Each inlined figure's JSON by plot id. */
const figureJson = (html: string): Record<string, PlotlyFigure> =>
  Object.fromEntries([...html.matchAll(/var id="(plot-[^"]+)",fig=(\{.*?\}),lazy=\w+,tries=0;/gs)].map((m) => [m[1], JSON.parse(m[2]) as PlotlyFigure]));

describe("writeRunReport", () => {
  it("writes report.html into the run folder with every section and its plots, from the run's typed results, nothing fetched from the network", async () => {
    const base = tempDir();
    const result = await runFixture(base);
    const run = result.run.dir;
    const record = runRecordOf(result.run, result);
    const path = await writeRunReport(record);
    expect(path).toBe(join(run, "report.html"));
    const html = readFileSync(path, "utf8");
    for (const id of ["data", "contract", "drift", "search", "evaluation"]) expect(html).toContain(`<section id="${id}">`);
    const explained = Boolean(result.evaluation!.explanations);
    const importances = Boolean(result.evaluation!.importances);
    const ids = plotIds(html);
    expect(ids.slice(0, 4)).toEqual(["plot-data-1", "plot-data-2", "plot-drift-3", "plot-search-4"]);
    // confusion, ROC, PR, reliability curve, threshold, (importance), (mean |contribution|, beeswarm)
    expect(ids.filter((id) => id.startsWith("plot-evaluation"))).toHaveLength(5 + (importances ? 1 : 0) + (explained ? 2 : 0));
    // training's evaluation reports calibration; push carries the monitoring reference into the set
    expect(html).toContain("Reliability curve (test rows)");
    expect(result.evaluation!.calibration!.brier).toBeGreaterThan(0);
    expect(existsSync(join(base, "final_model", "reference.json"))).toBe(result.push!.pushed);
    const c = result.validation.contract;
    const drift = result.validation.drift.trainTest;
    expect(html).toContain(`${drift.drifted.length} of ${Object.keys(drift.columns).length} columns drifted`);
    expect(html).toContain(`${c.duplicates.rows.toLocaleString("en-US")} valid rows hold <b>${c.duplicates.vectors.distinct.toLocaleString("en-US")}</b> distinct feature vectors`);
    expect(c.conflicts.groups).toBeGreaterThanOrEqual(1);
    expect(html).toContain(`${c.conflicts.groups} feature vectors carry both labels (${c.conflicts.rows} rows)`);
    // class names from schema.yaml's labels, never the raw target values
    expect(html).toMatch(/train \d+: (phishing|legitimate)/);
    const t = result.trainer!.threshold;
    expect(html).toContain(`P(phishing) ≥ <b>${t.threshold.toFixed(4)}</b>, chosen by <i>best F1</i>`);
    const { grouped, leaky } = result.trainer!.search.protocols;
    const gap = leaky!.meanScore - grouped!.meanScore;
    expect(html).toContain(`The leaky score is <b>${gap >= 0 ? "+" : ""}${gap.toFixed(4)}</b> higher`);
    // the threshold chart marks the stored threshold; the PR chart's no-skill line is the test prevalence
    // (figures embed non-integers with 4 significant digits, counts exactly; drawn when scrolled near)
    const figures = figureJson(html);
    expect(html.match(/,lazy=true,tries=0;/g)).toHaveLength(ids.length);
    const four = (v: number) => Number(v.toPrecision(4));
    const thresholdPlot = ids.find((id) => figures[id].layout.title?.text.startsWith("Test precision, recall and F1"))!;
    expect(t.threshold).not.toBe(four(t.threshold));
    expect(figures[thresholdPlot].data.find((trace) => String(trace.name).startsWith("threshold"))).toMatchObject({ x: [four(t.threshold), four(t.threshold)] });
    const support = result.evaluation!.metrics.support;
    const prPlot = ids.find((id) => figures[id].layout.title?.text === "Precision-recall curve")!;
    const prevalence = four(Math.round((support.positive / (support.positive + support.negative)) * 1e6) / 1e6);
    expect(figures[prPlot].data.find((trace) => trace.name === "no skill")).toMatchObject({ y: [prevalence, prevalence] });
    expect(html).not.toContain("Files not found");
    // self-contained: plotly.js inlined, no external script, stylesheet or image
    // plotly.js (the minified bundle) once, gzip+base64, unpacked by the browser's DecompressionStream
    const packed = [...html.matchAll(/atob\("([A-Za-z0-9+/=]+)"\)/g)].map((m) => m[1]);
    expect(packed).toHaveLength(1);
    // the cartesian bundle: every figure of the report is bar, box, heatmap or scatter
    expect(gunzipSync(Buffer.from(packed[0], "base64")).toString("utf8").slice(0, 60)).toMatch(/^\/\*\*\n\* plotly\.js \(cartesian - minified\) v\d+\.\d+\.\d+/);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);
    // the folder holding the runs links every run's report
    const index = readFileSync(join(run, "..", "index.html"), "utf8");
    expect(index).toContain(`<a href="${result.run.timestamp}/report.html">report</a>`);
    expect(index).toContain("<td>ingestion, validation, transformation, trainer, evaluation</td>");
  });

  it("opens with the verdict: pushed or not and why, model, grouped CV, test F1 at the threshold, data in one line, warnings; no raw JSON or nulls", async () => {
    const result = await runFixture(tempDir());
    const html = await renderRunReport(runRecordOf(result.run, result), { schema, now: new Date(0) });
    // the verdict is the first section, before the table of contents
    const body = html.slice(html.indexOf("<body>"));
    expect(body.indexOf('<section id="verdict">')).toBeGreaterThan(0);
    expect(body.indexOf('<section id="verdict">')).toBeLessThan(body.indexOf("<nav>"));
    const verdict = body.slice(body.indexOf('<section id="verdict">'), body.indexOf("</section>"));
    const text = verdict.replace(/<\/t[hd]>|<li>/g, " ").replace(/<[^>]+>/g, "").replace(/\s+/g, " ");
    const push = result.push!;
    expect(text).toContain(push.pushed ? `Pushed as version ${push.version} to ${push.modelDir}: ${push.reasons.join("; ")}.` : `Not pushed: ${push.reasons.join("; ")}.`);
    const best = result.trainer!.search.best;
    const grouped = result.trainer!.search.protocols.grouped!;
    expect(text).toContain(`model ${best.family} (${Object.entries(best.params).map(([k, v]) => `${k}=${v}`).join(", ") || "defaults"}), best of 2 candidates`);
    expect(text).toContain(`CV f1 ${grouped.meanScore.toFixed(4)} ± ${grouped.stdScore.toFixed(4)} on 3 grouped folds`);
    const e = result.evaluation!;
    expect(text).toContain(`test F1 ${e.scalars.f1.toFixed(4)} at threshold ${e.threshold.toFixed(4)} on ${e.metrics.support.positive + e.metrics.support.negative} test rows`);
    expect(text).toContain("pushed model none before this run");
    const c = result.validation.contract;
    expect(text).toContain(`data 601 rows from CSV file ${join(result.run.root, "..", "fixture.csv")}; ${c.duplicates.vectors.distinct} distinct feature vectors, ${c.duplicates.duplicates} exact duplicate rows, ${c.conflicts.groups} vectors with both labels; split ${result.ingestion.summary.train.rows} train / ${result.ingestion.summary.test.rows} test (identical vectors on one side)`);
    expect(text).toContain(`${result.validation.warnings.length} warning`);
    for (const w of result.validation.warnings) expect(text).toContain(w);
    // everything a person reads: no nulls, no JSON objects, classes by their schema.yaml names in schema order
    const visible = body.replace(/<script>[\s\S]*?<\/script>/g, "").replace(/<[^>]+>/g, " ");
    expect(visible).not.toMatch(/\bnull\b|undefined|\{"/);
    expect(body).toContain("<th>relabelled</th><th>phishing</th><th>legitimate</th>");
    expect(visible).not.toMatch(/\b1 split\b/);
  });

  it("reads a run folder back with the stages' loaders and draws the same report", async () => {
    const result = await runFixture(tempDir());
    const fromMemory = await renderRunReport(runRecordOf(result.run, result), { schema, now: new Date(0) });
    const fromDisk = await renderRunReport(await loadRunRecord(result.run.dir, schema), { schema, now: new Date(0) });
    const figures = (html: string) => Object.values(figureJson(html)).map((f) => JSON.stringify(f));
    expect(figures(fromDisk)).toEqual(figures(fromMemory));
  });

  it("reports what a run that stopped after the data stages did, and lists the missing stage folders", async () => {
    const result = await runFixture(tempDir(), { dataOnly: true });
    const html = await renderRunReport(await loadRunRecord(result.run.dir, schema));
    expect(plotIds(html)).toHaveLength(3);
    expect(html).toContain("Not available: model_trainer");
    expect(html).toContain("<code>model_evaluation</code>");
  });

  it("names the folder when it does not exist", async () => {
    await expect(writeRunReport(join(tempDir(), "nope"))).rejects.toThrow(/run folder not found: .*nope/);
  });
});

describe("netsec report (CLI under Deno)", () => {
  it("writes the report and prints its path; usage error without a folder", async () => {
    const run = await writeFixtureRun(tempDir());
    const out = execFileSync(DENO, ["run", "-A", "src/cli.ts", "report", run, "--json"], { cwd: ROOT, encoding: "utf8" });
    expect(JSON.parse(out.trim().split("\n").pop()!)).toEqual({ report: join(run, "report.html") });
    expect(existsSync(join(run, "report.html"))).toBe(true);
    const bad = spawnSync(DENO, ["run", "-A", "src/cli.ts", "report"], { cwd: ROOT, encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("give exactly one run folder");
  });
});

describe("runs index", () => {
  it("lists runs newest first, with a link only where a report exists", async () => {
    const root = tempDir();
    const fixture = await runFixture(root, { dataOnly: true });
    const artifacts = fixture.run.root;
    mkdirSync(join(artifacts, "11_26_2025_08_00_00", "data_ingestion"), { recursive: true });
    mkdirSync(join(artifacts, "11_26_2025_08_00_00_2"), { recursive: true });
    mkdirSync(join(artifacts, "not-a-run"));
    const runs = await listRuns(artifacts);
    expect(runs.map((r) => r.run.timestamp)).toEqual([fixture.run.timestamp, "11_26_2025_08_00_00_2", "11_26_2025_08_00_00"]);
    expect(runs.map((r) => r.stages)).toEqual([["ingestion", "validation", "transformation"], [], ["ingestion"]]);
    const html = renderRunsIndex(runs);
    expect(html).not.toContain("report.html");
    // the columns of `netsec runs`, sortable; the fixture run's best candidate and test F1 from its files
    for (const head of ["data", "family", "params", "cv", "test f1", "pushed", "version", "status"]) expect(html).toContain(`>${head}</th>`);
    expect(html).toContain('<script>document.querySelectorAll("table.runs th[data-col]")');
    await writeRunReport(fixture.run.dir);
    expect(readFileSync(join(artifacts, "index.html"), "utf8").match(/report\.html/g)).toHaveLength(1);
  });
});
