// The notebook display bundle: the plotly JSON, offline HTML (plotly.js from node_modules, no CDN) and text.
import { describe, expect, it } from "vitest";
import { classBalanceFigure } from "../../src/viz/class-balance.ts";
import { describeFigure, figureBundle, tableBundle } from "../../src/viz/display.ts";
import { figureHtml, loadPlotlySource } from "../../src/viz/html.ts";
import { scriptJson } from "../../src/viz/markup.ts";

const figure = classBalanceFigure([{ name: "train", counts: { phishing: 1, legitimate: 3 } }]);

describe("figure bundle", () => {
  it("holds the three mime types; plotly.js goes into the first HTML only, compressed, never from a CDN", async () => {
    const first = await figureBundle(figure);
    expect(Object.keys(first).sort()).toEqual(["application/vnd.plotly.v1+json", "text/html", "text/plain"]);
    expect(first["application/vnd.plotly.v1+json"]).toEqual({ data: figure.data, layout: figure.layout });
    expect(first["text/plain"]).toBe('Plotly figure "Class balance": 1 trace(s): bar "train"');
    const html = first["text/html"] as string;
    expect(html).toContain("DecompressionStream");
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/cdn\.|https?:\/\//);
    // the Deno kernel drops display messages over ~8 MB: the bundle stays well below
    expect(JSON.stringify(first).length).toBeLessThan(4_000_000);
    const second = await figureBundle(figure);
    expect(second["text/html"]).not.toContain("DecompressionStream");
    expect(second["text/html"]).toContain("window.Plotly.newPlot");
  });

  it("inlines the installed plotly.js without anything that closes the script element", async () => {
    const source = await loadPlotlySource();
    expect(source).toMatch(/plotly\.js v\d+\.\d+\.\d+/);
    expect(source).not.toMatch(/<\/script/i);
  });

  it("escapes figure JSON so text cannot end the script", () => {
    expect(String(scriptJson({ t: "</script><b>" }))).toBe('{"t":"\\u003c/script>\\u003cb>"}');
    expect(figureHtml(classBalanceFigure([{ name: "</script>", counts: { a: 1 } }]), "p1")).not.toContain("</script><");
  });

  it("describes figures with many traces briefly", () => {
    const many = { data: Array.from({ length: 8 }, (_, i) => ({ type: "bar", name: `t${i}` })), layout: { title: { text: "Many" } } };
    expect(describeFigure(many)).toBe('Plotly figure "Many": 8 trace(s): bar "t0", bar "t1", bar "t2", bar "t3", bar "t4", bar "t5", … 2 more');
  });
});

describe("table bundle", () => {
  it("renders records as an HTML table and aligned text, escaping HTML", () => {
    const bundle = tableBundle([{ family: "hist_forest", f1: 0.951234567 }, { family: "<lr>", f1: 0.9 }], { title: "Leaderboard" });
    expect(bundle["text/html"]).toContain("<th>family</th><th>f1</th>");
    expect(bundle["text/html"]).toContain("<td>&lt;lr&gt;</td>");
    expect(bundle["text/plain"]).toBe("Leaderboard\nfamily       f1      \nhist_forest  0.951235\n<lr>         0.9     ");
  });
});
