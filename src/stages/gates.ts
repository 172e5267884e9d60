/**
 * The push decision, as a pure function: the experiment's gates (minimum test score, largest
 * train − test gap) and the comparison with the model currently in final_model/. A model that fails
 * a gate is never pushed; `force` only overrides "not better than the current model".
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
  /** Why (pushed or not), one sentence each. */
  reasons: string[];
  gates: GateResult[];
  /** New score − current score (undefined without a current model). */
  improvement?: number;
}

export interface DecisionInput {
  scoring: string;
  testScore: number;
  trainScore: number;
  /** The current model's score on the same test rows, when there is one. */
  currentScore?: number;
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
  if (failed.length) return { push: false, reasons: failed.map((g) => `gate ${g.name} failed: ${g.message}`), gates: results };
  if (currentScore === undefined || Number.isNaN(currentScore)) return { push: true, reasons: ["no current model to compare with"], gates: results };
  const improvement = testScore - currentScore;
  if (improvement > 0) return { push: true, reasons: [`better than the current model: ${scoring} ${testScore.toFixed(4)} > ${currentScore.toFixed(4)}`], gates: results, improvement };
  const notBetter = `not better than the current model: ${scoring} ${testScore.toFixed(4)} ≤ ${currentScore.toFixed(4)}`;
  if (force) return { push: true, reasons: [`${notBetter}; pushed anyway (--force)`], gates: results, improvement };
  return { push: false, reasons: [`${notBetter} (use --force to push anyway)`], gates: results, improvement };
}
