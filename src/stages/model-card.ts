/** MODEL_CARD.md: a short human-readable summary next to the pushed model. */
import type { ModelFileJson, ModelManifest } from "../models/model-file.ts";
import type { PushDecision } from "./gates.ts";

const fmt = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "n/a" : v.toFixed(4));

export function modelCard(file: ModelFileJson, manifest: ModelManifest, decision: PushDecision): string {
  const m = file.metrics;
  const lines = [
    `# Model card: ${file.model.family} (version ${manifest.version})`,
    "",
    `Phishing-website classifier trained by netsec. Pushed ${manifest.createdAt}${manifest.runDir ? ` from run \`${manifest.runDir}\`` : ""}.`,
    "",
    "## Model",
    `- family: \`${file.model.family}\``,
    `- parameters: \`${JSON.stringify(file.model.params)}\``,
    `- experiment: \`${file.experiment.name}\` (seed ${file.experiment.seed}, ranked by ${file.experiment.scoring})`,
    `- cross-validation ${file.experiment.scoring}: ${fmt(file.cv.meanScore)} ± ${fmt(file.cv.stdScore)} over ${file.cv.folds} ${file.cv.protocol === "grouped" ? "grouped folds (identical feature vectors never in two folds)" : file.cv.protocol === "leaky" ? "folds dealt row by row (copies of a row may sit in two folds: optimistic)" : "folds"}`,
    "",
    "## Decision threshold",
    manifest.threshold === undefined
      ? "- none recorded: a row is predicted phishing when P(phishing) ≥ 0.5"
      : `- predict ${file.target.name} = ${file.target.positive} (phishing) when P(phishing) ≥ **${manifest.threshold.toFixed(4)}**`,
    ...(manifest.thresholdRule
      ? [`- chosen by ${manifest.thresholdRule.rule}${manifest.thresholdRule.met ? "" : " (not attainable: the closest threshold)"} on ${manifest.thresholdRule.on}: precision ${fmt(manifest.thresholdRule.precision)}, recall ${fmt(manifest.thresholdRule.recall)}, F1 ${fmt(manifest.thresholdRule.f1)}`]
      : []),
    "- `netsec predict --threshold T` and `/predict?threshold=T` override it for one run or request.",
    "",
    `## Test metrics (held-out split${manifest.threshold === undefined ? "" : `, at the threshold`})`,
    "| metric | value |",
    "|---|---|",
    ...["accuracy", "precision", "recall", "f1", "f1_macro", "roc_auc", "pr_auc", "log_loss"].map((k) => `| ${k} | ${fmt(m[k])} |`),
    "",
    `Precision, recall and F1 are of the positive class: ${file.target.name} = ${file.target.positive} (phishing).`,
    "",
    "## Why it was pushed",
    ...decision.reasons.map((r) => `- ${r}`),
    ...decision.gates.map((g) => `- gate ${g.name}: ${g.passed ? "passed" : "failed"} (${g.message})`),
    "",
    "## Data and integrity",
    `- features: ${file.features.length} columns of schema.yaml (schema hash \`${file.schemaHash.slice(0, 16)}…\`)`,
    `- training data fingerprint (sha256 of the transformed train array): \`${file.dataFingerprint}\``,
    ...(file.trainingSet ? [`- training set: ${file.trainingSet.rows} rows, ${file.trainingSet.vectors} distinct feature vectors (their keys are in model.json: the push gate compares models on rows neither was trained on)`] : []),
    `- model.json sha256: \`${manifest.sha256}\` (also in model.json.sha256; verified on every load)`,
    manifest.onnx && "sha256" in manifest.onnx
      ? `- model.onnx sha256: \`${manifest.onnx.sha256}\` (the same model as ONNX: input \`features\` float32 [N, ${file.features.length}], imputed; see docs/export.md)`
      : `- no model.onnx: ${manifest.onnx && "refused" in manifest.onnx ? manifest.onnx.refused : "not exported"}`,
    "",
    "## Intended use and limits",
    "Scores websites described by the 30 UCI \"Phishing Websites\" features (values -1/0/1). It is only as",
    "good as those hand-crafted features; it has not seen sites whose features drift from the training data",
    "(see the run's drift report).",
    "",
  ];
  return lines.join("\n");
}
