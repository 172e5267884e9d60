/**
 * Live progress of the model search in the cell that runs it: one output, replaced in place as fold
 * fits finish (the kernel's update_display_data), ending as one line that says what ran. Outside a
 * kernel, the reporter's plain progress lines.
 */
import { platform } from "../runtime/index.ts";
import { createReporter, type Reporter } from "../reporter.ts";
import { html } from "../viz/markup.ts";

export interface SearchProgress {
  /** The reporter the search itself gets (quiet in a kernel: the display shows progress). */
  reporter: Reporter;
  update(done: number, total: number, label: string): void;
  done(): Promise<void>;
}

const bar = (done: number, total: number) => {
  const width = 30, filled = Math.round((width * done) / Math.max(1, total));
  return `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
};

export function searchProgress(reporter: Reporter): SearchProgress {
  if (!platform.inJupyter()) return { reporter, update: () => undefined, done: async () => undefined };
  const id = `netsec-search-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const started = Date.now();
  let last = 0;
  let shown: Promise<unknown> = platform.jupyterDisplay(bundle(0, 1, "starting", 0), { id });
  let state = { done: 0, total: 1, label: "" };
  function bundle(done: number, total: number, label: string, seconds: number) {
    const text = `search: ${done}/${total} fold fits ${bar(done, total)} ${seconds.toFixed(1)} s ${label}`;
    return { "text/plain": text, "text/html": html`<div style="font-family:monospace;font-size:12px">${text}</div>`.toString() };
  }
  const quiet = createReporter({ quiet: true });
  return {
    reporter: { ...quiet, warn: (m: string) => reporter.warn(m), get warnings() { return reporter.warnings; } },
    update(done, total, label) {
      state = { done, total, label };
      const now = Date.now();
      if (now - last < 250 && done < total) return;
      last = now;
      shown = shown.then(() => platform.jupyterDisplay(bundle(done, total, label, (now - started) / 1000), { id, update: true }));
    },
    async done() {
      await shown;
      await platform.jupyterDisplay(bundle(state.done, state.total, "done", (Date.now() - started) / 1000), { id, update: true });
    },
  };
}
