/**
 * Background training for `POST /train`: `netsec train --json` runs as a separate process (so the
 * server keeps answering predictions at full speed on its own event loop), one at a time; its
 * last stdout line is the JSON summary (run folder, best model, metrics, pushed or not).
 */
import { platform } from "../runtime/index.ts";
import type { ChildProcess } from "../runtime/index.ts";
import { HttpError } from "./http-error.ts";

export type TrainState = "running" | "succeeded" | "failed";

export interface TrainJob {
  id: string;
  state: TrainState;
  startedAt: string;
  finishedAt?: string;
  exitCode?: number;
  /** The parsed `--json` line of `netsec train`. */
  result?: Record<string, unknown>;
  /** Why it failed (the end of stderr). */
  error?: string;
}

export interface TrainJobsOptions {
  /** Program and leading arguments, e.g. [deno, "run", "-A", "<root>/src/cli.ts", "train", "--json"]. */
  command: string;
  args: string[];
  cwd?: string;
  /** Called when a job ends (the server re-checks the model file). */
  onFinished?: (job: TrainJob) => void;
  keep?: number;
}

export interface TrainRequest {
  experiment?: string;
}

/** The last line of stdout that parses as a JSON object. */
export function lastJsonLine(stdout: string): Record<string, unknown> | undefined {
  const lines = stdout.trim().split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (!line.startsWith("{")) continue;
    try {
      const value = JSON.parse(line);
      if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch { /* not the summary line */ }
  }
  return undefined;
}

export class TrainJobs {
  #jobs = new Map<string, TrainJob>();
  #running: { job: TrainJob; process: ChildProcess } | undefined;

  constructor(private readonly options: TrainJobsOptions) {}

  get(id: string): TrainJob | undefined {
    return this.#jobs.get(id);
  }

  start(request: TrainRequest = {}): TrainJob {
    if (this.#running) {
      throw new HttpError(409, "TRAINING_RUNNING", `a training run is already going (id ${this.#running.job.id}, started ${this.#running.job.startedAt}); wait for GET /train/${this.#running.job.id} to finish`, { running: this.#running.job.id });
    }
    const args = [...this.options.args];
    if (request.experiment !== undefined) {
      if (typeof request.experiment !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(request.experiment)) {
        throw new HttpError(422, "EXPERIMENT_INVALID", `experiment ${JSON.stringify(request.experiment)}: expected the name of a file in experiments/ without .yaml (letters, digits, - and _)`, { column: "experiment" });
      }
      args.push("--experiment", `${platform.projectRoot()}/experiments/${request.experiment}.yaml`);
    }
    const job: TrainJob = { id: crypto.randomUUID(), state: "running", startedAt: new Date().toISOString() };
    const process = platform.start(this.options.command, args, { cwd: this.options.cwd, capture: true, env: { NO_COLOR: "1" } });
    this.#running = { job, process };
    this.#remember(job);
    void this.#finish(job, process);
    return job;
  }

  /** Stop a running job (server shutdown); resolves when it has ended (at once when none runs). */
  async stop(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    running.process.kill("SIGTERM");
    await running.process.status;
  }

  async #finish(job: TrainJob, process: ChildProcess): Promise<void> {
    const code = await process.status;
    const output = (await process.output) ?? { stdout: "", stderr: "" };
    job.exitCode = code;
    job.finishedAt = new Date().toISOString();
    job.result = lastJsonLine(output.stdout);
    job.state = code === 0 ? "succeeded" : "failed";
    if (code !== 0) job.error = output.stderr.trim().split("\n").slice(-20).join("\n") || `netsec train exited with code ${code}`;
    this.#running = undefined;
    this.options.onFinished?.(job);
  }

  #remember(job: TrainJob): void {
    this.#jobs.set(job.id, job);
    const keep = this.options.keep ?? 50;
    while (this.#jobs.size > keep) {
      const oldest = [...this.#jobs.values()].find((j) => j.state !== "running");
      if (!oldest) break;
      this.#jobs.delete(oldest.id);
    }
  }
}
