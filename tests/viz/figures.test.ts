// Figures as data: the right traces, axes and values for a known input (no pixels).
import { describe, expect, it } from "vitest";
import { createFrame } from "../../src/data/frame.ts";
import { classBalanceFigure } from "../../src/viz/class-balance.ts";
import { distributionFigure, frameProfile } from "../../src/viz/distributions.ts";
import { driftFigure, driftScore, SCORE_CAP } from "../../src/viz/drift.ts";
import { cvScoresFigure } from "../../src/viz/cv-scores.ts";
import { confusionFigure } from "../../src/viz/confusion.ts";
import { bestF1Threshold, prFigure, rocFigure, thresholdFigure } from "../../src/viz/curves.ts";
import { importanceFigure } from "../../src/viz/importance.ts";
import { learningCurveFigure } from "../../src/viz/learning-curve.ts";

describe("class balance", () => {
  it("draws one bar trace per split with counts per class and shares as text", () => {
    const fig = classBalanceFigure([
      { name: "train", counts: { phishing: 30, legitimate: 70 } },
      { name: "test", counts: { phishing: 5, legitimate: 20 } },
    ]);
    expect(fig.data.map((t) => [t.type, t.name])).toEqual([["bar", "train"], ["bar", "test"]]);
    expect(fig.data[0].x).toEqual(["phishing", "legitimate"]);
    expect(fig.data[0].y).toEqual([30, 70]);
    expect(fig.data[1].y).toEqual([5, 20]);
    expect(fig.data[1].text).toEqual(["5 (20%)", "20 (80%)"]);
    expect(fig.layout.barmode).toBe("group");
    expect(fig.layout.yaxis).toMatchObject({ title: { text: "rows" } });
  });
});

describe("value distributions", () => {
  const train = createFrame(["a", "b"], 4, Float64Array.from([-1, 1, 0, 1, 1, NaN, 1, 1]));
  const test = createFrame(["a", "b"], 2, Float64Array.from([-1, -1, -1, 1]));

  it("counts values per column, missing apart", () => {
    expect(frameProfile(train).columns.map((c) => [c.name, c.bins, c.counts, c.missing])).toEqual([["a", [-1, 0, 1], [1, 1, 2], 0], ["b", [1], [3], 1]]);
    expect(() => frameProfile(train, ["zz"])).toThrow('no column "zz"');
  });

  it("puts train and test shares of each column on their own subplot axes", () => {
    const fig = distributionFigure(frameProfile(train), frameProfile(test), { perRow: 2 });
    expect(fig.data).toHaveLength(4);
    const [aTrain, aTest, bTrain, bTest] = fig.data;
    expect([aTrain.name, aTest.name, bTrain.name, bTest.name]).toEqual(["train", "test", "train", "test"]);
    expect([aTrain.xaxis, aTrain.yaxis, bTrain.xaxis, bTrain.yaxis]).toEqual(["x", "y", "x2", "y2"]);
    expect(aTrain.x).toEqual(["-1", "0", "1"]);
    expect(aTrain.y).toEqual([0.25, 0.25, 0.5]);
    expect(aTest.y).toEqual([1, 0, 0]);
    expect(bTrain.x).toEqual(["1", "missing", "-1"]);
    expect(bTrain.y).toEqual([0.75, 0.25, 0]);
    expect(bTest.y).toEqual([0.5, 0, 0.5]);
    expect(fig.layout.grid).toMatchObject({ rows: 1, columns: 2, pattern: "independent" });
    expect((fig.layout.annotations as { text: string }[]).map((a) => a.text)).toEqual(["a", "b"]);
    // one legend entry per split, not per subplot
    expect(fig.data.map((t) => t.showlegend)).toEqual([true, true, false, false]);
  });
});

