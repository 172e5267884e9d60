/**
 * The whole experiment checked before any data stage runs: every candidate's family is known,
 * every parameter name belongs to its family and every value is in its range, and the grid is not
 * too large — all without expanding the grid, so a typo costs nothing and a 10⁹-point grid is
 * refused before it is built.
 */
import type { Experiment } from "../experiment.ts";
import { NetsecError, isNetsecError } from "../errors.ts";
import { getFamily } from "../models/registry.ts";

/** Most grid points an experiment may expand to (docs/models.md). */
export const MAX_GRID_POINTS = 10_000;

/** Grid points of a candidate list: the product of each grid's value counts, summed. */
export function gridSize(candidates: Experiment["search"]["candidates"]): number {
  return candidates.reduce((sum, c) => sum + Object.values(c.grid).reduce((n, values) => n * values.length, 1), 0);
}

export function checkExperiment(experiment: Experiment, source = experiment.name): void {
  const candidates = experiment.search.candidates;
  const problems: string[] = [];
  candidates.forEach((candidate, i) => {
    const where = `search.candidates[${i}]`;
    let family;
    try {
      family = getFamily(candidate.family);
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
      return;
    }
    for (const [name, values] of Object.entries(candidate.grid)) {
      for (const value of values) {
        try {
          family.create({ [name]: value });
        } catch (error) {
          if (!isNetsecError(error)) throw error;
          problems.push(`${where}.grid.${name}: ${error.message}`);
          break;
        }
      }
    }
  });
  if (problems.length) {
    throw new NetsecError("EXPERIMENT_INVALID", `${source} is not a valid experiment:\n  ${problems.slice(0, 10).join("\n  ")}${problems.length > 10 ? `\n  … ${problems.length - 10} more` : ""}`, { location: { file: source } });
  }
  const points = gridSize(candidates);
  if (points > MAX_GRID_POINTS) {
    const sizes = candidates.map((c) => `${c.family} ${Object.values(c.grid).map((v) => v.length).join("×") || "1"}`).join(", ");
    throw new NetsecError("EXPERIMENT_INVALID", `${source}: the search grid has ${points.toLocaleString("en-US")} points (${sizes}), more than the ${MAX_GRID_POINTS.toLocaleString("en-US")} a search may try; make the grids smaller`, { location: { file: source } });
  }
}
