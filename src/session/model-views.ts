/**
 * What `lab.search()`, `lab.evaluate()`, `lab.threshold()`, `lab.explain()`, `lab.push()` and
 * `lab.export()` return, each showing first what a data scientist looks at: the leaderboard and
 * its CV figure; the metrics at the threshold with the confusion matrix, ROC and PR curves and the
 * comparison with the pushed model; the decision and why.
 */
import type { Schema } from "../schema.ts";
import type { TrainArtifacts } from "../stages/train.ts";
import type { EvaluateArtifacts } from "../stages/evaluate.ts";
import type { PushArtifacts } from "../stages/push.ts";
import { decisionText, type PushDecision } from "../stages/gates.ts";
import type { ExplanationSummary } from "../stages/explanations.ts";
import { ONNX_INPUT, onnxOutputNames } from "../models/onnx/export.ts";
import { cvScoresFigure } from "../viz/cv-scores.ts";
import { confusionFigure } from "../viz/confusion.ts";
import { prFigure, rocFigure, thresholdFigure } from "../viz/curves.ts";
import { calibrationFigure } from "../viz/calibration.ts";
import { beeswarmFigure, contributionBarFigure } from "../viz/explanations.ts";
import type { PrCurve } from "../stats/metrics.ts";
import type { Provenance, RunTracked } from "./engine.ts";
import { figure, frameOf, lines, Shown, table, type DataFrame, type Part } from "./show.ts";
import { provenanceLine } from "./provenance.ts";
import { registeredLine, trackedLine, type Registered } from "./tracked.ts";

const f4 = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "n/a" : v.toFixed(4));
/** How a notebook forces a push the evaluation refused. */
export const FORCE_IN_NOTEBOOK = "lab.push({ force: true })";

export class LeaderboardResult extends Shown {
  /** Every grid point, best first: family, params, mean and std CV score, fold scores, fit seconds. */
  readonly table: DataFrame;

  constructor(readonly trainer: TrainArtifacts, readonly provenance: Provenance[]) {
    super();
    const scoring = trainer.search.best.scoring;
    this.table = frameOf(trainer.search.leaderboard.map((c, i) => ({
      rank: i + 1,
      family: c.family,
      params: JSON.stringify(c.params),
      [`mean ${scoring}`]: c.meanScore,
      std: c.stdScore,
      folds: c.foldScores.map((s) => s.toFixed(4)).join(" "),
      "fit s": c.fitSeconds,
    })));
  }

  get title(): string {
    const b = this.trainer.search.best;
    return `Search: best ${b.family} ${JSON.stringify(b.params)}, CV ${b.scoring} ${f4(b.meanScore)} ± ${f4(b.stdScore)} (${this.trainer.search.protocol} folds), ${this.trainer.search.leaderboard.length} candidates`;
  }

  protected parts(): Part[] {
    const s = this.trainer.search;
    const other = s.protocols[s.protocol === "grouped" ? "leaky" : "grouped"];
    const t = this.trainer.threshold;
    return [
      lines(
        other && `the winner on ${other.protocol} folds: ${f4(other.meanScore)} (${other.protocol === "leaky" ? "copies of validation rows in the training folds make it look better than it is" : "identical feature vectors kept in one fold"})`,
        `threshold ${f4(t.threshold)} on P(positive) by ${t.rule}${t.met ? "" : " (not attainable: the closest)"}: out-of-fold precision ${f4(t.precision)}, recall ${f4(t.recall)}, F1 ${f4(t.f1)}`,
        `search ${s.seconds.toFixed(1)} s, refit ${s.refitSeconds.toFixed(1)} s`,
        provenanceLine(this.provenance),
      ),
      table("Leaderboard", this.table),
      figure(cvScoresFigure(s.leaderboard.filter((c) => Number.isFinite(c.meanScore)), s.best.scoring)),
    ];
  }

  toJSON(): unknown {
    const s = this.trainer.search;
    return { best: { family: s.best.family, params: s.best.params, cv: s.best.meanScore, std: s.best.stdScore }, protocol: s.protocol, cv: Object.fromEntries(Object.entries(s.protocols).map(([k, v]) => [k, v?.meanScore])), threshold: this.trainer.threshold.threshold, candidates: s.leaderboard.length, runDir: this.trainer.dir.replace(/\/[^/]+$/, "") };
  }
}

export class EvaluationResult extends Shown {
  /** Test metrics at each model's threshold: the new model and, when there is one, the pushed model. */
  readonly table: DataFrame;

  constructor(readonly evaluation: EvaluateArtifacts, private readonly schema: Schema, readonly provenance: Provenance[]) {
    super();
    const current = evaluation.current;
    this.table = frameOf(Object.keys(evaluation.scalars).map((metric) => ({
      metric,
      "new (test)": evaluation.scalars[metric],
      "new (train)": (evaluation.trainMetrics as unknown as Record<string, number>)[metric],
      ...(current ? { [`pushed v${current.version}`]: current.metrics[metric] } : {}),
    })));
  }

