/**
 * `writeRunReport(runDir)`: the HTML report of one run, written atomically to
 * `<runDir>/report.html` (self-contained: opens offline, no CDN). Tracking logs the same file as
 * an artifact when it is on.
 */
import { platform } from "../runtime/index.ts";
import { loadSchema, type Schema } from "../schema.ts";
import { loadPlotlySource } from "../viz/html.ts";
import { renderDocument } from "./document.ts";
import { loadRunData } from "./load.ts";
import { buildSections } from "./sections.ts";
import { writeRunsIndex } from "./index-page.ts";
import { runStateText } from "./runs.ts";
import { openRunFolder } from "../artifacts.ts";

export const REPORT_FILE = "report.html";

export interface RunReportOptions {
  schema?: Schema;
  /** Scoring metric name shown on the search plots (default: the leaderboard's, else "f1"). */
  scoring?: string;
  /** Where to write (default `<runDir>/report.html`). */
  output?: string;
  /** Clock for the "generated at" line (tests pin it). */
  now?: Date;
}

/** The report HTML of a run, without writing it. */
export async function renderRunReport(runDir: string, options: RunReportOptions = {}): Promise<string> {
  const data = await loadRunData(runDir);
  const schema = options.schema ?? await loadSchema();
  const scoring = options.scoring ?? data.leaderboard?.[0]?.raw.scoring ?? "f1";
  const sections = buildSections(data, schema, scoring);
  return renderDocument(sections, {
    title: `netsec run ${data.run.timestamp}`,
    subtitle: [`Run folder: ${data.run.dir}`, ...(data.status && data.status.status !== "complete" ? [`Run ${runStateText(data.status)}`] : []), `Generated ${(options.now ?? new Date()).toISOString()} by netsec report`],
    plotly: await loadPlotlySource(),
    missing: data.missing,
  });
}

/**
 * Write the report into the run folder (and refresh `index.html` of the folder holding the runs,
 * which links every run's report); returns the report's path.
 */
export async function writeRunReport(runDir: string, options: RunReportOptions = {}): Promise<string> {
  const html = await renderRunReport(runDir, options);
  const output = options.output ?? `${runDir.replace(/\/+$/, "")}/${REPORT_FILE}`;
  await platform.writeFileAtomic(output, html);
  if (options.output === undefined) {
    const root = openRunFolder(runDir).dir.replace(/\/[^/]+$/, "") || ".";
    await writeRunsIndex(root);
  }
  return output;
}
