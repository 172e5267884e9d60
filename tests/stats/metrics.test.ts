import { describe, expect, test } from "vitest";
import {
  accuracyScore, averagePrecision, classificationMetrics, confusionMatrix, f1Macro, f1Score, logLoss, prCurve,
  precisionScore, recallScore, rocAuc, rocCurve,
} from "../../src/stats/metrics.ts";

function expectClose(actual: number, expected: number, tol = 1e-15): void {
  if (!Number.isFinite(expected) || expected === 0) expect(actual).toBe(expected);
  else expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(tol);
}
function expectArray(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expectClose(v, expected[i]!));
}

const Y = Uint8Array.from([0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0]);
const PRED = Uint8Array.from([0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 0]);
// P(class 1), with ties (0.8 ×3, 0.3 ×3, 0.6, 0.4, 0.7 ×2) and the extremes 0 and 1.
const P1 = Float64Array.from([0.1, 0.8, 0.4, 0.3, 0.8, 0.6, 0.2, 0.9, 0.7, 0.4, 0.3, 0.95, 0.05, 0.6, 0.8, 0.7, 0.3, 0.45, 1.0, 0.0]);
const P0 = P1.map((p) => 1 - p); // P(class 0) = 1 - p1, computed the same way in Python

// Expected numbers: scikit-learn 1.9.1 with yb = (y == pos).astype(int), s = p1 if pos == 1 else 1 - p1:
// accuracy_score(y, pred), precision_score / recall_score / f1_score(y, pred, pos_label=pos),
// f1_score(y, pred, average="macro"), roc_auc_score(yb, s), average_precision_score(y, s, pos_label=pos),
// log_loss(yb, s), confusion_matrix(y, pred), roc_curve(y, s, pos_label=pos),
// precision_recall_curve(y, s, pos_label=pos); values printed with json.dumps / repr.
const EXPECTED = {
  positive1: {
    accuracy: 0.75,
    precision: 0.8,
    recall: 0.7272727272727273,
    f1: 0.7619047619047619,
    f1_macro: 0.7493734335839599,
    roc_auc: 0.9393939393939394,
    pr_auc: 0.9554990464081374,
    log_loss: 0.3726463584377823,
    confusion: [[7, 2], [3, 8]],
    roc: { fpr: [0.0, 0.0, 0.0, 0.0, 0.0, 0.2222222222222222, 0.2222222222222222, 0.2222222222222222, 0.5555555555555556, 1.0], tpr: [0.0, 0.09090909090909091, 0.2727272727272727, 0.5454545454545454, 0.7272727272727273, 0.7272727272727273, 0.8181818181818182, 1.0, 1.0, 1.0], thresholds: [Infinity, 1.0, 0.9, 0.8, 0.7, 0.6, 0.45, 0.4, 0.3, 0.0] },
    pr: { precision: [0.55, 0.5789473684210527, 0.6111111111111112, 0.6470588235294118, 0.6875, 0.8461538461538461, 0.8181818181818182, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], recall: [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.8181818181818182, 0.7272727272727273, 0.7272727272727273, 0.5454545454545454, 0.2727272727272727, 0.18181818181818182, 0.09090909090909091, 0.0], thresholds: [0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.45, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0] },
  },
  positive0: {
    accuracy: 0.75,
    precision: 0.7,
    recall: 0.7777777777777778,
    f1: 0.7368421052631579,
    f1_macro: 0.7493734335839599,
    roc_auc: 0.9393939393939394,
    pr_auc: 0.9444444444444446,
    log_loss: 0.3726463584377823,
    confusion: [[7, 2], [3, 8]],
    roc: { fpr: [0.0, 0.0, 0.0, 0.0, 0.18181818181818182, 0.2727272727272727, 0.2727272727272727, 0.45454545454545453, 0.7272727272727273, 1.0], tpr: [0.0, 0.1111111111111111, 0.4444444444444444, 0.7777777777777778, 0.7777777777777778, 0.7777777777777778, 1.0, 1.0, 1.0, 1.0], thresholds: [Infinity, 1.0, 0.8, 0.7, 0.6, 0.55, 0.4, 0.30000000000000004, 0.19999999999999996, 0.0] },
    pr: { precision: [0.45, 0.47368421052631576, 0.5, 0.5294117647058824, 0.6428571428571429, 0.75, 0.7, 0.7777777777777778, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], recall: [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.7777777777777778, 0.7777777777777778, 0.7777777777777778, 0.4444444444444444, 0.3333333333333333, 0.2222222222222222, 0.1111111111111111, 0.0], thresholds: [0.0, 0.050000000000000044, 0.09999999999999998, 0.19999999999999996, 0.30000000000000004, 0.4, 0.55, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0] },
  },
};

