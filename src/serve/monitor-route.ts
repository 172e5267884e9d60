/**
 * GET /monitor: the drift and estimated performance of what the model being served has scored
 * (its rolling window, src/monitor/served.ts) against the reference pushed with it. JSON with
 * `Accept: application/json` or `?format=json`; the HTML page otherwise.
 */
import { HttpError } from "./http-error.ts";
import type { ModelStore, ServingModel } from "./model-store.ts";
import type { ServedMonitor } from "../monitor/served.ts";
import { monitorPage } from "../monitor/page.ts";

export function monitorResponse(request: Request, model: ServingModel, store: ModelStore, monitor: ServedMonitor): Response {
  const url = new URL(request.url);
  const format = url.searchParams.get("format");
  if (format !== null && format !== "json" && format !== "html") throw new HttpError(400, "BAD_FORMAT", `format=${format.slice(0, 40)}: expected json or html`);
  const reference = store.referenceOf(model);
  if (!reference) {
    throw new HttpError(404, "NO_REFERENCE", `the model being served (version ${model.version}) carries no monitoring reference (reference.json): it was pushed (or logged to MLflow) before netsec wrote one; push a model with \`netsec train\` to monitor it`);
  }
  const report = monitor.report(model, reference);
  const json = format === "json" || (format === null && (request.headers.get("accept") ?? "").toLowerCase().includes("application/json"));
  const headers = { "x-model-version": String(model.version), "cache-control": "no-store" };
  if (json) return new Response(JSON.stringify({ model: { version: String(model.version), sha256: store.status().sha256 ?? null }, ...report }), { headers: { ...headers, "content-type": "application/json; charset=utf-8" } });
  const page = monitorPage(report, {
    title: `netsec monitoring — model version ${model.version}`,
    facts: [
      ["model", `version ${model.version}, sha256 ${(store.status().sha256 ?? "").slice(0, 12)}`],
      ["window", `${report.rows} rows (the last ${report.window.capacity} at most, of ${report.window.seen} scored since ${report.window.startedAt})`],
      ["reference", `${reference.train.rows} training rows, ${reference.test.rows} test rows`],
    ],
    jsonHref: "monitor?format=json",
  });
  return new Response(page, { headers: { ...headers, "content-type": "text/html; charset=utf-8" } });
}
