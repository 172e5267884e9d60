/**
 * The service's Prometheus metrics (`GET /metrics`, text exposition format) on prom-client. One
 * registry per service (tests start many services in one process); other parts of the service add
 * their own metrics to `metrics.registry` (e.g. `new Gauge({ name: "netsec_…", registers:
 * [metrics.registry] })`).
 *
 * Names follow Prometheus' rules (base units, `_total` counters, `_seconds` durations) and the
 * model servers operators know: BentoML's `request_total` / `request_duration_seconds` /
 * `request_in_progress` by endpoint and status, KServe's `request_predict_seconds` for the model
 * stage. Labels are bounded: the route pattern (never the raw path), the method, the status code,
 * the class label from schema.yaml, the model version; nothing per row.
 */
import { Counter, Gauge, Histogram, type Metric, Registry } from "prom-client";
import type { Schema } from "../schema.ts";
import type { GroupedPrediction } from "../models/model-file.ts";

/** Prefix of every metric netsec defines. */
export const METRIC_PREFIX = "netsec_";

/** Request latency buckets (seconds): the Prometheus clients' default, which BentoML uses. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Buckets of the positive-class probability: tenths. */
export const PROBABILITY_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

/**
 * A histogram of per-row values filled a request at a time: prom-client's `observe` costs about a
 * microsecond a call (closures, label hashing), 9 ms for a 10 000-row request; this one counts a
 * request's rows in a loop and renders the same exposition lines (`_bucket{le}`, `_sum`, `_count`).
 */
class RowHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly labelNames: string[] = [];
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {
    this.#counts = new Float64Array(buckets.length + 1);
  }

  /** Add `values[index[i]]` for every i (the rows' values through their distinct-row index). */
  observeRows(values: Float64Array, index: Uint32Array): void {
    const { buckets } = this;
    const counts = this.#counts;
    let sum = 0;
    for (let i = 0; i < index.length; i++) {
      const v = values[index[i]];
      let b = 0;
      while (b < buckets.length && v > buckets[b]) b++;
      counts[b] += 1;
      sum += v;
    }
    this.#sum += sum;
    this.#count += index.length;
  }

  get() {
    let cumulative = 0;
    const values = this.buckets.map((le, b) => ({ metricName: `${this.name}_bucket`, labels: { le }, value: (cumulative += this.#counts[b]) }));
    values.push({ metricName: `${this.name}_bucket`, labels: { le: "+Inf" as unknown as number }, value: this.#count });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: [...values, { metricName: `${this.name}_sum`, labels: {}, value: this.#sum }, { metricName: `${this.name}_count`, labels: {}, value: this.#count }] };
  }

  reset(): void {
    this.#counts.fill(0);
    this.#sum = 0;
    this.#count = 0;
  }
}

/** What `netsec_model_info` shows about the model being served (read at each scrape). */
export interface ModelInfoLabels {
  version: string;
  sha256: string;
  /** The model folder's model.json, or the registry URI (`models:/name@alias`). */
  source: string;
}

export interface ServiceMetricsOptions {
  schema: Schema;
  /** The model being served right now; undefined = none (model_info then has no series). */
  modelInfo?: () => ModelInfoLabels | undefined;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<"route" | "method" | "status">;
  readonly #duration: Histogram<"route" | "method" | "status">;
  readonly #inProgress: Gauge<"route">;
  readonly #predictSeconds: Histogram<"model_version">;
  readonly #rows: Counter<"model_version">;
  readonly #predictions: Counter<"class">;
  readonly #probability: RowHistogram;
  readonly #labels: Map<number, string>;

  constructor(options: ServiceMetricsOptions) {
    const registers = [this.registry];
    const { schema } = options;
    this.#labels = new Map(schema.target.allowed.map((value) => [value, schema.labelOf(value)]));
    this.#requests = new Counter({ name: `${METRIC_PREFIX}http_requests_total`, help: "HTTP requests answered, by route pattern, method and status code", labelNames: ["route", "method", "status"], registers });
    this.#duration = new Histogram({ name: `${METRIC_PREFIX}http_request_duration_seconds`, help: "Time from a request's arrival to its response's headers, in seconds", labelNames: ["route", "method", "status"], buckets: LATENCY_BUCKETS, registers });
    this.#inProgress = new Gauge({ name: `${METRIC_PREFIX}http_requests_in_progress`, help: "Requests being answered right now, by route pattern", labelNames: ["route"], registers });
    this.#predictSeconds = new Histogram({ name: `${METRIC_PREFIX}request_predict_seconds`, help: "Time the model takes to score one request's rows (the predict stage, parsing excluded), in seconds", labelNames: ["model_version"], buckets: LATENCY_BUCKETS, registers });
    this.#rows = new Counter({ name: `${METRIC_PREFIX}rows_scored_total`, help: "Rows scored by /predict", labelNames: ["model_version"], registers });
    this.#predictions = new Counter({ name: `${METRIC_PREFIX}predictions_total`, help: `Predictions by class (the labels of schema.yaml's target ${schema.target.name})`, labelNames: ["class"], registers });
    this.#probability = new RowHistogram(`${METRIC_PREFIX}prediction_probability`, `Probability of the positive class (${schema.labelOf(schema.target.positive)}) of each scored row`, PROBABILITY_BUCKETS);
    this.registry.registerMetric(this.#probability as unknown as Metric);
    for (const label of this.#labels.values()) this.#predictions.inc({ class: label }, 0);
    const modelInfo = options.modelInfo;
    new Gauge({
      name: `${METRIC_PREFIX}model_info`,
      help: "The model being served (always 1): version, sha256 of model.json, source (model folder or registry URI)",
      labelNames: ["version", "sha256", "source"],
      registers,
      collect() {
        this.reset();
        const info = modelInfo?.();
        if (info) this.set({ version: info.version, sha256: info.sha256, source: info.source }, 1);
      },
    });
  }

  /** A request starts on `route`; call the returned function with its status once it is answered. */
  startRequest(route: string, method: string): (status: number) => void {
    const started = performance.now();
    this.#inProgress.inc({ route });
    return (status) => {
      const labels = { route, method, status: String(status) };
      this.#inProgress.dec({ route });
      this.#requests.inc(labels);
      this.#duration.observe(labels, (performance.now() - started) / 1000);
    };
  }

  /** One /predict request's scoring: its duration, rows, classes and probabilities. */
  observePredictions(modelVersion: string, seconds: number, scores: GroupedPrediction): void {
    const rows = scores.group.length;
    this.#predictSeconds.observe({ model_version: modelVersion }, seconds);
    this.#rows.inc({ model_version: modelVersion }, rows);
    // Rows that share a distinct row share its score: count per class in one pass.
    const byClass = new Map<number, number>();
    for (let r = 0; r < rows; r++) {
      const value = scores.prediction[scores.group[r]];
      byClass.set(value, (byClass.get(value) ?? 0) + 1);
    }
    this.#probability.observeRows(scores.probability, scores.group);
    for (const [value, count] of byClass) this.#predictions.inc({ class: this.#labels.get(value) ?? String(value) }, count);
  }

  /** The text exposition format, and its content type. */
  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
