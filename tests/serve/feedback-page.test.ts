// The upload page's feedback in a real browser (Debian's chromium via playwright-core): with a
// prediction log and NETSEC_FEEDBACK_TOKEN the table gets right/wrong buttons; an analyst types
// the token, scores a CSV and marks rows; the marks land in the log next to the scored rows. A
// wrong token is refused with the server's message. Without feedback the page has no such column
// (the other page tests check its exact header).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/env.ts";
import { FEATURES, featureCsv, startToyServer, type TestServer } from "./helpers.ts";

const CHROMIUM = process.env.NETSEC_CHROMIUM ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const TOKEN = "page-feedback-token";

let server: TestServer;
let plain: TestServer;
let browser: Browser;
let csv: string;
let logFile: string;

describe.skipIf(!existsSync(CHROMIUM))("the upload page marks rows right or wrong", () => {
  beforeAll(async () => {
    const dir = tempDir("netsec-feedback-page-");
    logFile = join(dir, "log.jsonl");
    server = await startToyServer({ predictionLog: { sink: logFile }, feedbackToken: TOKEN });
    plain = await startToyServer();
    csv = join(dir, "sites.csv");
    writeFileSync(csv, featureCsv(5));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await plain?.close();
  });

  it("scores, marks row 2 wrong and row 4 right; the log has the marks", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${server.url}/`);
    await page.fill("#fbtoken", "not-the-token");
    await page.setInputFiles("#file", csv);
    await page.click("button[type=submit]");
    await page.waitForSelector("#table tbody tr");
    const headers = await page.locator("#table thead th").allTextContents();
    expect(headers).toEqual(["#", "prediction", "probability", ...FEATURES, "feedback"]);

    await page.click("#table tbody tr:nth-child(2) button:text('wrong')");
    await page.waitForFunction(() => document.getElementById("status")!.textContent!.startsWith("Feedback on row 2 refused"));
    expect(await page.textContent("#status")).toBe("Feedback on row 2 refused: the bearer token is not valid");

    await page.fill("#fbtoken", TOKEN);
    await page.click("#table tbody tr:nth-child(2) button:text('wrong')");
    await page.waitForSelector("#table tbody tr:nth-child(2) td:text('marked wrong')");
    await page.click("#table tbody tr:nth-child(4) button:text('right')");
    await page.waitForSelector("#table tbody tr:nth-child(4) td:text('marked right')");
    expect(await page.textContent("#status")).toBe("Row 4 marked right.");
    expect(errors).toEqual([]);

    const lines = readFileSync(logFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { kind: string; request_id: string; row: number; correct?: boolean });
    const scored = lines.filter((l) => l.kind === "prediction");
    expect(scored.map((l) => l.row)).toEqual([1, 2, 3, 4, 5]);
    const marks = lines.filter((l) => l.kind === "feedback").map((l) => [l.request_id, l.row, l.correct]);
    expect(marks).toEqual([[scored[0].request_id, 2, false], [scored[0].request_id, 4, true]]);
    await page.close();
  }, 60_000);

  it("without feedback on the server: no token field, no feedback column", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${plain.url}/`);
    expect(await page.locator("#fbtoken").count()).toBe(0);
    await page.setInputFiles("#file", csv);
    await page.click("button[type=submit]");
    await page.waitForSelector("#table tbody tr");
    expect(await page.locator("#table thead th").allTextContents()).toEqual(["#", "prediction", "probability", ...FEATURES]);
    await page.close();
  }, 60_000);
});
