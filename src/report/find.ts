/**
 * Find the pieces a report draws inside stage JSON files by their shape, not by their exact path:
 * ROC points ({fpr, tpr}), PR points ({precision[], recall[]}), confusion matrices ({matrix}),
 * metric sets ({accuracy, f1, …}), drift comparisons ({columns: {name: {p_value, drift_status}}}).
 * The stage files can then grow (e.g. a pushed model's curves next to the new one's) without the
 * report breaking. Pure functions.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Found<T> {
  /** Where in the file, e.g. "new.roc" (used to name the series). */
  path: string;
  value: T;
}

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const isNumberArray = (value: unknown): value is number[] => Array.isArray(value) && value.every((v) => typeof v === "number");

/** Every object in `root` (depth first, document order) for which `match` is true; matched objects are not searched further. */
export function findObjects<T>(root: Json | undefined, match: (value: Record<string, Json>) => T | undefined, path = ""): Found<T>[] {
  if (root === undefined) return [];
  const out: Found<T>[] = [];
  const walk = (value: Json, at: string) => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${at}[${i}]`));
      return;
    }
    if (!isObject(value)) return;
    const hit = match(value);
    if (hit !== undefined) {
      out.push({ path: at, value: hit });
      return;
    }
    for (const [key, v] of Object.entries(value)) walk(v, at ? `${at}.${key}` : key);
  };
  walk(root, path);
  return out;
}

export interface RocPoints { fpr: number[]; tpr: number[]; auc?: number }
export interface PrPoints { precision: number[]; recall: number[]; thresholds: number[]; ap?: number }
export interface Confusion { labels: string[]; matrix: number[][] }
export type MetricSet = Record<string, number>;

const num = (v: Json | undefined): number | undefined => (typeof v === "number" ? v : undefined);

export function findRoc(root: Json | undefined): Found<RocPoints>[] {
  return findObjects(root, (o) => (isNumberArray(o.fpr) && isNumberArray(o.tpr) ? { fpr: o.fpr, tpr: o.tpr, auc: num(o.auc) ?? num(o.roc_auc) } : undefined));
}

export function findPr(root: Json | undefined): Found<PrPoints>[] {
  return findObjects(root, (o) =>
    isNumberArray(o.precision) && isNumberArray(o.recall)
      ? { precision: o.precision, recall: o.recall, thresholds: isNumberArray(o.thresholds) ? o.thresholds : [], ap: num(o.ap) ?? num(o.average_precision) ?? num(o.pr_auc) }
      : undefined
  );
}

/**
 * Names of a matrix's classes: strings as given; numbers 0/1 are class indices (→ `defaultLabels`,
 * in class-index order); other numbers are target values (→ `labelOfValue`, e.g. -1 → phishing).
 */
function confusionLabels(given: Json | undefined, size: number, defaultLabels: string[], labelOfValue?: (value: number) => string): string[] {
  if (!Array.isArray(given) || given.length !== size) return defaultLabels.slice(0, size);
  if (given.every((v) => typeof v === "number")) {
    const values = given as number[];
    if (values.every((v) => v === 0 || v === 1)) return values.map((v) => defaultLabels[v] ?? String(v));
    return values.map((v) => (labelOfValue ? labelOfValue(v) : String(v)));
  }
  return given.map(String);
}

export function findConfusion(root: Json | undefined, defaultLabels: string[], labelOfValue?: (value: number) => string): Found<Confusion>[] {
  return findObjects(root, (o) => {
    const m = o.matrix;
    if (!Array.isArray(m) || m.length === 0 || !m.every((row) => isNumberArray(row) && row.length === m.length)) return undefined;
    return { labels: confusionLabels(o.labels ?? o.label_names, m.length, defaultLabels, labelOfValue), matrix: m as number[][] };
  });
}

const METRIC_KEYS = ["accuracy", "precision", "recall", "f1", "f1_macro", "roc_auc", "pr_auc", "log_loss"];

/** Objects holding at least three of the usual metric names as numbers. */
export function findMetricSets(root: Json | undefined): Found<MetricSet>[] {
  return findObjects(root, (o) => {
    const keys = METRIC_KEYS.filter((k) => typeof o[k] === "number");
    if (keys.length < 3) return undefined;
    const set: MetricSet = {};
    for (const [k, v] of Object.entries(o)) if (typeof v === "number") set[k] = v;
    return set;
  });
}

export interface DriftEntry { column: string; p_value: number | null; drift_status: boolean; ks_statistic?: number; chi2_p_value?: number }
export interface DriftSet { base?: string; current?: string; threshold?: number; columns: DriftEntry[] }

export function findDrift(root: Json | undefined): Found<DriftSet>[] {
  return findObjects(root, (o) => {
    const cols = o.columns;
    if (!isObject(cols)) return undefined;
    const entries = Object.entries(cols).filter(([, v]) => isObject(v) && "p_value" in v && "drift_status" in v);
    if (entries.length === 0) return undefined;
    return {
      base: typeof o.base === "string" ? o.base : undefined,
      current: typeof o.current === "string" ? o.current : undefined,
      threshold: num(o.threshold),
      columns: entries.map(([column, v]) => {
        const c = v as Record<string, Json>;
        return { column, p_value: num(c.p_value) ?? null, drift_status: c.drift_status === true, ks_statistic: num(c.ks_statistic), chi2_p_value: num(c.chi2_p_value) };
      }),
    };
  });
}

/** Feature importances: `{name: number}` objects or number arrays under a key containing "importance". */
export function findImportances(root: Json | undefined, featureNames: readonly string[]): Found<{ names: string[]; values: number[] }>[] {
  const out: Found<{ names: string[]; values: number[] }>[] = [];
  const walk = (value: Json, at: string) => {
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${at}[${i}]`));
    if (!isObject(value)) return;
    for (const [key, v] of Object.entries(value)) {
      const here = at ? `${at}.${key}` : key;
      if (/importance/i.test(key)) {
        if (isNumberArray(v) && v.length === featureNames.length && v.length > 0) {
          out.push({ path: here, value: { names: [...featureNames], values: v } });
          continue;
        }
        if (isObject(v) && Object.values(v).length > 0 && Object.values(v).every((x) => typeof x === "number")) {
          out.push({ path: here, value: { names: Object.keys(v), values: Object.values(v) as number[] } });
          continue;
        }
      }
      walk(v, here);
    }
  };
  if (root !== undefined) walk(root, "");
  return out;
}
