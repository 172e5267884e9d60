/**
 * The push decision, as a pure function: the experiment's gates (minimum test score, largest
 * train − test gap) on the whole test split, and the comparison with the model currently in
 * final_model/ on the test rows neither model was trained on (evaluate.ts finds them). A model
 * that fails a gate is never pushed; `force` only overrides "not better than the current model"
 * and "too few unseen rows to compare".
 */
export interface GateResult {
  name: "min_score" | "max_overfit";
  passed: boolean;
  value: number;
  limit: number;
  message: string;
}

export interface PushDecision {
  push: boolean;
  /**
   * Why (pushed or not), one sentence each, in words that hold on every surface: how to force a
   * push is said by the surface (`--force` on the command line, `lab.push({ force: true })` in a
   * notebook), from `overridable`.
   */
  reasons: string[];
  gates: GateResult[];
  /** New score − current score (undefined without a current model). */
  improvement?: number;
  /** Not pushed, and forcing would push it (the gates passed; not better, or too few rows to compare). */
  overridable: boolean;
  /** Pushed only because it was forced. */
  forced: boolean;
}

export interface DecisionInput {
  scoring: string;
  testScore: number;
  trainScore: number;
  /** The current model's score on the comparison rows, when there is one. */
  currentScore?: number;
  /** The new model's score on the same comparison rows (default: testScore, i.e. all test rows). */
  newCompareScore?: number;
  /** The comparison rows; `enough: false` when too few were unseen by both models to compare fairly. */
  comparedOn?: { rows: number; enough: boolean; minimum: number };
  gates: { min_score: number; max_overfit: number };
  force?: boolean;
}

export function decidePush(input: DecisionInput): PushDecision {
  const { scoring, testScore, trainScore, currentScore, gates, force } = input;
  const gap = trainScore - testScore;
  const results: GateResult[] = [
    {
      name: "min_score",
      passed: testScore >= gates.min_score,
      value: testScore,
      limit: gates.min_score,
      message: `test ${scoring} ${testScore.toFixed(4)} ${testScore >= gates.min_score ? "≥" : "is below"} the minimum ${gates.min_score}`,
    },
    {
      name: "max_overfit",
      passed: gap <= gates.max_overfit,
      value: gap,
      limit: gates.max_overfit,
      message: `train − test ${scoring} gap ${gap.toFixed(4)} ${gap <= gates.max_overfit ? "≤" : "exceeds"} the allowed ${gates.max_overfit} (train ${trainScore.toFixed(4)}, test ${testScore.toFixed(4)})`,
    },
  ];
  const failed = results.filter((g) => !g.passed);
  const plain = { gates: results, overridable: false, forced: false };
  if (failed.length) return { ...plain, push: false, reasons: failed.map((g) => `gate ${g.name} failed: ${g.message}`) };
  const on = input.comparedOn;
  if (on && !on.enough) {
    const few = `cannot compare fairly with the current model: only ${on.rows} test rows were seen by neither model (need ≥ ${on.minimum})`;
    if (force) return { ...plain, push: true, forced: true, reasons: [`${few}; pushed anyway (forced)`] };
    return { ...plain, push: false, overridable: true, reasons: [few] };
  }
  if (currentScore === undefined || Number.isNaN(currentScore)) return { ...plain, push: true, reasons: ["no current model to compare with"] };
  const newScore = input.newCompareScore ?? testScore;
  const where = on ? ` on the ${on.rows} test rows neither model was trained on` : "";
  const improvement = newScore - currentScore;
  if (improvement > 0) return { ...plain, push: true, reasons: [`better than the current model${where}: ${scoring} ${newScore.toFixed(4)} > ${currentScore.toFixed(4)}`], improvement };
  const notBetter = `not better than the current model${where}: ${scoring} ${newScore.toFixed(4)} ≤ ${currentScore.toFixed(4)}`;
  if (force) return { ...plain, push: true, forced: true, reasons: [`${notBetter}; pushed anyway (forced)`], improvement };
  return { ...plain, push: false, overridable: true, reasons: [notBetter], improvement };
}

/** The decision when forced: an overridable refusal becomes a push, saying so; anything else stays. */
export function forceDecision(decision: PushDecision): PushDecision {
  if (!decision.overridable) return decision;
  return { ...decision, push: true, overridable: false, forced: true, reasons: decision.reasons.map((r, i) => (i === decision.reasons.length - 1 ? `${r}; pushed anyway (forced)` : r)) };
}

/** The decision's reasons in one sentence for a surface, with its way of forcing (e.g. "--force"). */
export function decisionText(decision: PushDecision, force: string): string {
  const text = decision.reasons.join("; ");
  if (decision.overridable) return `${text} (${force} pushes it anyway)`;
  if (decision.forced) return text.replace(/\(forced\)/, `(${force})`);
  return text;
}
