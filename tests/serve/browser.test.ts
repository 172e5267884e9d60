// The upload page in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core):
// open /, upload a features-only CSV, see one table row per input row (phishing rows marked),
// sort by probability, download the CSV. Screenshot saved to test-results/serve-upload.png.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";
import { FEATURES, featureCsv, schema, startToyServer, type TestServer } from "./helpers.ts";
import { existsSync } from "node:fs";
import { loadModelFile } from "../../src/models/model-file.ts";
import { startServer } from "../../src/serve/server.ts";
import { writeRealModel } from "./real-model.ts";

const CHROMIUM = process.env.NETSEC_CHROMIUM ?? "/usr/bin/chromium";
let server: TestServer;
let browser: BrowserContext;

beforeAll(async () => {
  server = await startToyServer();
  // A new empty profile each run (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(tempDir("netsec-chromium-"), {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1400, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("serve: upload page in a browser", () => {
  it("uploads a features-only CSV, shows one row per input row, sorts, downloads the CSV", async () => {
    const rows = 25;
    const csvPath = join(tempDir("netsec-upload-"), "sites.csv");
    writeFileSync(csvPath, featureCsv(rows));
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${server.url}/`);
    await page.setInputFiles("#file", csvPath);
    await page.click("button[type=submit]");
    await page.waitForSelector("#table tbody tr");

    expect(await page.locator("#table tbody tr").count()).toBe(rows);
    expect(await page.textContent("#status")).toBe("sites.csv: model version 1.");
    const headers = await page.locator("#table thead th").allTextContents();
    expect(headers).toEqual(["#", "prediction", "probability", ...FEATURES]);

    // Phishing rows (prediction -1) are highlighted.
    const predictions = await page.locator("#table tbody tr td:nth-child(2)").allTextContents();
    const marked = await page.locator("#table tbody tr.positive").count();
    expect(marked).toBe(predictions.filter((p) => p === "phishing (-1)").length);

    // Sort by probability (first click: highest first).
    await page.click("#table thead th:nth-child(3)");
    const probabilities = (await page.locator("#table tbody tr td:nth-child(3)").allTextContents()).map(Number);
    expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));

    mkdirSync(join(ROOT, "test-results"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "test-results", "serve-upload.png"), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    expect(download.suggestedFilename()).toBe("sites-predictions.csv");
    const saved = join(tempDir("netsec-download-"), "out.csv");
    await download.saveAs(saved);
    const lines = readFileSync(saved, "utf8").trim().split("\n");
    expect(lines).toHaveLength(rows + 1);
    expect(lines[0]).toBe([...FEATURES, "prediction", "probability"].map((h) => `"${h}"`).join(","));
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows the server's refusal for a bad file", async () => {
    const csvPath = join(tempDir("netsec-upload-"), "bad.csv");
    writeFileSync(csvPath, featureCsv(3).replace(/\n-?\d,/, "\nx,"));
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.setInputFiles("#file", csvPath);
    await page.click("button[type=submit]");
    await page.waitForSelector("#status.error");
    expect(await page.textContent("#status")).toContain(`row 1, column ${FEATURES[0]}: got "x"`);
    await page.close();
  });
});

describe.skipIf(!existsSync(SHARED_DATA))("serve: upload page with a real model (threshold, top reasons)", () => {
  it("shows the model's threshold, the top reasons of each flagged row, and re-scores at another threshold", async () => {
    const dir = join(tempDir("netsec-page-real-"), "final_model");
    await writeRealModel(dir, 1, 10, { threshold: 0.45 });
    const real = await startServer({ port: 0, host: "127.0.0.1", modelDir: dir, load: (d) => loadModelFile(d, { schema }), schema, pollMs: 0 });
    try {
      const csvPath = join(tempDir("netsec-upload-"), "sites.csv");
      writeFileSync(csvPath, featureCsv(30));
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`${real.url}/`);
      await page.waitForFunction(() => (document.getElementById("threshold") as HTMLInputElement).value !== "");
      expect(await page.inputValue("#threshold")).toBe("0.45");
      await page.setInputFiles("#file", csvPath);
      await page.click("button[type=submit]");
      await page.waitForSelector("#table tbody tr");
      const headers = await page.locator("#table thead th").allTextContents();
      expect(headers).toEqual(["#", "prediction", "probability", "top reasons", ...FEATURES]);
      const flagged = page.locator("#table tbody tr.positive");
      const count = await flagged.count();
      expect(count).toBeGreaterThan(0);
      // every flagged row names up to 3 features with a positive contribution: "name = value (+0.123)"
      for (const text of await flagged.locator("td.why").allTextContents()) {
        const reasons = text.split("; ");
        expect(reasons.length).toBeGreaterThan(0);
        expect(reasons.length).toBeLessThanOrEqual(3);
        for (const reason of reasons) expect(reason).toMatch(new RegExp(`^(${FEATURES.join("|")}) = -?[01] \\(\\+\\d\\.\\d{3}\\)$`));
      }
      expect(await page.locator("#table tbody tr:not(.positive) td.why").allTextContents()).toEqual(Array(30 - count).fill(""));
      mkdirSync(join(ROOT, "test-results"), { recursive: true });
      await page.screenshot({ path: join(ROOT, "test-results", "serve-upload-reasons.png"), fullPage: true });
      // a higher threshold flags fewer rows
      await page.fill("#threshold", "0.95");
      await page.click("button[type=submit]");
      await page.waitForFunction((n) => document.querySelectorAll("#table tbody tr.positive").length < n, count);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await real.close();
    }
  });
});
