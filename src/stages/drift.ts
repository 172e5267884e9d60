/**
 * Drift between two samples of the same columns (pure): per column a two-sample
 * Kolmogorov–Smirnov test (as scipy's `ks_2samp`) and, for categorical columns (those with an
 * allowed-value list), a chi-square test of homogeneity on the value counts. A column drifts when
 * the KS p-value is below the threshold (the seed's rule; its report keys `p_value` and
 * `drift_status` are kept). Missing values are left out of both tests.
 */
import { ksTwoSample } from "../stats/ks.ts";
import { chiSquareTwoSample } from "../stats/chi2.ts";

export interface ColumnDrift {
  /** KS p-value (null when a sample is empty). */
  p_value: number | null;
  /** true when p_value < the threshold. */
  drift_status: boolean;
  ks_statistic: number | null;
  /** "exact" or "asymp", as scipy would choose. */
  method: string | null;
  chi2_statistic: number | null;
  chi2_p_value: number | null;
  chi2_dof: number | null;
  /** true when the chi-square p-value is below the threshold (informative; drift_status is KS). */
  chi2_drift_status: boolean;
  /** Non-missing values compared on each side. */
  n_base: number;
  n_current: number;
}

export interface DriftComparison {
  /** What the base and current samples are, e.g. "train" / "test". */
  base: string;
  current: string;
  threshold: number;
  columns: Record<string, ColumnDrift>;
  /** Columns with drift_status true, in column order. */
  drifted: string[];
}

export interface DriftColumn {
  name: string;
  categorical: boolean;
  base: Float64Array;
  current: Float64Array;
}

function present(values: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) n++;
  if (n === values.length) return values;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) out[j++] = values[i];
  return out;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function columnDrift(baseValues: Float64Array, currentValues: Float64Array, categorical: boolean, threshold: number): ColumnDrift {
  const base = present(baseValues);
  const current = present(currentValues);
  const result: ColumnDrift = {
    p_value: null,
    drift_status: false,
    ks_statistic: null,
    method: null,
    chi2_statistic: null,
    chi2_p_value: null,
    chi2_dof: null,
    chi2_drift_status: false,
    n_base: base.length,
    n_current: current.length,
  };
  if (base.length === 0 || current.length === 0) return result;
  const ks = ksTwoSample(base, current);
  result.p_value = finite(ks.pValue);
  result.ks_statistic = finite(ks.statistic);
  result.method = ks.method;
  result.drift_status = result.p_value !== null && result.p_value < threshold;
  if (categorical) {
    const chi = chiSquareTwoSample(base, current);
    result.chi2_statistic = finite(chi.statistic);
    result.chi2_p_value = finite(chi.pValue);
    result.chi2_dof = chi.dof;
    result.chi2_drift_status = result.chi2_p_value !== null && result.chi2_p_value < threshold;
  }
  return result;
}

/** Compare `count` columns; `column(i)` builds one at a time (so only one column pair is in memory). */
export function compareSamples(base: string, current: string, count: number, getColumn: (i: number) => DriftColumn, threshold: number): DriftComparison {
  const out: Record<string, ColumnDrift> = {};
  const drifted: string[] = [];
  for (let i = 0; i < count; i++) {
    const column = getColumn(i);
    const drift = columnDrift(column.base, column.current, column.categorical, threshold);
    out[column.name] = drift;
    if (drift.drift_status) drifted.push(column.name);
  }
  return { base, current, threshold, columns: out, drifted };
}

/** One line per drifted column, for messages: "URL_Length (p = 1.2e-5)". */
export function describeDrift(comparison: DriftComparison): string {
  return comparison.drifted.map((name) => `${name} (KS p = ${comparison.columns[name].p_value?.toExponential(2)})`).join(", ");
}
