/** Expanding an experiment's candidates into grid points (the cartesian product of each grid). */
import type { Params } from "../models/classifier.ts";
import { getFamily } from "../models/registry.ts";
import type { Experiment } from "../experiment.ts";

export interface GridPoint {
  index: number;
  family: string;
  params: Params;
  note?: string;
}

/**
 * Every grid point in a stable order (candidates in file order, parameters by name, values in file
 * order). Seeded families get the experiment's seed unless their grid sets `seed` itself.
 */
export function expandGrid(candidates: Experiment["search"]["candidates"], seed: number): GridPoint[] {
  const points: GridPoint[] = [];
  for (const candidate of candidates) {
    const family = getFamily(candidate.family);
    const names = Object.keys(candidate.grid).sort();
    let combos: Params[] = [{}];
    for (const name of names) {
      const next: Params[] = [];
      for (const combo of combos) for (const value of candidate.grid[name]) next.push({ ...combo, [name]: value });
      combos = next;
    }
    for (const params of combos) {
      if (family.seeded && params.seed === undefined) params.seed = seed;
      family.create(params); // refuse a bad parameter before any fitting starts
      points.push({ index: points.length, family: candidate.family, params, note: candidate.note });
    }
  }
  return points;
}
