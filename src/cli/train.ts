/** `netsec train`: run the pipeline on one dataset into a new run folder. */
import type { Command } from "./command.ts";
import { optionFlag, optionString } from "./command.ts";
import { platform } from "../runtime/index.ts";
import { cvScores, INTERRUPT_EXIT_CODES, interruptRun, prepareRun, resolveDefaultData, runPipeline, type RunRecorder } from "../pipeline.ts";
import { loadSchema } from "../schema.ts";
import { evaluateOnFeedback, FEEDBACK_HOLDOUT, type FeedbackEvaluation, type FeedbackSet, loadFeedback, writeDataWithFeedback } from "../stages/feedback-data.ts";
import { datasetInput } from "../tracking/dataset.ts";
import { resolveSettings } from "../settings.ts";
import { startPipelineTracking } from "../tracking/pipeline.ts";
import { writeRunReport } from "../report/write.ts";
import { runRecordOf } from "../report/record.ts";
import { onnxSupport } from "../models/onnx/export.ts";
import { writeRunsIndex } from "../report/index-page.ts";
import { decisionText } from "../stages/gates.ts";
import { trainSummaryText } from "./train-summary.ts";
import { schemaFromArgs, schemaOption } from "./schema-option.ts";

export const trainCommand: Command = {
  name: "train",
  summary: "run the whole pipeline (ingest → validate → transform → train → evaluate → push) into a new run folder",
  options: [
    { name: "data", value: "<csv|arff|mongodb uri>", description: "the training data (default: network_data/phisingData.csv, fetched by scripts/fetch-data when missing)" },
    { name: "experiment", value: "<file>", description: "experiment file (split, validation limits, imputer, model search)", default: "experiments/default.yaml" },
    { name: "artifacts", value: "<dir>", description: "where run folders are created", default: "Artifacts" },
    { name: "model-dir", value: "<dir>", description: "where the accepted model is pushed", default: "final_model" },
    schemaOption,
    { name: "reference", value: "<run dir>", description: "an earlier run folder: report drift of the new data against its validated train data" },
    { name: "feedback", value: "<mongodb uri>", description: "the prediction log (mongodb://host/db.collection of netsec serve --prediction-log): rows analysts labelled join the training data, a held-out share is evaluated on apart" },
    { name: "force", description: "push even when the new model is not better than the current one (the gates still apply)" },
    { name: "json", description: "print one JSON object (run folder, stages, warnings) as the last line of stdout" },
  ],
  details: `
Stages write Artifacts/<MM_DD_YYYY_HH_MM_SS>/{data_ingestion,data_validation,data_transformation,…}.
A stage that fails leaves no folder behind. Identical feature vectors stay on one side of the
split and of every CV fold (experiment split.group_duplicates); the winner is cross-validated once
more row by row, the decision threshold is chosen on its out-of-fold predictions, and it is
compared with the model in --model-dir on the test rows neither was trained on. Progress goes to
stderr; with --json, stdout ends with {"runDir": …, "stages": {…}, "warnings": […], "bestModel":
…, "cv": {"grouped": …, "leaky": …}, "threshold": …, "metrics": …, "pushed": …}.`,
  async run({ args, reporter }) {
    const settings = resolveSettings({ data: optionString(args, "data"), experiment: optionString(args, "experiment"), artifacts: optionString(args, "artifacts"), modelDir: optionString(args, "model-dir"), reference: optionString(args, "reference") }, { base: "" });
    let recorder: RunRecorder | undefined;
    const givenSchema = await schemaFromArgs(args);
    // --feedback: the labelled served rows; most join the training data (a CSV next to the run
    // folders: the data + those rows), the rest are held out and scored apart after the run.
    let feedback: (FeedbackSet & { baseData: string }) | undefined;
    let data = settings.data;
    const feedbackUri = optionString(args, "feedback");
    if (feedbackUri) {
      const schema = givenSchema ?? await loadSchema();
      const baseData = data ?? await resolveDefaultData(reporter);
      feedback = { ...await loadFeedback(feedbackUri, schema), baseData };
      const dir = `${settings.artifacts}/.feedback`;
      await platform.mkdir(dir);
      data = `${dir}/data+feedback-${feedback.digest}.csv`;
      await writeDataWithFeedback(baseData, feedback.train, schema, data);
      reporter.info(`feedback: ${feedback.train.length + feedback.holdout.length} labelled rows from ${feedback.location} (digest ${feedback.digest}): ${feedback.train.length} join the training data (${data}), ${feedback.holdout.length} held out (${FEEDBACK_HOLDOUT * 100} %) to evaluate on`);
    }
    const options = { data, experiment: settings.experiment, artifacts: settings.artifacts, reference: settings.reference, modelDir: settings.modelDir, force: optionFlag(args, "force"), schema: givenSchema, reporter, onRecorder: (r: RunRecorder) => void (recorder = r) };
    // The experiment (families, parameters, grid size) and the data source are checked before
    // anything is recorded: a run that cannot start leaves no folder and no tracked run.
    const warningsBefore = reporter.warnings.length;
    const prepared = await prepareRun(options);
    // Tracking: MLflow when MLFLOW_TRACKING_URI is set, else the local run log (.netsec/runs).
    const tracking = await startPipelineTracking({ reporter, experiment: prepared.experiment, schema: prepared.schema, stateDir: settings.stateDir });
    // SIGINT/SIGTERM: run.json says "interrupted", tracking ends the run KILLED (bounded), the
    // index is rewritten, exit 130/143. A second signal exits at once.
    let stopping = false;
    const stopSignals = platform.onSignal(["SIGINT", "SIGTERM"], (signal) => {
      const code = INTERRUPT_EXIT_CODES[signal as keyof typeof INTERRUPT_EXIT_CODES];
      if (stopping) platform.exit(code);
      stopping = true;
      reporter.warn(`train: ${signal}: stopping; the run is marked interrupted`);
      void (async () => {
        await interruptRun(recorder, signal as keyof typeof INTERRUPT_EXIT_CODES).catch(() => undefined);
        await Promise.race([tracking.finish("KILLED", { interrupted: signal }).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5000))]);
        await writeRunsIndex(settings.artifacts).catch(() => undefined);
        platform.exit(code);
      })();
    });
    let result: Awaited<ReturnType<typeof runPipeline>>;
    let feedbackReport: (FeedbackEvaluation & { digest: string; location: string; trainRows: number }) | undefined;
    try {
      if (feedback) {
        // The feedback rows' own lineage: a second dataset input of the run, context "feedback".
        await tracking.parent.logParams({ feedback: feedback.location, feedback_digest: feedback.digest, feedback_train_rows: feedback.train.length, feedback_holdout_rows: feedback.holdout.length, base_data: feedback.baseData });
        await tracking.parent.logInputs([datasetInput({ name: "feedback", digest: feedback.digest, location: feedback.location, kind: "mongodb", context: "feedback", rows: feedback.train.length + feedback.holdout.length, columns: [...prepared.schema.features.map((f) => ({ name: f.name, dtype: f.dtype })), { name: prepared.schema.target.name, dtype: prepared.schema.target.dtype }] })]);
      }
      result = await runPipeline(options, tracking, prepared);
      if (feedback && result.trainer && result.evaluation) {
        const evaluation = evaluateOnFeedback(feedback.holdout, result.schema, result.transformation.preprocessor, result.trainer.model, result.evaluation.threshold);
        feedbackReport = { ...evaluation, digest: feedback.digest, location: feedback.location, trainRows: feedback.train.length };
        const finite = Object.entries(evaluation.metrics ?? {}).filter(([, v]) => Number.isFinite(v));
        if (finite.length) await tracking.parent.logMetrics(Object.fromEntries(finite.map(([k, v]) => [`feedback_${k}`, v])));
        await platform.writeFile(`${result.run.dir}/feedback_evaluation.json`, JSON.stringify(feedbackReport, null, 2) + "\n");
        await tracking.parent.logArtifact("feedback_evaluation.json", { file: `${result.run.dir}/feedback_evaluation.json` });
        reporter.info(`feedback: the new model on ${evaluation.rows} held-out feedback rows: ${evaluation.metrics ? `F1 ${evaluation.metrics.f1.toFixed(4)}, accuracy ${evaluation.metrics.accuracy.toFixed(4)}` : "no rows to score"} (test split: F1 ${result.evaluation.scalars.f1?.toFixed(4)})`);
      }
    } catch (error) {
      stopSignals();
      await tracking.finish("FAILED", { error: error instanceof Error ? error.message : String(error) }).catch(() => undefined);
      // The runs index shows this run as failed (its run.json says why), or no longer lists it.
      await writeRunsIndex(settings.artifacts).catch(() => undefined);
      throw error;
    }
    stopSignals();
    const { summary } = result;
    // The run's HTML report (plots inlined) next to its stage folders, and in MLflow with the run.
    // The model is already pushed by now: a report that cannot be written is a warning, not a failure.
    let report: { file: string } | { error: string };
    try {
      const file = await writeRunReport(runRecordOf(result.run, { ingestion: result.ingestion, validation: result.validation, trainer: result.trainer, evaluation: result.evaluation, push: result.push }), { schema: prepared.schema });
      report = { file };
      reporter.info(`report: ${file}`);
      await tracking.parent.logArtifact("report.html", { file });
    } catch (error) {
      report = { error: error instanceof Error ? error.message : String(error) };
      reporter.warn(`report: not written: ${report.error}`);
    }
    await tracking.finish("FINISHED", result.summary);
    // Tracking sends in the background: what it warned of while finishing (a registry that answers
    // 404, say) belongs to this run's warnings too.
    summary.warnings = reporter.warnings.slice(warningsBefore);
    // finish() wrote the run's summary.json (push, data digest): the index shows them from it.
    await writeRunsIndex(settings.artifacts).catch((error) => reporter.warn(`index: not rewritten: ${error instanceof Error ? error.message : String(error)}`));
    // The model half's answer at the top level: best model, its test metrics, pushed or not (and why).
    const model = result.trainer && result.evaluation && result.push ? {
      bestModel: { family: result.trainer.search.best.family, params: result.trainer.search.best.params, cvScore: result.trainer.search.best.meanScore, cvProtocol: result.trainer.search.protocol, onnxExportable: onnxSupport(result.trainer.search.best.family).exportable },
      // The winner's CV score with identical feature vectors kept in one fold (grouped) and dealt
      // row by row (leaky, the seed's protocol): the gap is how optimistic the leaky number is.
      cv: cvScores(result.trainer),
      threshold: result.evaluation.threshold,
      metrics: result.evaluation.scalars,
      pushed: result.push.pushed,
      pushReasons: [decisionText(result.push.decision, "--force")],
      modelVersion: result.push.version ?? null,
    } : {};
    if (optionFlag(args, "json")) platform.stdoutWrite(JSON.stringify({ ...summary, ...model, ...(feedbackReport ? { feedback: feedbackReport } : {}) }) + "\n");
    // Without --json: one plain summary (stage timings are in run.json and the report).
    else platform.stdoutWrite(trainSummaryText({ result, report, modelDir: settings.modelDir }));
    return 0;
  },
};
