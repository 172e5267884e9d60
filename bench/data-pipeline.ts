/**
 * The data half of the pipeline (ingest → validate → transform) on one file, under Deno, as the
 * benchmark runs it: `deno run -A bench/data-pipeline.ts <csv> [artifacts dir]`. Prints the run
 * summary as JSON and the peak RSS seen by sampling every 50 ms (the script's own view; the
 * shell wrapper also reports /usr/bin/time's maximum resident set size).
 */
import { runDataPipeline } from "../src/pipeline.ts";
import { createReporter } from "../src/reporter.ts";
import { platform } from "../src/runtime/index.ts";

const [data, artifacts = "bench/out/Artifacts"] = platform.args();
if (!data) {
  platform.stderrWrite("usage: deno run -A bench/data-pipeline.ts <csv> [artifacts dir]\n");
  platform.exit(2);
}
let peak = platform.rss();
let stagePeak = 0;
const stagePeaks: Record<string, number> = {};
const sample = () => {
  const rss = platform.rss();
  peak = Math.max(peak, rss);
  stagePeak = Math.max(stagePeak, rss);
};
const timer = setInterval(sample, 50);
const started = performance.now();
const result = await runDataPipeline({ data, artifacts, reporter: createReporter({ plain: true }) }, {
  onStageStart: () => {
    stagePeak = platform.rss();
  },
  onStage: ({ name }) => {
    sample();
    stagePeaks[name] = Math.round(stagePeak / 2 ** 20);
  },
});
const seconds = (performance.now() - started) / 1000;
clearInterval(timer);
peak = Math.max(peak, platform.rss());
const stages = Object.fromEntries(Object.entries(result.summary.stages).map(([name, s]) => [name, s.seconds]));
platform.stdoutWrite(JSON.stringify({ data, runDir: result.summary.runDir, rows: result.ingestion.summary.rows, seconds, stages, stagePeakRssMB: stagePeaks, peakRssMB: Math.round(peak / 2 ** 20) }) + "\n");
