/** `netsec train`: run the pipeline on one dataset into a new run folder. */
import type { Command } from "./command.ts";
import { optionFlag, optionString } from "./command.ts";
import { platform } from "../runtime/index.ts";
import { cvScores, prepareRun, runPipeline, type PipelineHooks, type RunRecorder } from "../pipeline.ts";
import { resolveSettings } from "../settings.ts";
import { startPipelineTracking } from "../tracking/pipeline.ts";
import { writeRunReport } from "../report/write.ts";
import { runRecordOf } from "../report/record.ts";
import { onnxSupport } from "../models/onnx/export.ts";
import { writeRunsIndex } from "../report/index-page.ts";
import { decisionText } from "../stages/gates.ts";

export const trainCommand: Command = {
  name: "train",
  summary: "run the whole pipeline (ingest → validate → transform → train → evaluate → push) into a new run folder",
  options: [
    { name: "data", value: "<csv|arff|mongodb uri>", description: "the training data (default: network_data/phisingData.csv, fetched by scripts/fetch-data when missing)" },
    { name: "experiment", value: "<file>", description: "experiment file (split, validation limits, imputer, model search)", default: "experiments/default.yaml" },
    { name: "artifacts", value: "<dir>", description: "where run folders are created", default: "Artifacts" },
    { name: "model-dir", value: "<dir>", description: "where the accepted model is pushed", default: "final_model" },
    { name: "reference", value: "<run dir>", description: "an earlier run folder: report drift of the new data against its validated train data" },
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
    const options = { data: settings.data, experiment: settings.experiment, artifacts: settings.artifacts, reference: settings.reference, modelDir: settings.modelDir, force: optionFlag(args, "force"), reporter };
    // The experiment (families, parameters, grid size) and the data source are checked before
    // anything is recorded: a run that cannot start leaves no folder and no tracked run.
    const prepared = await prepareRun(options);
    // Tracking: MLflow when MLFLOW_TRACKING_URI is set, else the local run log (.netsec/runs).
    const tracking = await startPipelineTracking({ reporter, experiment: prepared.experiment, schema: prepared.schema, stateDir: settings.stateDir });
    // SIGINT/SIGTERM: run.json says "interrupted" (stage, signal), tracking ends the run KILLED
    // (at most 5 s), the index is rewritten, exit 128 + the signal's number. A push in progress is
    // let finish first (well under a second; at most 5 s). A second signal exits at once.
    let recorder: RunRecorder | undefined;
    const hooks: PipelineHooks = { ...tracking, onStageStart: (name, run, r) => ((recorder = r), tracking.onStageStart(name, run)) };
    let stopping = false;
    const stopSignals = platform.onSignal(["SIGINT", "SIGTERM"], (signal) => {
      const code = signal === "SIGINT" ? 130 : 143;
      if (stopping) platform.exit(code);
      stopping = true;
      reporter.warn(`train: ${signal}: stopping; the run is marked interrupted`);
      void (async () => {
        const until = Date.now() + 5000;
        while (recorder?.current === "push" && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
        if (recorder?.status.status === "running") await recorder.fail(new Error(`interrupted by ${signal}`), "interrupted").catch(() => undefined);
        await Promise.race([tracking.finish("KILLED", { interrupted: signal }).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5000))]);
        await writeRunsIndex(settings.artifacts).catch(() => undefined);
        platform.exit(code);
      })();
    });
    let result: Awaited<ReturnType<typeof runPipeline>>;
    try {
      result = await runPipeline(options, hooks, prepared);
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
    try {
      const report = await writeRunReport(runRecordOf(result.run, { ingestion: result.ingestion, validation: result.validation, trainer: result.trainer, evaluation: result.evaluation, push: result.push }));
      await tracking.parent.logArtifact("report.html", { file: report });
      reporter.info(`report: ${report}`);
    } catch (error) {
      reporter.warn(`report: not written: ${error instanceof Error ? error.message : String(error)}`);
    }
    await tracking.finish("FINISHED", result.summary);
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
    if (optionFlag(args, "json")) platform.stdoutWrite(JSON.stringify({ ...summary, ...model }) + "\n");
    else {
      platform.stdoutWrite(`run folder: ${summary.runDir}\n`);
      for (const [name, stage] of Object.entries(summary.stages)) platform.stdoutWrite(`  ${name.padEnd(16)} ${stage.dir}  (${stage.seconds.toFixed(1)} s)\n`);
      if (summary.warnings.length) platform.stdoutWrite(`${summary.warnings.length} warning(s):\n${summary.warnings.map((w) => `  - ${w}`).join("\n")}\n`);
    }
    return 0;
  },
};
