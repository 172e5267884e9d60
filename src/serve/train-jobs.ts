/**
 * Background training for `POST /train`: `netsec train --json` runs as a separate process (so the
 * server keeps answering predictions at full speed on its own event loop), one at a time; its
 * last stdout line is the JSON summary (run folder, best model, metrics, pushed or not).
 */
import { platform } from "../runtime/index.ts";
import type { ChildProcess, SpawnOptions } from "../runtime/index.ts";
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
  /** How the process is started (default `platform.start`). */
  spawn?: (command: string, args: string[], options: SpawnOptions) => ChildProcess;
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
    const spawn = this.options.spawn ?? platform.start;
    const process = spawn(this.options.command, args, { cwd: this.options.cwd, capture: true, env: { NO_COLOR: "1" } });
    this.#running = { job, process };
    this.#remember(job);
    // Whatever happens to the process or its output streams, the job ends (never "running"
    // forever, never an unhandled rejection) and the next POST /train can start.
    this.#finish(job, process).catch(async (error) => {
      process.kill("SIGTERM"); // a run nobody can follow is not left running
      const code = await Promise.race([process.status.catch(() => -1), new Promise<number>((r) => setTimeout(() => r(-1), 1000))]);
      this.#end(job, { exitCode: code, error: `netsec train could not be followed: ${(error as Error)?.message ?? String(error)}` });
    });
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
    // Both promises get their handlers now: an output stream that fails before the process has
    // ended is never an unhandled rejection.
    const [code, captured] = await Promise.all([process.status, process.output ?? Promise.resolve(undefined)]);
    const output = captured ?? { stdout: "", stderr: "" };
    job.result = lastJsonLine(output.stdout);
    const tail = output.stderr.trim().split("\n").slice(-20).join("\n");
    this.#end(job, { exitCode: code, error: code === 0 ? undefined : (tail.length > 4000 ? `…${tail.slice(-4000)}` : tail) || `netsec train exited with code ${code}` });
  }

  #end(job: TrainJob, how: { exitCode: number; error?: string }): void {
    if (job.state !== "running") return;
    job.exitCode = how.exitCode;
    job.finishedAt = new Date().toISOString();
    job.state = how.exitCode === 0 && how.error === undefined ? "succeeded" : "failed";
    if (how.error !== undefined) job.error = how.error;
    if (this.#running?.job === job) this.#running = undefined;
    try {
      this.options.onFinished?.(job);
    } catch { /* a listener's failure does not keep the job open */ }
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
