/**
 * Where long work reports progress and non-fatal warnings. On a terminal: a progress bar redrawn
 * in place on stderr; otherwise (CI, pipes, notebooks): plain lines, at most one per 10% step.
 * Warnings are collected and shown together at the end of a run.
 */
import { platform } from "./runtime/index.ts";

export interface Progress {
  tick(done: number, label?: string): void;
  done(label?: string): void;
}

export interface Reporter {
  info(message: string): void;
  warn(message: string): void;
  progress(title: string, total: number): Progress;
  readonly warnings: readonly string[];
}

export interface ReporterOptions {
  /** Force plain lines (true) or the redrawn bar (false); default: bar only on a TTY. */
  plain?: boolean;
  /** Silence info and progress (warnings are still collected). */
  quiet?: boolean;
  write?: (text: string) => void;
}

export function createReporter(options: ReporterOptions = {}): Reporter {
  const write = options.write ?? ((text: string) => platform.stderrWrite(text));
  const plain = options.plain ?? !platform.isTerminal("stderr");
  const warnings: string[] = [];
  return {
    warnings,
    info(message) {
      if (!options.quiet) write(`${message}\n`);
    },
    warn(message) {
      warnings.push(message);
      if (!options.quiet) write(`warning: ${message}\n`);
    },
    progress(title, total) {
      const started = Date.now();
      let lastStep = -1;
      const render = (done: number, label = "") => {
        const fraction = total > 0 ? Math.min(1, done / total) : 1;
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        if (plain) {
          const step = Math.floor(fraction * 10);
          if (step === lastStep && done < total) return;
          lastStep = step;
          write(`${title}: ${done}/${total} (${Math.round(fraction * 100)}%) ${seconds}s ${label}`.trimEnd() + "\n");
        } else {
          const width = 24;
          const filled = Math.round(fraction * width);
          write(`\r\x1b[2K${title} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} ${seconds}s ${label}`);
        }
      };
      return {
        tick: (done, label) => !options.quiet && render(done, label),
        done: (label) => {
          if (options.quiet) return;
          render(total, label);
          if (!plain) write("\n");
        },
      };
    },
  };
}
