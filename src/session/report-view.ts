/** What `lab.report()` returns: where the run's report is (and the index of every run), as links the notebook shows. */
import { html } from "../viz/markup.ts";
import { frameOf, lines, Shown, table, type DataFrame, type Part } from "./show.ts";

export class ReportResult extends Shown {
  /** The files written: the run's report and the index of runs beside it. */
  readonly table: DataFrame;

  constructor(readonly path: string, readonly bytes?: number, readonly index?: string) {
    super();
    this.table = frameOf([
      { file: path, what: "this run's report: data, contract, drift, search, evaluation, explanations (plotly.js inlined)", MB: bytes === undefined ? null : Number((bytes / 2 ** 20).toFixed(1)) },
      ...(index ? [{ file: index, what: "every run of the folder, newest first, with links to their reports", MB: null }] : []),
    ], ["file", "what", "MB"]);
  }

  get title(): string {
    return `Report: ${this.path}`;
  }

  protected parts(): Part[] {
    return [
      lines(html`self-contained HTML, opens offline: <a href="${`file://${this.path}`}" target="_blank">${this.path}</a>`),
      table("Files", this.table),
    ];
  }

  toJSON(): unknown {
    return { report: this.path, bytes: this.bytes ?? null, index: this.index ?? null };
  }
}