  get title(): string {
    const e = this.evaluation;
    return `Evaluation: test ${e.decisionInput.scoring} ${f4(e.testScore)} at threshold ${f4(e.threshold)}; ${e.decision.push ? "would be pushed" : "would not be pushed"}`;
  }

  protected parts(): Part[] {
    const e = this.evaluation;
    const labels = [0, 1].map((i) => this.schema.labelOf(this.schema.targetValue(i)));
    const support = e.metrics.support;
    const parts: Part[] = [
      lines(
        e.current ? `compared with the pushed model v${e.current.version} (${e.current.family}): ${e.comparedOn?.reason ?? ""}` : (e.currentNote ?? "no model pushed yet"),
        `push decision: ${decisionText(e.decision, FORCE_IN_NOTEBOOK)}`,
        provenanceLine(this.provenance),
      ),
      table("Metrics", this.table),
      figure(confusionFigure({ labels, matrix: e.metrics.confusion.matrix }, "Confusion matrix (test rows)")),
      figure(rocFigure([{ name: "new model", ...e.curves.roc, auc: e.scalars.roc_auc }])),
      figure(prFigure([{ name: "new model", ...e.curves.pr, ap: e.scalars.pr_auc }], support.positive / Math.max(1, support.positive + support.negative))),
      ...(e.calibration ? [figure(calibrationFigure(e.calibration))] : []),
    ];
    return parts;
  }

  toJSON(): unknown {
    const e = this.evaluation;
    return { metrics: e.scalars, threshold: e.threshold, push: e.decision.push, reasons: e.decision.reasons, current: e.current ? { version: e.current.version, metrics: e.current.metrics } : null };
  }
}

export class ThresholdResult extends Shown {
  /** The chosen threshold's numbers on the out-of-fold predictions (where it was chosen) and on the test rows. */
  readonly table: DataFrame;

  constructor(readonly trainer: TrainArtifacts, readonly evaluation: EvaluateArtifacts, readonly positiveLabel: string, readonly oofPr: PrCurve) {
    super();
    const t = trainer.threshold;
    const m = evaluation.metrics;
    this.table = frameOf([
      { rows: "out-of-fold (train)", threshold: t.threshold, precision: t.precision, recall: t.recall, f1: t.f1 },
      { rows: "test", threshold: evaluation.threshold, precision: m.precision, recall: m.recall, f1: m.f1 },
    ]);
  }

  get title(): string {
    const t = this.trainer.threshold;
    return `Threshold ${f4(t.threshold)} on P(${this.positiveLabel}) by ${t.rule}${t.met ? "" : " (not attainable: the closest one)"}`;
  }

  protected parts(): Part[] {
    return [
      lines(`predict ${this.positiveLabel} when P(${this.positiveLabel}) ≥ the threshold; chosen on the winner's out-of-fold predictions of the training split (never on the test rows), without refitting the model`),
      table("At this threshold", this.table),
      figure(thresholdFigure(this.oofPr, this.trainer.threshold.threshold, "Out-of-fold precision, recall and F1 against the threshold (where it is chosen; dashed: the chosen one)")),
      figure(thresholdFigure(this.evaluation.curves.pr, this.evaluation.threshold, "Test precision, recall and F1 against the threshold (dashed: the chosen one)")),
    ];
  }

  toJSON(): unknown {
    const t = this.trainer.threshold;
    return { threshold: t.threshold, rule: t.rule, met: t.met, oof: { precision: t.precision, recall: t.recall, f1: t.f1 }, test: { precision: this.evaluation.metrics.precision, recall: this.evaluation.metrics.recall, f1: this.evaluation.metrics.f1 } };
  }
}

/** The explanation of a sample of test rows (global) or of one row. */
export class ExplanationResult extends Shown {
  readonly table: DataFrame;

  constructor(readonly summary: ExplanationSummary, readonly row?: { label: string; probability: number; values: number[] }) {
    super();
    const order = summary.features.map((_, i) => i).sort((a, b) => summary.meanAbs[b] - summary.meanAbs[a]);
    this.table = row
      ? frameOf(order.map((i) => ({ feature: summary.features[i], value: row.values[i], contribution: summary.contributions[0][i] })))
      : frameOf(order.map((i) => ({ feature: summary.features[i], "mean |contribution|": summary.meanAbs[i] })));
  }

  get title(): string {
    return this.row ? `Why ${this.row.label}: P = ${f4(this.row.probability)} (${this.summary.output} = base ${f4(this.summary.base)} + contributions)` : `Why the model decides: contributions of ${this.summary.rows} of ${this.summary.of} test rows (${this.summary.output})`;
  }

  protected parts(): Part[] {
    const method = this.summary.family === "logistic_regression" ? "exact linear terms" : "TreeSHAP";
    return [
      lines(`${method}: base + Σ contributions = the model's ${this.summary.output} for each row`),
      figure(contributionBarFigure(this.summary, { top: 15, title: this.row ? "Contribution of each feature to this row" : "Mean |contribution| per feature" })),
      ...(this.row ? [] : [figure(beeswarmFigure(this.summary, { top: 12 }))]),
      table(this.row ? "Features of this row, strongest first" : "Features, strongest first", this.table, 15),
    ];
  }