for (const [name, positive, scores] of [["positive class 1", 1, P1], ["positive class 0 (phishing)", 0, P0]] as const) {
  const e = positive === 1 ? EXPECTED.positive1 : EXPECTED.positive0;
  describe(`metrics = scikit-learn, ${name}`, () => {
    test("classificationMetrics", () => {
      const m = classificationMetrics(Y, PRED, scores, positive);
      for (const key of ["accuracy", "precision", "recall", "f1", "f1_macro", "roc_auc", "pr_auc", "log_loss"] as const) {
        expectClose(m[key], e[key]);
      }
      expect(m.confusion).toEqual({ labels: [0, 1], matrix: e.confusion });
      expect(m.support).toEqual({ positive: positive === 1 ? 11 : 9, negative: positive === 1 ? 9 : 11 });
      expect(m.warnings).toEqual([]);
    });

    test("single metrics", () => {
      expectClose(accuracyScore(Y, PRED), e.accuracy);
      expectClose(precisionScore(Y, PRED, positive), e.precision);
      expectClose(recallScore(Y, PRED, positive), e.recall);
      expectClose(f1Score(Y, PRED, positive), e.f1);
      expectClose(f1Macro(Y, PRED), e.f1_macro);
      expectClose(rocAuc(Y, scores, positive), e.roc_auc);
      expectClose(averagePrecision(Y, scores, positive), e.pr_auc);
      expectClose(logLoss(Y, scores, positive), e.log_loss);
      expect(confusionMatrix(Y, PRED).matrix).toEqual(e.confusion);
    });

    test("ROC curve point by point (drop_intermediate=True)", () => {
      const roc = rocCurve(Y, scores, positive);
      expectArray(roc.fpr, e.roc.fpr);
      expectArray(roc.tpr, e.roc.tpr);
      expectArray(roc.thresholds, e.roc.thresholds);
    });

    test("precision-recall curve point by point", () => {
      const pr = prCurve(Y, scores, positive);
      expectArray(pr.precision, e.pr.precision);
      expectArray(pr.recall, e.pr.recall);
      expectArray(pr.thresholds, e.pr.thresholds);
    });
  });
}

describe("undefined metrics follow sklearn's zero_division='warn'", () => {
  // y = [1, 1, 1], pred = [1, 1, 0], scores [0.2, 0.7, 0.9], pos_label=0:
  // precision 0.0, recall 0.0, f1 0.0, f1 macro 0.4, roc_auc_score nan, average_precision_score 0.0
  const y = Uint8Array.from([1, 1, 1]);
  const pred = Uint8Array.from([1, 1, 0]);
  const scores = Float64Array.from([0.2, 0.7, 0.9]);
  test("0 with a warning, NaN ROC AUC", () => {
    const m = classificationMetrics(y, pred, scores, 0);
    expect([m.precision, m.recall, m.f1, m.roc_auc, m.pr_auc]).toEqual([0, 0, 0, NaN, 0]);
    expectClose(m.f1_macro, 0.4);
    expect(m.warnings.join("\n")).toMatch(/recall is ill-defined/);
    expect(m.warnings.join("\n")).toMatch(/only one class is present in y_true: ROC AUC is not defined/);
    expect(m.warnings.join("\n")).toMatch(/no positive samples in y_true/);
    const warnings: string[] = [];
    expect(precisionScore(Uint8Array.from([0, 1]), Uint8Array.from([1, 1]), 0, warnings)).toBe(0);
    expect(warnings).toEqual(["precision is ill-defined (no predicted samples of the positive class): set to 0"]);
  });

  test("log-loss clips probabilities to [eps, 1 - eps]", () => {
    // log_loss([1, 0, 1, 0], [1.0, 0.0, 0.0, 1.0]) -> 18.021826694558577
    expectClose(logLoss(Uint8Array.from([1, 0, 1, 0]), Float64Array.from([1, 0, 0, 1]), 1), 18.021826694558577);
    // log_loss([1, 0, 1], [0.999, 0.2, 0.5]) -> 0.30576374406924617
    expectClose(logLoss(Uint8Array.from([1, 0, 1]), Float64Array.from([0.999, 0.2, 0.5]), 1), 0.30576374406924617);
  });
});

