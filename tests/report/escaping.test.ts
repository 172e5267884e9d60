// One HTML builder, escaping by default: text that looks like markup — a class label, a data set
// name, a cell value read from the data, an API title — comes out as text in the report, the runs
// index, the upload page and the docs page, never as an element; `'` included (the old viz helper
// left it as it was).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSchema } from "../../src/schema.ts";
import { renderRunReport } from "../../src/report/write.ts";
import { runRecordOf } from "../../src/report/record.ts";
import { renderRunsIndex } from "../../src/report/index-page.ts";
import { listRuns } from "../../src/report/runs.ts";
import { indexPage } from "../../src/serve/pages/index-page.ts";
import { docsPage } from "../../src/serve/pages/docs-page.ts";
import { ROOT, tempDir } from "../helpers/env.ts";
import { runFixture } from "./fixture-run.ts";

const EVIL = "<script>alert('x')</script>";
const ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;";

/** schema.yaml with the phishing label and the data set's name replaced by markup. */
async function evilSchema() {
  const text = readFileSync(join(ROOT, "schema.yaml"), "utf8")
    .replace(/^name: .*$/m, `name: "${EVIL}"`)
    .replace(/^(\s+)"-1": phishing$/m, `$1"-1": "${EVIL}"`);
  const schema = await parseSchema(text, "evil-schema.yaml");
  expect(schema.labelOf(-1)).toBe(EVIL);
  return schema;
}

/** The HTML without the contents of its script elements (where text is JSON, escaped apart). */
const outsideScripts = (html: string) => html.replace(/(<script[^>]*>)[\s\S]*?<\/script>/g, "$1</script>");

describe("escaping by default", () => {
  it("the report: a label and a cell value that look like markup are text", async () => {
    const schema = await evilSchema();
    // one cell of the data holds markup: validation sets the row aside and the report lists it
    const result = await runFixture(tempDir(), { edit: (csv) => csv.replace(/\n-?1,/, `\n${EVIL},`) });
    expect(result.validation.contract.firstIssues[0]?.value).toBe(EVIL);
    const html = await renderRunReport(runRecordOf(result.run, result), { schema, now: new Date(0) });
    const markup = outsideScripts(html);
    expect(markup).not.toContain("<script>alert");
    expect(markup).toContain(`<td>${ESCAPED}</td>`); // the first problems' value
    expect(markup).toContain(`<th>relabelled</th><th>${ESCAPED}</th><th>legitimate</th>`); // the label as a column
    // inside the figures' scripts the label is JSON that cannot close the element
    expect(html).not.toMatch(/alert\('x'\)<\/script>/);
    // the runs index beside it
    const index = renderRunsIndex(await listRuns(result.run.root), EVIL);
    expect(index).toContain(`<title>${ESCAPED}</title>`);
    expect(index).not.toContain("<script>alert");
  });

  it("the report's CSV downloads: a cell a spreadsheet would run as a formula is neutralised", async () => {
    const FORMULA = "=cmd|' /C calc'!A0";
    // one cell of the data holds a formula: validation sets the row aside, the report offers its problems as CSV
    const result = await runFixture(tempDir(), { edit: (csv) => csv.replace(/\n-?1,/, `\n${FORMULA},`) });
    expect(result.validation.contract.firstIssues[0]?.value).toBe(FORMULA);
    const html = await renderRunReport(runRecordOf(result.run, result), { now: new Date(0) });
    const unescape = (text: string) => text.replaceAll("&#39;", "'").replaceAll("&quot;", '"').replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
    const downloads = Object.fromEntries([...html.matchAll(/<a class="download" download="([^"]+)" href="([^"]+)">/g)].map((m) => {
      const href = unescape(m[2]);
      expect(href.startsWith("data:text/csv;charset=utf-8,")).toBe(true);
      return [m[1], decodeURIComponent(href.slice(href.indexOf(",") + 1))];
    }));
    expect(Object.keys(downloads).sort()).toEqual(["conflicting-groups.csv", "contract-problems.csv", "leaderboard.csv"]);
    const problems = downloads["contract-problems.csv"].split("\n");
    expect(problems[0]).toBe("file,row,column,value,expected");
    expect(problems[1]).toMatch(/^[^,]+,\d+,[^,]+,'=cmd\|' \/C calc'!A0,/);
    // numbers, negative ones too, stay numbers; the leaderboard's rows are rank, family, …
    expect(downloads["leaderboard.csv"].split("\n")[1]).toMatch(/^1,(hist_gbt|logistic_regression),/);
  });

  it("the upload page and the docs page", async () => {
    const schema = await evilSchema();
    const page = indexPage(schema);
    expect(outsideScripts(page)).not.toContain("<script>alert");
    expect(page).toContain(`<code>${ESCAPED}</code>`);
    expect(page).toContain(`predicted <b>${ESCAPED}</b>`);
    expect(page).not.toMatch(/alert\('x'\)<\/script>/); // the label in the page's JSON config
    const docs = docsPage({
      info: { title: EVIL, version: "1", description: "d" },
      paths: { "/predict": { post: { summary: EVIL, responses: { "200": { description: EVIL } } } } },
    });
    expect(docs).not.toContain("<script>alert");
    expect(docs).toContain(`<title>${ESCAPED} — docs</title>`);
    expect(docs).toContain(`<li><code>200</code> ${ESCAPED}</li>`);
  });
});
