/**
 * The monitoring numbers of GET /monitor as Prometheus gauges on the service's registry (computed
 * at scrape time from the served model's rolling window; one analysis per scrape, cached 1 s):
 *
 * Every series carries `model_version` (the served model's), so a swap starts new series.
 *
 *   netsec_monitor_window_rows                      rows in the window
 *   netsec_monitor_feature_psi{feature}             PSI of each feature against the training data
 *   netsec_monitor_feature_drift{feature}           1 when the feature drifts (PSI ≥ 0.1 and chi-square p < 0.05)
 *   netsec_monitor_drifted_features                 how many features drift
 *   netsec_monitor_probability_psi                  PSI of P(positive) against the test split
 *   netsec_monitor_estimated_performance{metric,bound}   CBPE's precision / recall / f1: estimate, lower, upper
 *   netsec_monitor_estimate_trusted                 1 when the estimate can be trusted (docs/monitoring.md)
 *
 * No series while the model has no reference. Labels are bounded: the schema's feature
 * names, three metrics, three bounds.
 */
import { Gauge, type Registry } from "prom-client";
import { METRIC_PREFIX } from "./metrics.ts";
import type { WindowReport } from "../monitor/served.ts";

export function registerMonitorMetrics(registry: Registry, read: () => { version: string; report: WindowReport } | undefined): void {
  let cached: { at: number; read: { version: string; report: WindowReport } | undefined } | undefined;
  const report = () => {
    const now = Date.now();
    if (!cached || now - cached.at > 1000) cached = { at: now, read: read() };
    return cached.read?.report;
  };
  const version = () => cached?.read?.version ?? "";
  const registers = [registry];
  const name = (n: string) => `${METRIC_PREFIX}monitor_${n}`;
  const finite = (v: number) => (Number.isFinite(v) ? v : NaN);
  new Gauge({ name: name("window_rows"), help: "Rows of the served model's rolling monitoring window", labelNames: ["model_version"], registers, collect() {
    this.reset();
    const r = report();
    if (r) this.set({ model_version: version() }, r.rows);
  } });
  new Gauge({ name: name("feature_psi"), help: "Population stability index of each feature in the window against the model's training data", labelNames: ["model_version", "feature"], registers, collect() {
    this.reset();
    for (const f of report()?.features ?? []) this.set({ model_version: version(), feature: f.name }, finite(f.psi));
  } });
  new Gauge({ name: name("feature_drift"), help: "1 when the feature drifts in the window (PSI >= 0.1 and chi-square p < 0.05, at least 100 rows)", labelNames: ["model_version", "feature"], registers, collect() {
    this.reset();
    for (const f of report()?.features ?? []) this.set({ model_version: version(), feature: f.name }, f.drifted ? 1 : 0);
  } });
  new Gauge({ name: name("drifted_features"), help: "Features drifting in the window", labelNames: ["model_version"], registers, collect() {
    this.reset();
    const r = report();
    if (r) this.set({ model_version: version() }, r.drifted.length);
  } });
  new Gauge({ name: name("probability_psi"), help: "Population stability index of the predicted probabilities in the window against the test split's", labelNames: ["model_version"], registers, collect() {
    this.reset();
    const r = report();
    if (r) this.set({ model_version: version() }, finite(r.probability.psi));
  } });
  new Gauge({ name: name("estimated_performance"), help: "Performance estimated without labels (CBPE) on the window: estimate and its interval", labelNames: ["model_version", "metric", "bound"], registers, collect() {
    this.reset();
    for (const m of report()?.estimate.metrics ?? []) {
      this.set({ model_version: version(), metric: m.metric, bound: "estimate" }, finite(m.value));
      this.set({ model_version: version(), metric: m.metric, bound: "lower" }, finite(m.lower));
      this.set({ model_version: version(), metric: m.metric, bound: "upper" }, finite(m.upper));
    }
  } });
  new Gauge({ name: name("estimate_trusted"), help: "1 when the estimated performance can be trusted (enough rows, calibrated probabilities)", labelNames: ["model_version"], registers, collect() {
    this.reset();
    const r = report();
    if (r) this.set({ model_version: version() }, r.estimate.trusted ? 1 : 0);
  } });
}