  toJSON(): unknown {
    return { output: this.summary.output, base: this.summary.base, rows: this.summary.rows, features: this.summary.features, meanAbs: this.summary.meanAbs, ...(this.row ? { probability: this.row.probability, contributions: this.summary.contributions[0] } : {}) };
  }
}

export class PushResult extends Shown {
  /** The pushed model set (or the refused model): one row per property. */
  readonly table: DataFrame;

  constructor(
    readonly push: Pick<PushArtifacts, "pushed" | "reasons" | "version" | "sha256" | "modelDir"> & { decision?: PushDecision },
    readonly already = false,
    readonly runDir?: string,
    /** Where the push was tracked (the run, the registry's version), when tracking is on. */
    readonly tracked?: { run?: RunTracked; registered?: Registered },
  ) {
    super();
    const p = this.push;
    this.table = frameOf([
      { property: "model folder", value: p.modelDir },
      { property: "version", value: p.version === undefined ? "" : String(p.version) },
      { property: "model.json sha256", value: p.sha256 ?? "" },
      { property: "run folder", value: runDir ?? "" },
      ...(tracked?.run ? [{ property: "tracked", value: tracked.run.kind === "mlflow" ? `MLflow run ${tracked.run.serverId ?? "(waiting for netsec sync)"}` : `local run log, run ${tracked.run.id ?? "?"}` }] : []),
      ...(tracked?.registered ? [{ property: "registered", value: tracked.registered.version ? `${tracked.registered.name} version ${tracked.registered.version} (alias ${tracked.registered.alias})` : "no" }] : []),
    ].filter((r) => r.value !== ""), ["property", "value"]);
  }

  get title(): string {
    if (this.already) return `Already pushed: ${this.push.modelDir} serves this model as version ${this.push.version}`;
    return this.push.pushed ? `Pushed: ${this.push.modelDir} version ${this.push.version}` : "Not pushed";
  }

  protected parts(): Part[] {
    const why = this.push.decision ? decisionText(this.push.decision, FORCE_IN_NOTEBOOK) : this.push.reasons.join("; ");
    return [
      lines(
        `why: ${why}`,
        this.tracked?.run && trackedLine(this.tracked.run),
        this.tracked?.registered && registeredLine(this.tracked.registered),
      ),
      table(this.push.pushed ? "The pushed model" : "The model", this.table),
    ];
  }

  toJSON(): unknown {
    const t = this.tracked;
    return {
      pushed: this.push.pushed, already: this.already, version: this.push.version ?? null, reasons: this.push.reasons, modelDir: this.push.modelDir,
      ...(t ? { tracking: t.run ? { kind: t.run.kind, runId: t.run.serverId ?? t.run.id ?? null, url: t.run.url ?? null } : null, registered: t.registered ? { name: t.registered.name, version: t.registered.version ?? null } : null } : {}),
    };
  }
}

/** One input or output of an exported ONNX graph. */
export interface OnnxPort {
  name: string;
  type: string;
  meaning: string;
}

/** The input and outputs of the ONNX graph netsec exports for this contract (src/models/onnx/export.ts). */
export function onnxPorts(schema: Schema): OnnxPort[] {
  const [label, p0, p1] = onnxOutputNames([0, 1].map((i) => schema.labelOf(schema.targetValue(i))) as [string, string]);
  return [
    { name: ONNX_INPUT, type: `float32 [N, ${schema.featureNames.length}]`, meaning: `the features of ${schema.source} in its order, imputed` },
    { name: label, type: "int64 [N]", meaning: `the predicted ${schema.target.name} at the model's threshold` },
    ...[p0, p1].map((name) => ({ name, type: "float32 [N]", meaning: `P(${name.replace(/^probability_/, "")})` })),
  ];
}

export class ExportResult extends Shown {
  /** The graph's input and outputs (exported), or the families ONNX can express (refused). */
  readonly table: DataFrame;

  constructor(readonly exported: { format: "onnx"; path?: string; bytes?: number; family: string; refused?: string; ports?: OnnxPort[]; exportable?: string[] }) {
    super();
    this.table = exported.refused
      ? frameOf((exported.exportable ?? []).map((family) => ({ "families ONNX can express": family })), ["families ONNX can express"])
      : frameOf((exported.ports ?? []).map((p) => ({ ...p })), ["name", "type", "meaning"]);
  }

  get title(): string {
    const e = this.exported;
    return e.refused ? `Not exported: ${e.refused}` : `Exported the ${e.family} model to ONNX: ${e.path} (${e.bytes?.toLocaleString("en-US")} bytes)`;
  }

  protected parts(): Part[] {
    if (this.exported.refused) return [lines("search one of these families to export a model"), table("Exportable families", this.table)];
    return [
      lines("standard ai.onnx.ml operators: loads in onnxruntime (Python, Node), MLflow's onnx flavor, any ONNX runtime"),
      table("Input and outputs", this.table),
    ];
  }

  toJSON(): unknown {
    const { ports: _ports, exportable: _exportable, ...rest } = this.exported;
    return rest;
  }
}
