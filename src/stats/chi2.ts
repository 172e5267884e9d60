/**
 * Chi-square test of homogeneity for a categorical column seen in two samples:
 * the 2×k table of value counts (categories absent from both samples never appear) tested as
 * `scipy.stats.chi2_contingency(table, correction=False)`. p-value = Q(dof/2, χ²/2), the
 * regularized upper incomplete gamma function. NaN values are ignored (missing values).
 */
import { NetsecError } from "../errors.ts";
import { chiSquareSurvival } from "./special.ts";

export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  dof: number;
}

/** Upper tail of the chi-square distribution (scipy.stats.chi2.sf(statistic, dof)). */
export function chiSquarePValue(statistic: number, dof: number): number {
  return chiSquareSurvival(statistic, dof);
}

/** The 2×k contingency table of two samples: categories sorted ascending, counts per sample. */
export function contingencyTable(a: ArrayLike<number>, b: ArrayLike<number>): { categories: number[]; counts: [number[], number[]] } {
  const countsA = countValues(a);
  const countsB = countValues(b);
  const categories = [...new Set([...countsA.keys(), ...countsB.keys()])].sort((x, y) => x - y);
  return {
    categories,
    counts: [categories.map((c) => countsA.get(c) ?? 0), categories.map((c) => countsB.get(c) ?? 0)],
  };
}

export function chiSquareTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): ChiSquareResult {
  const { counts } = contingencyTable(a, b);
  return chiSquareCounts(counts[0], counts[1]);
}

/**
 * The same test on the two rows of the table given as counts over the same categories (a window
 * of served rows keeps only counts); categories empty in both rows are left out.
 */
export function chiSquareCounts(countsA: ArrayLike<number>, countsB: ArrayLike<number>): ChiSquareResult {
  if (countsA.length !== countsB.length) throw new NetsecError("DATA_INVALID", `chi-square test on counts needs the same categories on both sides (got ${countsA.length} and ${countsB.length})`);
  const keep = Array.from({ length: countsA.length }, (_, c) => c).filter((c) => countsA[c]! + countsB[c]! > 0);
  const counts = [keep.map((c) => countsA[c]!), keep.map((c) => countsB[c]!)] as const;
  const rowA = counts[0].reduce((s, v) => s + v, 0);
  const rowB = counts[1].reduce((s, v) => s + v, 0);
  if (rowA === 0 || rowB === 0) {
    throw new NetsecError("DATA_INVALID", `chi-square test needs two non-empty samples (got ${rowA} and ${rowB} values after dropping missing ones)`);
  }
  const k = keep.length;
  const dof = k - 1;
  // One category only: scipy's degenerate case (observed == expected).
  if (dof === 0) return { statistic: 0, pValue: 1, dof };
  const total = rowA + rowB;
  let statistic = 0;
  for (const [r, rowSum] of [[0, rowA], [1, rowB]] as const) {
    for (let c = 0; c < k; c++) {
      const colSum = counts[0][c]! + counts[1][c]!;
      const expected = (rowSum * colSum) / total;
      const diff = counts[r][c]! - expected;
      statistic += (diff * diff) / expected;
    }
  }
  return { statistic, pValue: chiSquarePValue(statistic, dof), dof };
}

function countValues(values: ArrayLike<number>): Map<number, number> {
  const counts = new Map<number, number>();
  // Fast path for small integers (the usual categorical coding): a dense array of counts.
  const small = new Float64Array(256);
  let i = 0;
  for (; i < values.length; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    if (!(Number.isInteger(v) && v >= -128 && v <= 127)) break;
    small[v + 128]++;
  }
  for (let j = 0; j < 256; j++) if (small[j]! > 0) counts.set(j - 128, small[j]!);
  for (; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    const key = v === 0 ? 0 : v; // -0 and 0 are one category
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
