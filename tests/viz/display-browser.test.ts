// The notebook HTML fallback in a real browser: the first figure's output carries plotly.js
// (gzip + base64, unpacked with DecompressionStream), later outputs reuse it. Both must draw,
// offline, as classic Notebook / nbconvert HTML export would show them (outputs one after another).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { chromium } from "playwright-core";
import { classBalanceFigure } from "../../src/viz/class-balance.ts";
import { rocFigure } from "../../src/viz/curves.ts";
import { figureBundle } from "../../src/viz/display.ts";
import { ROOT } from "../helpers/env.ts";

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

describe("notebook HTML output in a browser", () => {
  it("draws the first figure (with the compressed plotly.js) and a later one (reusing it)", async () => {
    const first = await figureBundle(classBalanceFigure([{ name: "train", counts: { phishing: 3, legitimate: 5 } }]), { inlinePlotly: "always" });
    const later = await figureBundle(rocFigure([{ name: "m", fpr: [0, 0.2, 1], tpr: [0, 0.9, 1] }]), { inlinePlotly: "never" });
    const dir = mkdtempSync(join(tmpdir(), "netsec-display-"));
    const page = join(dir, "outputs.html");
    writeFileSync(page, `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<div class="output">${first["text/html"]}</div><div class="output">${later["text/html"]}</div></body></html>`);
    const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "netsec-chromium-")), {
      executablePath: process.env.NETSEC_CHROMIUM ?? "/usr/bin/chromium", args: ARGS, headless: true,
    });
    try {
      const tab = await context.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      tab.on("console", (m) => m.type() === "error" && problems.push(m.text()));
      tab.on("pageerror", (e) => problems.push(e.message));
      tab.on("request", (r) => !/^(file|data|blob):/.test(r.url()) && requests.push(r.url()));
      await tab.goto(pathToFileURL(page).href);
      await tab.waitForFunction(() => document.querySelectorAll(".netsec-plot .plot-container .main-svg").length >= 2, undefined, { timeout: 30_000 });
      const traces = await tab.evaluate(() => [...document.querySelectorAll(".netsec-plot")].map((el) => el.querySelectorAll(".trace").length));
      expect(traces.every((n) => n > 0)).toBe(true);
      mkdirSync(join(ROOT, "test-results"), { recursive: true });
      await tab.screenshot({ path: join(ROOT, "test-results", "notebook-outputs.png"), fullPage: true });
      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
