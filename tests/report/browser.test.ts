// A generated report opened in headless Chromium: no console errors; the figures near the first
// screen drawn at open and those far below not until scrolled near (then every plot drawn: SVG or
// canvas inside each plot container); the two confusion matrices side by side at 1200 px and
// stacked at 390 px; and a screenshot saved under test-results/.
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { chromium } from "playwright-core";
import { writeRunReport } from "../../src/report/write.ts";
import { loadRunRecord } from "../../src/report/record.ts";
import { loadSchema } from "../../src/schema.ts";
import { ROOT, tempDir } from "../helpers/env.ts";
import { writeFixtureRun } from "./fixture-run.ts";

const CHROMIUM = process.env.NETSEC_CHROMIUM ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

describe("report in a browser", () => {
  it("renders every plot without console errors or network requests", async () => {
    // as if a model had been pushed before: the evaluation shows its confusion matrix next to the new one's
    const run = await writeFixtureRun(tempDir());
    const schema = await loadSchema();
    const record = await loadRunRecord(run, schema);
    const evaluation = record.evaluation!;
    record.evaluation = { ...evaluation, current: { version: 1, sha256: "0".repeat(64), family: "logistic_regression", threshold: 0.5, metrics: evaluation.scalars }, currentConfusion: evaluation.metrics.confusion };
    const path = await writeRunReport(record, { schema });
    const expectedPlots = [...readFileSync(path, "utf8").matchAll(/class="netsec-plot"/g)].length;
    expect(expectedPlots).toBeGreaterThanOrEqual(9);
    const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "netsec-chromium-")), {
      executablePath: CHROMIUM,
      args: ARGS,
      headless: true,
      viewport: { width: 1200, height: 900 },
    });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      page.on("pageerror", (e) => problems.push(e.message));
      page.on("request", (r) => !r.url().startsWith("file:") && !r.url().startsWith("data:") && requests.push(r.url()));
      await page.goto(pathToFileURL(path).href, { waitUntil: "load" });
      // the figures near the first screen are drawn; those further down wait until scrolled near
      // (one screen ahead: the observer's margin is the viewport's height)
      await page.waitForFunction(() => "Plotly" in window && [...document.querySelectorAll(".netsec-plot")].every((el) => el.getBoundingClientRect().top > 1800 || el.hasAttribute("data-drawn")), undefined, { timeout: 30_000 });
      const opened = await page.evaluate(() => [...document.querySelectorAll(".netsec-plot")].map((el) => ({ top: el.getBoundingClientRect().top, drawn: el.hasAttribute("data-drawn") })));
      expect(opened.filter((p) => p.top > 3 * 900).length).toBeGreaterThan(3);
      expect(opened.filter((p) => p.top > 3 * 900).some((p) => p.drawn)).toBe(false);
      // scrolled through, every figure gets drawn
      for (let y = 0; y <= (await page.evaluate(() => document.documentElement.scrollHeight)); y += 600) {
        await page.evaluate((top) => scrollTo(0, top), y);
      }
      await page.waitForFunction((n) => document.querySelectorAll(".netsec-plot .plot-container .main-svg").length >= n, expectedPlots, { timeout: 30_000 });
      await page.evaluate(() => scrollTo(0, 0));
      const drawn = await page.evaluate(() =>
        [...document.querySelectorAll(".netsec-plot")].map((el) => ({
          id: el.id,
          svg: el.querySelectorAll(".plot-container svg").length,
          canvas: el.querySelectorAll(".plot-container canvas").length,
          marks: el.querySelectorAll(".plot-container .trace, .plot-container .point, .plot-container image, .plot-container path.js-line").length,
        }))
      );
      expect(drawn).toHaveLength(expectedPlots);
      for (const plot of drawn) {
        expect(plot.svg + plot.canvas, `${plot.id} has no svg/canvas`).toBeGreaterThan(0);
        expect(plot.marks, `${plot.id} has no drawn marks`).toBeGreaterThan(0);
      }
      // the verdict's test F1 and push decision are on the first screen (900 px)
      const firstScreen = await page.evaluate(() => {
        const row = [...document.querySelectorAll("#verdict table.kv tr")].find((tr) => tr.querySelector("th")?.textContent === "test F1");
        return { f1: row?.getBoundingClientRect().bottom ?? Infinity, decision: document.querySelector("#verdict .decision")?.getBoundingClientRect().bottom ?? Infinity };
      });
      expect(firstScreen.f1).toBeLessThanOrEqual(900);
      expect(firstScreen.decision).toBeLessThanOrEqual(900);
      // the drift chart's legend does not cover the rotated column names
      const overlaps = await page.evaluate(() => {
        const plot = document.querySelector("#drift .netsec-plot")!;
        const legend = plot.querySelector(".legend")!.getBoundingClientRect();
        const ticks = [...plot.querySelectorAll(".xtick text")].map((t) => t.getBoundingClientRect());
        return { ticks: ticks.length, covered: ticks.filter((t) => t.left < legend.right && t.right > legend.left && t.top < legend.bottom && t.bottom > legend.top).length };
      });
      expect(overlaps.ticks).toBe(31);
      expect(overlaps.covered).toBe(0);
      // the two confusion matrices (new model, pushed model) side by side at 1200 px
      const matrices = () => page.evaluate(() => [...document.querySelectorAll("#evaluation .fig-row .netsec-plot")].map((el) => el.getBoundingClientRect()).map((r) => ({ left: r.left, top: r.top })));
      const wide = await matrices();
      expect(wide).toHaveLength(2);
      expect(wide[1].top).toBe(wide[0].top);
      expect(wide[1].left).toBeGreaterThan(wide[0].left + 400);
      mkdirSync(join(ROOT, "test-results"), { recursive: true });
      await page.screenshot({ path: join(ROOT, "test-results", "report.png"), fullPage: true });
      // on a phone (390 px): the page does not scroll sideways and the verdict still comes first
      await page.setViewportSize({ width: 390, height: 900 });
      const phone = await page.evaluate(() => ({
        width: document.documentElement.scrollWidth,
        f1: [...document.querySelectorAll("#verdict table.kv tr")].find((tr) => tr.querySelector("th")?.textContent === "test F1")!.getBoundingClientRect().bottom,
        decision: document.querySelector("#verdict .decision")!.getBoundingClientRect().bottom,
      }));
      expect(phone.width).toBeLessThanOrEqual(390);
      // …where the matrices stack
      const narrow = await matrices();
      expect(narrow[1].left).toBe(narrow[0].left);
      expect(narrow[1].top).toBeGreaterThan(narrow[0].top + 400);
      expect(phone.f1).toBeLessThanOrEqual(900);
      expect(phone.decision).toBeLessThanOrEqual(900);
      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
