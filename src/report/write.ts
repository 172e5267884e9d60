/**
 * The HTML report of one run, written atomically to `<runDir>/report.html` (self-contained: opens
 * offline, no CDN). It is drawn from a typed RunRecord: the results a run or a notebook session
 * holds in memory (`runRecordOf`), or a run folder read back (`loadRunRecord`, `netsec report`).
 * Tracking logs the same file as an artifact when it is on.
 */
import { platform } from "../runtime/index.ts";
import { loadSchema, type Schema } from "../schema.ts";
import { loadCompressedPlotly, plotlyBundleFor, plotlyCompressedScriptTag } from "../viz/html.ts";
import { renderDocument } from "./document.ts";
import { loadRunRecord, type RunRecord } from "./record.ts";
import { buildSections } from "./sections.ts";
import { writeRunsIndex } from "./index-page.ts";
import { runStateText } from "./runs.ts";

export const REPORT_FILE = "report.html";

export interface RunReportOptions {
  schema?: Schema;
  /** Where to write (default `<runDir>/report.html`). */
  output?: string;
  /** Clock for the "generated at" line (tests pin it). */
  now?: Date;
}

/** The report HTML of a run, without writing it. */
export async function renderRunReport(record: RunRecord, options: RunReportOptions = {}): Promise<string> {
  const schema = options.schema ?? await loadSchema();
  const sections = buildSections(record, schema);
  const figures = sections.flatMap((s) => s.blocks.flatMap((b) => ("figure" in b ? [b.figure] : "figures" in b ? b.figures : [])));
  const lineage = Object.entries(record.run.lineage);
  return renderDocument(sections, {
    title: `netsec run ${record.run.timestamp}`,
    subtitle: [
      `Run folder: ${record.run.dir}`,
      ...(lineage.length ? [`Reuses ${lineage.map(([stage, from]) => `${stage} from ${from}`).join(", ")}`] : []),
      ...(record.status && record.status.status !== "complete" ? [`Run ${runStateText(record.status)}`] : []),
      `Generated ${(options.now ?? new Date()).toISOString()} by netsec`,
    ],
    plotlyScript: plotlyCompressedScriptTag(await loadCompressedPlotly(plotlyBundleFor(figures))),
    missing: record.missing,
  });
}

/**
 * Write the report into the run folder (and refresh `index.html` of the folder holding the runs,
 * which links every run's report); returns the report's path. Given a folder, the run is read back
 * from it first.
 */
export async function writeRunReport(run: RunRecord | string, options: RunReportOptions = {}): Promise<string> {
  const schema = options.schema ?? await loadSchema();
  const record = typeof run === "string" ? await loadRunRecord(run, schema) : run;
  const html = await renderRunReport(record, { ...options, schema });
  const output = options.output ?? `${record.run.dir}/${REPORT_FILE}`;
  await platform.writeFileAtomic(output, html);
  if (options.output === undefined) await writeRunsIndex(record.run.root);
  return output;
}
