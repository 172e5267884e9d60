/**
 * The decision threshold (pure): a row is predicted positive when its probability of the positive
 * class is ≥ the threshold (scikit-learn's `precision_recall_curve` convention). `chooseThreshold`
 * picks it from scored rows (in netsec: the out-of-fold predictions of the training split) by one
 * of the experiment's rules:
 *   - "best_f1": the highest F1 of the positive class;
 *   - `{recall: r}`: the best precision among thresholds with recall ≥ r;
 *   - `{precision: p}`: the best recall among thresholds with precision ≥ p;
 *   - `{false_negative: a, false_positive: b}`: the lowest cost a·FN + b·FP;
 *   - a number: that threshold, as given.
 * Ties go to the higher threshold. The threshold returned lies halfway between the chosen score
 * and the next lower one seen, so it gives the same confusion on these rows while not sitting on
 * a value the model happens to produce.
 */

export type ThresholdRule =
  | "best_f1"
  | number
  | { recall: number }
  | { precision: number }
  | { false_negative: number; false_positive: number };

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface ThresholdChoice extends Confusion {
  /** Predict positive when P(positive) ≥ threshold. */
  threshold: number;
  /** The rule in words, e.g. "best F1", "recall ≥ 0.99". */
  rule: string;
  /** False when no threshold meets the rule's constraint (the closest one is returned). */
  met: boolean;
  precision: number;
  recall: number;
  f1: number;
  /** a·FN + b·FP for the cost rule. */
  cost?: number;
  /** Rows the choice was made on. */
  rows: number;
}

export function describeRule(rule: ThresholdRule): string {
  if (rule === "best_f1") return "best F1";
  if (typeof rule === "number") return `fixed at ${rule}`;
  if ("recall" in rule) return `recall ≥ ${rule.recall}`;
  if ("precision" in rule) return `precision ≥ ${rule.precision}`;
  return `lowest cost ${rule.false_negative} × FN + ${rule.false_positive} × FP`;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

function withScores(c: Confusion): { precision: number; recall: number; f1: number } {
  const precision = ratio(c.tp, c.tp + c.fp);
  const recall = ratio(c.tp, c.tp + c.fn);
  return { precision, recall, f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn) };
}

/** Confusion of the positive class at `threshold` (rows with a NaN score are left out). */
export function confusionAt(yTrue: Uint8Array, probPositive: ArrayLike<number>, positive: 0 | 1, threshold: number): Confusion {
  const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (let i = 0; i < yTrue.length; i++) {
    const p = probPositive[i];
    if (Number.isNaN(p)) continue;
    const isPos = yTrue[i] === positive;
    if (p >= threshold) isPos ? c.tp++ : c.fp++;
    else isPos ? c.fn++ : c.tn++;
  }
  return c;
}

/** Class index of every row at `threshold` (positive when P(positive) ≥ threshold). */
export function classesAt(probPositive: ArrayLike<number>, positive: 0 | 1, threshold: number): Uint8Array {
  const out = new Uint8Array(probPositive.length);
  for (let i = 0; i < out.length; i++) out[i] = probPositive[i] >= threshold ? positive : 1 - positive;
  return out;
}

export function chooseThreshold(yTrue: Uint8Array, probPositive: ArrayLike<number>, positive: 0 | 1, rule: ThresholdRule = "best_f1"): ThresholdChoice {
  const name = describeRule(rule);
  const order: number[] = [];
  for (let i = 0; i < yTrue.length; i++) if (!Number.isNaN(probPositive[i])) order.push(i);
  const rows = order.length;
  if (typeof rule === "number") {
    const c = confusionAt(yTrue, probPositive, positive, rule);
    return { threshold: rule, rule: name, met: true, ...c, ...withScores(c), rows };
  }
  order.sort((a, b) => probPositive[b] - probPositive[a] || a - b);
  let positives = 0;
  for (const i of order) if (yTrue[i] === positive) positives++;
  const negatives = rows - positives;
  // Candidates: every distinct score, with the rows scored at or above it predicted positive.
  interface Candidate extends Confusion { at: number; below: number }
  const candidates: Candidate[] = [];
  let tp = 0, fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (yTrue[i] === positive) tp++;
    else fp++;
    const here = probPositive[i];
    const next = k + 1 < order.length ? probPositive[order[k + 1]] : NaN;
    if (next === here) continue;
    candidates.push({ at: here, below: next, tp, fp, fn: positives - tp, tn: negatives - fp });
  }
  if (candidates.length === 0) return { threshold: 0.5, rule: name, met: false, tp: 0, fp: 0, fn: 0, tn: 0, precision: 0, recall: 0, f1: 0, rows };
  let objective: (c: Candidate) => number;
  let feasible: (c: Candidate) => boolean = () => true;
  let fallback: (c: Candidate) => number = () => 0;
  if (rule === "best_f1") objective = (c) => withScores(c).f1;
  else if ("recall" in rule) {
    objective = (c) => withScores(c).precision;
    feasible = (c) => withScores(c).recall >= rule.recall;
    fallback = (c) => withScores(c).recall;
  } else if ("precision" in rule) {
    objective = (c) => withScores(c).recall;
    feasible = (c) => withScores(c).precision >= rule.precision;
    fallback = (c) => withScores(c).precision;
  } else objective = (c) => -(rule.false_negative * c.fn + rule.false_positive * c.fp);
  let best: Candidate | undefined;
  for (const c of candidates) if (feasible(c) && (!best || objective(c) > objective(best))) best = c;
  const met = best !== undefined;
  if (!best) for (const c of candidates) if (!best || fallback(c) > fallback(best)) best = c;
  const b = best!;
  const threshold = Number.isNaN(b.below) ? b.at : (b.at + b.below) / 2;
  const choice: ThresholdChoice = { threshold, rule: name, met, tp: b.tp, fp: b.fp, fn: b.fn, tn: b.tn, ...withScores(b), rows };
  if (typeof rule === "object" && "false_negative" in rule) choice.cost = rule.false_negative * b.fn + rule.false_positive * b.fp;
  return choice;
}
