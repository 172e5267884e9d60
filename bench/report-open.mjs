#!/usr/bin/env node
// How heavy a run's report is for the person opening it: its size on disk, and the time headless
// Chromium (Debian's /usr/bin/chromium, through playwright-core) takes from navigation to the
// load event and until every figure is drawn, opening the file from disk (file://, no server,
// no network: any request that is not file:/data:/blob: is counted and reported).
//
//   node bench/report-open.mjs Artifacts/<run>/report.html [other.html …] [--runs 3] [--screenshot out.png]
//
// Several files are opened in turn, round after round (so a busy machine slows them alike). Prints
// one line per open and a JSON summary line per file (medians) last. "load event": the page's text
// (the verdict) is there; "first screen": also every figure starting in the first 900 px is drawn
// (what the reader sees on opening: the report "opens"); "drawn": after scrolling to the end in
// 900 px steps, every .netsec-plot holds its SVG (a report drawing figures lazily draws them then).
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const args = process.argv.slice(2);
const files = args.filter((a, i) => !a.startsWith("--") && !(i > 0 && args[i - 1].startsWith("--")));
if (!files.length) {
  console.error("usage: node bench/report-open.mjs <report.html> [other.html …] [--runs N] [--screenshot out.png]");
  process.exit(2);
}
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const runs = Number(option("runs", "3"));
const screenshot = option("screenshot", undefined);
const CHROMIUM = process.env.NETSEC_CHROMIUM ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
const results = new Map(files.map((f) => [f, []]));
try {
  for (let run = 0; run < runs; run++) {
    for (const file of files) {
      // a fresh context each time: nothing cached from the previous open
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const requests = [];
      const problems = [];
      page.on("request", (r) => !/^(file|data|blob):/.test(r.url()) && requests.push(r.url()));
      page.on("pageerror", (e) => problems.push(e.message));
      const start = Date.now();
      await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: "load", timeout: 120_000 });
      const load = (Date.now() - start) / 1000;
      const plots = await page.evaluate(() => document.querySelectorAll(".netsec-plot").length);
      // the first screen: every figure whose box starts in the first 900 px holds its SVG
      await page.waitForFunction(() => [...document.querySelectorAll(".netsec-plot")].every((el) => el.getBoundingClientRect().top >= 900 || el.querySelector(".main-svg")), undefined, { timeout: 120_000, polling: 10 });
      const firstScreen = (Date.now() - start) / 1000;
      const onFirstScreen = await page.evaluate(() => [...document.querySelectorAll(".netsec-plot")].filter((el) => el.getBoundingClientRect().top < 900).length);
      // then scrolled through to the end (a report that draws figures when scrolled near draws them now)
      const scrollHeight = await page.evaluate(() => document.documentElement.scrollHeight);
      for (let y = 900; y < scrollHeight; y += 900) await page.evaluate((top) => scrollTo(0, top), y);
      await page.waitForFunction((n) => document.querySelectorAll(".netsec-plot .main-svg").length >= n, plots, { timeout: 120_000, polling: 10 });
      const drawn = (Date.now() - start) / 1000;
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      if (screenshot && run === 0 && file === files[0]) await page.screenshot({ path: screenshot });
      results.get(file).push({ load, firstScreen, drawn });
      console.log(`${file} run ${run + 1}: load event ${load.toFixed(2)} s, first screen (${onFirstScreen} figures) ${firstScreen.toFixed(2)} s, all ${plots} figures drawn after scrolling through ${drawn.toFixed(2)} s, page ${height} px tall, ${requests.length} network requests${problems.length ? `, errors: ${problems.join("; ")}` : ""}`);
      await context.close();
    }
  }
} finally {
  await browser.close();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [file, r] of results) {
  const bytes = statSync(resolve(file)).size;
  console.log(JSON.stringify({ file, bytes, megabytes: Number((bytes / 1e6).toFixed(2)), runs, loadSeconds: median(r.map((x) => x.load)), firstScreenSeconds: median(r.map((x) => x.firstScreen)), maxFirstScreenSeconds: Math.max(...r.map((x) => x.firstScreen)), drawnSeconds: median(r.map((x) => x.drawn)) }));
}