describe("drift", () => {
  it("plots −log10 p per column, drifted columns in red, the threshold as a line, p = 0 at the cap", () => {
    const fig = driftFigure([
      { column: "having_IP_Address", p_value: 0.8, drift_status: false, ks_statistic: 0.01 },
      { column: "URL_Length", p_value: 0.001, drift_status: true, ks_statistic: 0.2 },
      { column: "SSLfinal_State", p_value: 0, drift_status: true },
    ], 0.05);
    const [bars, line] = fig.data;
    expect(bars.type).toBe("bar");
    expect(bars.x).toEqual(["having_IP_Address", "URL_Length", "SSLfinal_State"]);
    expect(bars.y).toEqual([0.0969, 3, SCORE_CAP]);
    expect(bars.text).toEqual(["", "", `≥${SCORE_CAP}`]);
    expect((bars.customdata as unknown[][]).map((d) => d[0])).toEqual([0.8, 0.001, 0]);
    expect((bars.marker as { color: string[] }).color).toEqual(["#2ca02c", "#d62728", "#d62728"]);
    expect(line).toMatchObject({ type: "scatter", mode: "lines", y: [1.301, 1.301], x: ["having_IP_Address", "SSLfinal_State"] });
    expect(driftScore(1e-80)).toBe(SCORE_CAP);
  });
});

describe("CV scores by family", () => {
  it("draws one box per family over all fold scores and marks the best mean", () => {
    const fig = cvScoresFigure([
      { family: "hist_forest", params: { trees: 10 }, foldScores: [0.9, 0.92, 0.94], meanScore: 0.92 },
      { family: "hist_forest", params: { trees: 50 }, foldScores: [0.95, 0.95, 0.95], meanScore: 0.95 },
      { family: "logistic_regression", params: {}, meanScore: 0.91 },
    ], "f1");
    expect(fig.data.map((t) => [t.type, t.name])).toEqual([["box", "hist_forest"], ["box", "logistic_regression"], ["scatter", "best mean"]]);
    expect(fig.data[0].y).toEqual([0.9, 0.92, 0.94, 0.95, 0.95, 0.95]);
    expect(fig.data[1].y).toEqual([0.91]);
    expect(fig.data[2]).toMatchObject({ x: ["hist_forest"], y: [0.95], text: ['{"trees":50}'] });
    expect(fig.layout.yaxis).toMatchObject({ title: { text: "f1" } });
  });
});

describe("confusion matrix", () => {
  it("is a heatmap with true classes on y, predicted on x, and one annotation per cell", () => {
    const fig = confusionFigure({ labels: ["phishing", "legitimate"], matrix: [[40, 10], [5, 45]] });
    expect(fig.data[0]).toMatchObject({ type: "heatmap", x: ["phishing", "legitimate"], y: ["phishing", "legitimate"], z: [[40, 10], [5, 45]] });
    const notes = fig.layout.annotations as { x: string; y: string; text: string }[];
    expect(notes.map((a) => [a.y, a.x, a.text])).toEqual([
      ["phishing", "phishing", "40<br>40.0%"],
      ["phishing", "legitimate", "10<br>10.0%"],
      ["legitimate", "phishing", "5<br>5.0%"],
      ["legitimate", "legitimate", "45<br>45.0%"],
    ]);
    expect(fig.layout.xaxis).toMatchObject({ title: { text: "predicted" } });
    expect(fig.layout.yaxis).toMatchObject({ title: { text: "true" }, autorange: "reversed" });
  });
});

