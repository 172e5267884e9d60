/**
 * Population stability index of two distributions over the same bins (pure):
 *
 *   PSI = Σ_b (a_b − e_b) · ln(a_b / e_b)
 *
 * where e_b is the share of the reference ("expected") and a_b the share of the current sample
 * ("actual") in bin b. A bin empty on one side would make the term infinite, so a share of 0 is
 * replaced by PSI_EPSILON = 0.0001 (Evidently's `psi` stattest does the same; shares are not
 * renormalised afterwards). A bin empty on both sides adds 0. Inputs are counts (or shares: only
 * their proportions matter).
 *
 * Usual reading (Evidently's default threshold, the credit-scoring rule of thumb): < 0.1 no
 * significant change, 0.1–0.25 moderate, ≥ 0.25 significant.
 */
import { NetsecError } from "../errors.ts";

/** Share substituted for an empty bin on one side. */
export const PSI_EPSILON = 0.0001;
/** PSI from which a column counts as drifted (Evidently's default for the psi test). */
export const PSI_DRIFT_THRESHOLD = 0.1;

export function shares(counts: ArrayLike<number>, what: string): Float64Array {
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (!(c >= 0) || !Number.isFinite(c)) throw new NetsecError("DATA_INVALID", `${what}: bin ${i} has count ${c}, expected a finite number ≥ 0`);
    total += c;
  }
  if (total === 0) throw new NetsecError("DATA_INVALID", `${what}: all ${counts.length} bins are empty`);
  return Float64Array.from(counts, (c) => c / total);
}

/** PSI of `actual` against `expected` (counts per bin, same bins in the same order). */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>): number {
  if (expected.length !== actual.length) throw new NetsecError("DATA_INVALID", `PSI needs the same bins on both sides (got ${expected.length} and ${actual.length})`);
  const e = shares(expected, "PSI reference");
  const a = shares(actual, "PSI current sample");
  let sum = 0;
  for (let b = 0; b < e.length; b++) {
    if (e[b] === 0 && a[b] === 0) continue;
    const eb = e[b] === 0 ? PSI_EPSILON : e[b]!;
    const ab = a[b] === 0 ? PSI_EPSILON : a[b]!;
    sum += (ab - eb) * Math.log(ab / eb);
  }
  return sum;
}
