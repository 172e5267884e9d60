// netsec report: one self-contained HTML file per run, from the stage outputs of a run folder.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { renderRunReport, writeRunReport } from "../../src/report/write.ts";
import { parseLeaderboard } from "../../src/report/leaderboard.ts";
import { renderRunsIndex } from "../../src/report/index-page.ts";
import { listRuns } from "../../src/report/runs.ts";
import { DENO, ROOT, tempDir } from "../helpers/env.ts";
import { writeFixtureRun } from "./fixture-run.ts";
import type { PlotlyFigure } from "../../src/viz/figure.ts";
import { loadSchema } from "../../src/schema.ts";

const schema = await loadSchema();

const plotIds = (html: string) => [...html.matchAll(/<div id="(plot-[^"]+)" class="netsec-plot"/g)].map((m) => m[1]);
/** Each inlined figure's JSON by plot id. */
const figureJson = (html: string): Record<string, PlotlyFigure> =>
  Object.fromEntries([...html.matchAll(/var id="(plot-[^"]+)",fig=(\{.*?\}),tries=0;/gs)].map((m) => [m[1], JSON.parse(m[2]) as PlotlyFigure]));

describe("writeRunReport", () => {
  it("writes report.html into the run folder with every section and its plots, nothing fetched from the network", async () => {
    const run = await writeFixtureRun(tempDir());
    const path = await writeRunReport(run);
    expect(path).toBe(join(run, "report.html"));
    const html = readFileSync(path, "utf8");
    for (const id of ["data", "contract", "drift", "search", "evaluation"]) expect(html).toContain(`<section id="${id}">`);
    expect(plotIds(html)).toEqual([
      "plot-data-1", "plot-data-2", // class balance, distributions
      "plot-drift-3",
      "plot-search-4",
      // confusion, ROC, PR, threshold on test / on out-of-fold rows, importance, mean |contribution|, beeswarm
      "plot-evaluation-5", "plot-evaluation-6", "plot-evaluation-7", "plot-evaluation-8", "plot-evaluation-9", "plot-evaluation-10", "plot-evaluation-11", "plot-evaluation-12",
    ]);
    expect(html).toContain("2 of 30 columns drifted");
    expect(html).toContain("VALUE_NOT_ALLOWED");
    // duplicates and conflicts, grouped vs leaky CV, the stored threshold, explanations
    expect(html).toContain("99 valid rows hold <b>91</b> distinct feature vectors");
    expect(html).toContain("1 feature vectors carry both labels (3 rows)");
    expect(html).toContain("train 5: 1; train 17: -1; train 40: 1");
    expect(html).toContain("The leaky score is <b>+0.0250</b> higher");
    expect(html).toContain("P(phishing) ≥ <b>0.6200</b>, chosen by <i>best F1</i>");
    expect(html).not.toContain("Best F1 on the test set");
    expect(html).toContain("Per-prediction contributions (TreeSHAP) of 2 of the 20 test rows, in the log-odds of phishing");
    // the threshold chart marks the stored threshold; the PR chart's no-skill line is the test prevalence 9 / 20
    const figures = figureJson(html);
    expect(figures["plot-evaluation-8"].data.find((t) => String(t.name).startsWith("threshold"))).toMatchObject({ x: [0.62, 0.62] });
    expect(figures["plot-evaluation-7"].data.find((t) => t.name === "no skill")).toMatchObject({ y: [0.45, 0.45] });
    expect(figures["plot-evaluation-11"].data[0].y!.at(-1)).toBe(schema.featureNames[7]);
    expect(html).not.toContain("Files not found");
    // self-contained: plotly.js inlined, no external script, stylesheet or image
    expect(html).toMatch(/plotly\.js v\d/);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i);
    // the folder holding the runs links every run's report
    const index = readFileSync(join(run, "..", "index.html"), "utf8");
    expect(index).toContain('<a href="11_25_2026_09_30_00/report.html">report</a>');
    expect(index).toContain("<td>ingestion, validation, trainer, evaluation</td>");
  });

  it("reports what a run that stopped after validation did, and lists the missing stage files", async () => {
    const run = await writeFixtureRun(tempDir(), { dataOnly: true });
    const html = await renderRunReport(run);
    expect(plotIds(html)).toHaveLength(3);
    expect(html).toContain("Not available: model_trainer/leaderboard.csv");
    expect(html).toContain("<code>model_evaluation/metrics.json</code>");
  });

  it("names the folder when it does not exist", async () => {
    await expect(writeRunReport(join(tempDir(), "nope"))).rejects.toThrow(/run folder not found: .*nope/);
  });
});

describe("leaderboard.csv", () => {
  it("reads family, params JSON, mean/std and fold scores", () => {
    const rows = parseLeaderboard('family,params,mean_score,std_score,fold_1,fold_2,fit_seconds\nhist_forest,"{""trees"":8}",0.9,0.01,0.89,0.91,1.25\n');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ rank: 1, family: "hist_forest", params: { trees: 8 }, meanScore: 0.9, stdScore: 0.01, foldScores: [0.89, 0.91], fitSeconds: 1.25 });
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
    await writeFixtureRun(root, { dataOnly: true });
    mkdirSync(join(root, "11_26_2026_08_00_00", "data_ingestion"), { recursive: true });
    mkdirSync(join(root, "11_26_2026_08_00_00_2"), { recursive: true });
    mkdirSync(join(root, "not-a-run"));
    const runs = await listRuns(root);
    expect(runs.map((r) => r.run.timestamp)).toEqual(["11_26_2026_08_00_00_2", "11_26_2026_08_00_00", "11_25_2026_09_30_00"]);
    expect(runs.map((r) => r.stages)).toEqual([[], ["ingestion"], ["ingestion", "validation"]]);
    const html = renderRunsIndex(runs);
    expect(html).not.toContain("report.html");
    // the columns of `netsec runs`, sortable; the fixture run's best candidate and test F1 from its files
    for (const head of ["data", "family", "params", "cv", "test f1", "pushed", "version", "status"]) expect(html).toContain(`>${head}</th>`);
    expect(html).toContain('<script>document.querySelectorAll("table.runs th[data-col]")');
    await writeRunReport(join(root, "11_25_2026_09_30_00"));
    expect(readFileSync(join(root, "index.html"), "utf8").match(/report\.html/g)).toHaveLength(1);
  });
});