describe("ROC, PR and threshold curves", () => {
  // Points as sklearn.metrics.roc_curve / precision_recall_curve return them for
  // y_true=[0,0,1,1], scores=[0.1,0.4,0.35,0.8] (the scikit-learn docs example).
  const roc = { fpr: [0, 0, 0.5, 0.5, 1], tpr: [0, 0.5, 0.5, 1, 1], thresholds: [Infinity, 0.8, 0.4, 0.35, 0.1] };
  const pr = { precision: [0.5, 0.6666666666666666, 0.5, 1, 1], recall: [1, 1, 0.5, 0.5, 0], thresholds: [0.1, 0.35, 0.4, 0.8] };

  it("ROC: one line per model plus the chance diagonal; AUC in the legend", () => {
    const fig = rocFigure([{ name: "new", ...roc, auc: 0.75 }]);
    expect(fig.data.map((t) => t.name)).toEqual(["new (AUC 0.7500)", "chance"]);
    expect(fig.data[0]).toMatchObject({ type: "scatter", mode: "lines", x: roc.fpr, y: roc.tpr });
    expect(fig.data[1]).toMatchObject({ x: [0, 1], y: [0, 1] });
    expect(fig.layout.xaxis).toMatchObject({ title: { text: "false positive rate" } });
  });

  it("PR: recall on x, precision on y, and the no-skill line at the prevalence", () => {
    const fig = prFigure([{ name: "new", ...pr, ap: 0.8333333 }, { name: "pushed", precision: [1], recall: [0] }], 0.5);
    expect(fig.data.map((t) => t.name)).toEqual(["new (AP 0.8333)", "pushed", "no skill"]);
    expect(fig.data[0].x).toEqual(pr.recall);
    expect(fig.data[0].y).toEqual([0.5, 0.666667, 0.5, 1, 1]);
    expect(fig.data[2]).toMatchObject({ x: [0, 1], y: [0.5, 0.5] });
    // a classifier without skill has precision = the share of positives at every recall: at a
    // prevalence of 0.3 the line is at 0.3 (not 0.7, not 0.5)
    expect(prFigure([{ name: "new", ...pr }], 0.3).data[1]).toMatchObject({ name: "no skill", x: [0, 1], y: [0.3, 0.3] });
    expect(prFigure([{ name: "new", ...pr }]).data.map((t) => t.name)).toEqual(["new"]);
  });

  it("threshold: precision, recall and F1 per threshold, best F1 found", () => {
    const best = bestF1Threshold(pr);
    expect(best.threshold).toBe(0.35);
    expect(best.f1).toBeCloseTo(0.8, 12);
    const fig = thresholdFigure(pr, best.threshold);
    expect(fig.data.map((t) => t.name)).toEqual(["precision", "recall", "F1", "threshold 0.35"]);
    expect(fig.data[3]).toMatchObject({ x: [0.35, 0.35], y: [0, 1] });
    expect(fig.data[0].x).toEqual([0.1, 0.35, 0.4, 0.8]);
    expect(fig.data[2].y).toEqual([0.666667, 0.8, 0.5, 0.666667]);
  });
});

describe("feature importance", () => {
  it("sorts bars so the largest is on top and keeps the top n", () => {
    const fig = importanceFigure(["a", "b", "c"], [0.2, 0.5, 0.3], { top: 2 });
    expect(fig.data[0]).toMatchObject({ type: "bar", orientation: "h", y: ["c", "b"], x: [0.3, 0.5] });
    expect(() => importanceFigure(["a"], [0.5, 0.5])).toThrow("1 names but 2 importances");
  });
});

describe("learning curve", () => {
  it("draws mean lines with ±1 std bands for train and validation", () => {
    const fig = learningCurveFigure([
      { trainSize: 100, trainScores: [1, 1], validScores: [0.8, 0.9] },
      { trainSize: 200, trainScores: [0.98, 0.96], validScores: [0.9, 0.9] },
    ]);
    const byName = Object.fromEntries(fig.data.map((t) => [t.name, t]));
    expect(Object.keys(byName)).toEqual(["train +1 std", "train -1 std", "train", "validation +1 std", "validation -1 std", "validation"]);
    expect(byName.train.x).toEqual([100, 200]);
    expect(byName.train.y).toEqual([1, 0.97]);
    expect(byName.validation.y).toEqual([0.85, 0.9]);
    expect(byName["validation +1 std"].y).toEqual([0.9, 0.9]);
    expect(byName["validation -1 std"]).toMatchObject({ y: [0.8, 0.9], fill: "tonexty" });
  });
});