describe("bad input is refused with a clear message", () => {
  test("lengths, labels, probabilities", () => {
    expect(() => classificationMetrics(Uint8Array.from([0, 1]), Uint8Array.from([0]), Float64Array.from([0.1, 0.2]), 1)).toThrow(/yPred has 1 values but yTrue has 2/);
    expect(() => classificationMetrics(Uint8Array.from([0, 2]), Uint8Array.from([0, 1]), Float64Array.from([0.1, 0.2]), 1)).toThrow(/yTrue\[1\] is 2, expected a class index 0 or 1/);
    expect(() => logLoss(Uint8Array.from([0, 1]), Float64Array.from([0.1, 1.2]), 1)).toThrow(/probability 1 is 1.2, expected a value in \[0, 1\]/);
    expect(() => accuracyScore(new Uint8Array(0), new Uint8Array(0))).toThrow(/at least one sample/);
  });
});

describe("a test-set-sized case with many tied scores", () => {
  // Built identically in Python (n = 1811):
  //   y[i] = 1 if ((i*7919) % 10007) % 3 == 0 else 0; s[i] = floor(((i*104729) % 9973) / 9973 * 100) / 100,
  //   s = min(1, s + 0.25) where y == 1; pred = (s >= 0.5); scores = s (pos 1) or 1 - s (pos 0).
  // Expected: roc_auc_score(yb, scores), average_precision_score(y, scores, pos_label=pos),
  // log_loss(yb, scores), f1_score(y, pred, pos_label=pos), len(roc fpr), len(pr precision),
  // fpr[17], tpr[17], precision[40], recall[40], pr thresholds[40].
  const n = 1811;
  const y = new Uint8Array(n);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = ((i * 7919) % 10007) % 3 === 0 ? 1 : 0;
    s[i] = Math.floor((((i * 104729) % 9973) / 9973) * 100) / 100;
    if (y[i] === 1) s[i] = Math.min(1, s[i]! + 0.25);
  }
  const pred = s.map((v) => (v >= 0.5 ? 1 : 0));
  type Row = [0 | 1, number, number, number, number, number, number, number, number, number, number, number];
  const rows: Row[] = [
    [1, 0.7195969189863355, 0.6220668918663008, 0.75474115338226, 0.5325227963525836, 106, 112, 0.14759535655058043, 0.4099173553719008, 0.4159220146222583, 0.8462809917355372, 0.39],
    [0, 0.7196647615914916, 0.8452116142974335, 0.75474115338226, 0.611026808295397, 105, 111, 0.0, 0.21061359867330018, 0.76374156219865, 0.6567164179104478, 0.37],
  ];
  test.each(rows)("positive %d", (positive, auc, ap, ll, f1, rocLen, prLen, fpr17, tpr17, p40, r40, t40) => {
    const scores = positive === 1 ? s : s.map((v) => 1 - v);
    expectClose(rocAuc(y, scores, positive), auc, 1e-14);
    expectClose(averagePrecision(y, scores, positive), ap, 1e-14);
    expectClose(logLoss(y, scores, positive), ll, 1e-14);
    expectClose(f1Score(y, pred, positive), f1);
    const roc = rocCurve(y, scores, positive);
    const pr = prCurve(y, scores, positive);
    expect([roc.fpr.length, pr.precision.length]).toEqual([rocLen, prLen]);
    expectClose(roc.fpr[17]!, fpr17);
    expectClose(roc.tpr[17]!, tpr17);
    expectClose(pr.precision[40]!, p40);
    expectClose(pr.recall[40]!, r40);
    expectClose(pr.thresholds[40]!, t40);
  });
});
