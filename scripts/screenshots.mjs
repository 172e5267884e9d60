#!/usr/bin/env node
// Regenerates the screenshots in docs/img/ from the real thing, never by hand:
//   page-1280.png, page-390.png   the upload page (`netsec serve`, the model in --model-dir) after
//                                 scoring the first 40 rows of the data, at 1280 and 390 px wide
//   report-first-screen.png       the first 1280×900 px of a run's report (opened from disk)
//   report-confusion-1280.png,    its confusion matrices (new model, pushed model): side by side at
//   report-confusion-390.png      1280 px, stacked at 390 px
//
//   node scripts/screenshots.mjs [--model-dir final_model] [--report Artifacts/<run>/report.html]
//                                [--data network_data/phisingData.csv] [--out docs/img]
//
// Without --report: the newest Artifacts/<run>/report.html. Needs Debian's chromium
// (/usr/bin/chromium, or NETSEC_CHROMIUM) and a pushed model (run `bin/netsec train` first).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const modelDir = resolve(option("model-dir", join(ROOT, "final_model")));
const data = resolve(option("data", join(ROOT, "network_data", "phisingData.csv")));
const out = resolve(option("out", join(ROOT, "docs", "img")));
const CHROMIUM = process.env.NETSEC_CHROMIUM ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"];

function newestReport() {
  const artifacts = join(ROOT, "Artifacts");
  const runs = existsSync(artifacts) ? readdirSync(artifacts).map((d) => join(artifacts, d, "report.html")).filter((p) => existsSync(p)) : [];
  runs.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return runs[0];
}
const report = option("report", undefined) ? resolve(option("report")) : newestReport();
for (const [what, path] of [["model", join(modelDir, "model.json")], ["data", data], ["report", report ?? "Artifacts/<run>/report.html"]]) {
  if (!path || !existsSync(path)) {
    console.error(`screenshots: no ${what} at ${path}: run \`bin/netsec train\` first (or pass --${what === "model" ? "model-dir" : what})`);
    process.exit(2);
  }
}
mkdirSync(out, { recursive: true });

// The first 40 rows of the data, as a user would upload them.
const sample = join(mkdtempSync(join(tmpdir(), "netsec-shots-")), "sites.csv");
writeFileSync(sample, readFileSync(data, "utf8").split(/\r?\n/).slice(0, 41).join("\n") + "\n");

/** `netsec serve` on a free loopback port; resolves with its URL once it listens. */
function serve() {
  const child = spawn(join(ROOT, "bin", "netsec"), ["serve", "--port", "0", "--host", "127.0.0.1", "--model-dir", modelDir], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let seen = "";
  return new Promise((resolveUrl, reject) => {
    const look = (chunk) => {
      seen += chunk;
      const url = seen.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (url) resolveUrl({ url: url[0], child });
    };
    child.stdout.on("data", look);
    child.stderr.on("data", look);
    child.on("exit", (code) => reject(new Error(`netsec serve exited (${code}) before listening:\n${seen}`)));
    setTimeout(() => reject(new Error(`netsec serve did not listen within 60 s:\n${seen}`)), 60_000).unref();
  });
}

const { url, child } = await serve();
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
try {
  for (const width of [1280, 390]) {
    const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(`${url}/`);
    await page.waitForFunction(() => document.getElementById("threshold").value !== "");
    await page.setInputFiles("#file", sample);
    await page.click("button[type=submit]");
    await page.waitForSelector("#table tbody tr");
    const file = join(out, `page-${width}.png`);
    await page.screenshot({ path: file });
    console.log(`${file}: ${await page.textContent("#summary")}`);
    await page.close();
  }
  // The report draws its figures when they are scrolled near: wait for the ones in view.
  const inViewDrawn = () => page.waitForFunction(() => [...document.querySelectorAll(".netsec-plot")].every((el) => { const r = el.getBoundingClientRect(); return r.top >= innerHeight || r.bottom <= 0 || el.querySelector(".main-svg"); }));
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(report).href, { waitUntil: "load" });
  await inViewDrawn();
  const file = join(out, "report-first-screen.png");
  await page.screenshot({ path: file });
  console.log(`${file}: first screen of ${report}`);
  // The confusion matrices (new model, pushed model) side by side at 1280 px, stacked at 390 px.
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    const row = await page.$("#evaluation .fig-row") ?? await page.$("#evaluation .netsec-plot");
    await row.scrollIntoViewIfNeeded();
    await inViewDrawn();
    await page.waitForTimeout(300); // the relayout after the resize
    const shot = join(out, `report-confusion-${width}.png`);
    await row.screenshot({ path: shot });
    console.log(`${shot}: the confusion matrices of ${report} at ${width} px`);
  }
} finally {
  await browser.close();
  child.kill("SIGTERM");
}
