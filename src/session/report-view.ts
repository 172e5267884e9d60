/** What `lab.report()` returns: where the run's report is, as a link the notebook shows. */
import { html } from "../viz/markup.ts";
import { lines, Shown, type Part } from "./show.ts";

export class ReportResult extends Shown {
  constructor(readonly path: string) {
    super();
  }

  get title(): string {
    return `Report: ${this.path}`;
  }

  protected parts(): Part[] {
    return [lines(html`self-contained HTML (plots inlined, opens offline): <a href="${`file://${this.path}`}" target="_blank">${this.path}</a>`)];
  }

  toJSON(): unknown {
    return { report: this.path };
  }
}
