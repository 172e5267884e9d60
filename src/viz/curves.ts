/** ROC and precision-recall curves, one line per model (e.g. the new model and the pushed one). */
import { baseLayout, COLORS, round, thinCurve, type PlotlyFigure, type PlotlyTrace } from "./figure.ts";

const pick = (values: readonly number[], at: readonly number[]) => at.map((i) => round(values[i]));

export interface RocCurveInput {
  name: string;
  fpr: readonly number[];
  tpr: readonly number[];
  auc?: number;
}

export interface PrCurveInput {
  name: string;
  precision: readonly number[];
  recall: readonly number[];
  /** Average precision (PR-AUC). */
  ap?: number;
}

const label = (name: string, key: string, value?: number) => (value === undefined ? name : `${name} (${key} ${value.toFixed(4)})`);

export function rocFigure(curves: readonly RocCurveInput[], title = "ROC curve"): PlotlyFigure {
  const data: PlotlyTrace[] = curves.map((c, i) => ({
    type: "scatter",
    mode: "lines",
    name: label(c.name, "AUC", c.auc),
    x: pick(c.fpr, thinCurve([c.fpr, c.tpr])),
    y: pick(c.tpr, thinCurve([c.fpr, c.tpr])),
    line: { color: COLORS.series[i % COLORS.series.length], shape: "hv" },
  }));
  data.push({ type: "scatter", mode: "lines", name: "chance", x: [0, 1], y: [0, 1], line: { color: COLORS.neutral, dash: "dash" } });
  return {
    data,
    layout: baseLayout(title, {
      xaxis: { title: { text: "false positive rate" }, range: [0, 1] },
      yaxis: { title: { text: "true positive rate" }, range: [0, 1.02] },
    }),
  };
}

/** `prevalence` (share of positives) draws the no-skill line. */
export function prFigure(curves: readonly PrCurveInput[], prevalence?: number, title = "Precision-recall curve"): PlotlyFigure {
  const data: PlotlyTrace[] = curves.map((c, i) => ({
    type: "scatter",
    mode: "lines",
    name: label(c.name, "AP", c.ap),
    x: pick(c.recall, thinCurve([c.recall, c.precision])),
    y: pick(c.precision, thinCurve([c.recall, c.precision])),
    line: { color: COLORS.series[i % COLORS.series.length], shape: "vh" },
  }));
  if (prevalence !== undefined) {
    data.push({ type: "scatter", mode: "lines", name: "no skill", x: [0, 1], y: [round(prevalence), round(prevalence)], line: { color: COLORS.neutral, dash: "dash" } });
  }
  return {
    data,
    layout: baseLayout(title, {
      xaxis: { title: { text: "recall" }, range: [0, 1] },
      yaxis: { title: { text: "precision" }, range: [0, 1.02] },
    }),
  };
}

export interface ThresholdInput {
  precision: readonly number[];
  recall: readonly number[];
  /** One fewer than precision/recall, as sklearn's precision_recall_curve returns. */
  thresholds: readonly number[];
}

/** Precision, recall and F1 against the decision threshold: where to cut the probability. */
export function thresholdFigure(pr: ThresholdInput, chosen?: number, title = "Choosing the threshold"): PlotlyFigure {
  const n = pr.thresholds.length;
  const at = thinCurve([pr.thresholds, pr.precision.slice(0, n), pr.recall.slice(0, n)]);
  const x = pick(pr.thresholds, at);
  const p = pick(pr.precision, at);
  const r = pick(pr.recall, at);
  const f1 = p.map((pv, i) => (pv + r[i] > 0 ? round((2 * pv * r[i]) / (pv + r[i])) : 0));
  const data: PlotlyTrace[] = [
    { type: "scatter", mode: "lines", name: "precision", x, y: p, line: { color: COLORS.series[0] } },
    { type: "scatter", mode: "lines", name: "recall", x, y: r, line: { color: COLORS.series[1] } },
    { type: "scatter", mode: "lines", name: "F1", x, y: f1, line: { color: COLORS.series[2] } },
  ];
  if (chosen !== undefined) {
    data.push({ type: "scatter", mode: "lines", name: `threshold ${round(chosen, 3)}`, x: [chosen, chosen], y: [0, 1], line: { color: COLORS.neutral, dash: "dash" } });
  }
  return {
    data,
    layout: baseLayout(title, {
      xaxis: { title: { text: "threshold on P(positive)" }, range: [0, 1] },
      yaxis: { title: { text: "score" }, range: [0, 1.02] },
    }),
  };
}

/** The threshold with the best F1 on a precision-recall curve (first one on ties). */
export function bestF1Threshold(pr: ThresholdInput): { threshold: number; f1: number; precision: number; recall: number } {
  let best = { threshold: 0.5, f1: -1, precision: 0, recall: 0 };
  for (let i = 0; i < pr.thresholds.length; i++) {
    const p = pr.precision[i];
    const r = pr.recall[i];
    const f1 = p + r > 0 ? (2 * p * r) / (p + r) : 0;
    if (f1 > best.f1) best = { threshold: pr.thresholds[i], f1, precision: p, recall: r };
  }
  return best;
}
