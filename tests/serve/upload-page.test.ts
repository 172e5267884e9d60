// The upload page as a new user meets it: Debian's chromium (headless, driven by playwright-core)
// opens `/` of the real server serving a real model whose stored threshold has many digits
// (0.5581964285714285, as a pushed model's does), leaves that threshold untouched, uploads a CSV
// and must see it scored — at 1280 and at 390 px wide: prediction, probability and top reasons as
// the first columns and on screen, the page itself never wider than the window (the table
// scrolls in its own box), a progress indication while the answer is on its way, and a bad file's
// error replacing the previous result. Screenshots go to test-results/.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, SHARED_DATA, tempDir } from "../helpers/env.ts";
import { FEATURES, featureCsv, schema } from "./helpers.ts";
import { loadModelFile } from "../../src/models/model-file.ts";
import { startServer, type NetsecServer } from "../../src/serve/server.ts";
import { writeRealModel } from "./real-model.ts";

const CHROMIUM = process.env.NETSEC_CHROMIUM ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const THRESHOLD = 0.5581964285714285;
const ROWS = 40;

let server: NetsecServer;
let browser: Browser;
let goodCsv: string;
let badCsv: string;

describe.skipIf(!existsSync(SHARED_DATA))("serve: the upload page in a real browser, the model's own threshold untouched", () => {
  beforeAll(async () => {
    const dir = join(tempDir("netsec-page-"), "final_model");
    await writeRealModel(dir, 1, 10, { threshold: THRESHOLD });
    server = await startServer({ port: 0, host: "127.0.0.1", modelDir: dir, load: (d) => loadModelFile(d, { schema }), schema, pollMs: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    const files = tempDir("netsec-upload-");
    goodCsv = join(files, "sites.csv");
    writeFileSync(goodCsv, featureCsv(ROWS));
    badCsv = join(files, "bad.csv");
    writeFileSync(badCsv, featureCsv(3).replace(/\n-?\d,/, "\nx,"));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const width of [1280, 390]) {
    it(`scores a CSV at ${width} px: results first, no page-wide scroll, progress shown, a bad file's error replaces the table`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      try {
        await page.goto(`${server.url}/`);
        await page.waitForFunction(() => (document.getElementById("threshold") as HTMLInputElement).value !== "");
        expect(await page.inputValue("#threshold")).toBe(String(THRESHOLD));

        // Hold the answer until the progress indication has been seen.
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        await page.route("**/predict**", async (route) => {
          await held;
          await route.continue();
        });
        await page.setInputFiles("#file", goodCsv);
        // The browser submits the form as it is (a stored threshold such as 0.5581964285714285 must not be refused by the input's step).
        await Promise.all([page.waitForRequest("**/predict**", { timeout: 10_000 }), page.click("button[type=submit]")]);
        await page.waitForSelector("#progress", { state: "visible" });
        expect(await page.textContent("#status")).toBe("Scoring sites.csv…");
        expect(await page.isDisabled("#score")).toBe(true);
        release();
        await page.waitForSelector("#table tbody tr");
        await page.unroute("**/predict**");
        expect(await page.isHidden("#progress")).toBe(true);

        expect(await page.locator("#table tbody tr").count()).toBe(ROWS);
        const headers = await page.locator("#table thead th").allTextContents();
        expect(headers).toEqual(["#", "prediction", "probability", "top reasons", ...FEATURES]);
        const first = await page.locator("#table tbody tr").first().locator("td").allTextContents();
        expect(first[1]).toMatch(/^(phishing \(-1\)|legitimate \(1\))$/);
        expect(Number(first[2])).toBeGreaterThanOrEqual(0);
        expect(await page.textContent("#summary")).toMatch(new RegExp(`^${ROWS} rows scored, \\d+ predicted phishing$`));

        // The page is never wider than the window; the table scrolls inside its own box.
        const sizes = await page.evaluate(() => ({
          page: document.documentElement.scrollWidth,
          window: window.innerWidth,
          box: document.querySelector(".scroll")!.getBoundingClientRect().right,
          tableWidth: document.getElementById("table")!.scrollWidth,
        }));
        expect(sizes.page).toBeLessThanOrEqual(sizes.window);
        expect(sizes.box).toBeLessThanOrEqual(sizes.window);
        expect(sizes.tableWidth).toBeGreaterThan(sizes.window); // 30 feature columns do not fit: the box scrolls
        // prediction and probability are on screen without scrolling sideways
        for (const column of [2, 3]) {
          const box = await page.locator(`#table thead th:nth-child(${column})`).boundingBox();
          expect(box!.x + box!.width).toBeLessThanOrEqual(width);
        }
        mkdirSync(join(ROOT, "test-results"), { recursive: true });
        await page.screenshot({ path: join(ROOT, "test-results", `upload-page-${width}.png`) });

        // A bad file: its error replaces the previous result.
        await page.setInputFiles("#file", badCsv);
        await page.click("button[type=submit]");
        await page.waitForSelector("#status.error");
        expect(await page.textContent("#status")).toContain(`Refused bad.csv: row 1, column ${FEATURES[0]}: got "x"`);
        expect(await page.locator("#table tbody tr").count()).toBe(0);
        expect(await page.isHidden("#result")).toBe(true);
        expect(await page.isHidden("#download")).toBe(true);
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    }, 60_000);
  }
});
