/**
 * The judge's part of a run's result: how many answers it graded, how many of its replies were no
 * verdict, its mean score, its tokens (kept apart from the target's: each provider is charged its
 * own), and in calibration its agreement with the human labels.
 */
import type { ItemResult } from '../evaluate/item-result.ts';
import type { Usage } from '../providers/types.ts';
import { cohensKappa } from './kappa.ts';
import { scaleCategories, type JudgeScale } from './scale.ts';

export interface JudgeSummary {
  metrics: Record<string, number>;
  /** Absent when the judge graded nothing. */
  judgeUsage?: Usage;
  /** Calibration: the judge's agreement with the labels, the run's score. */
  kappa?: number;
}

const round = (value: number) => Number(value.toFixed(4));

/** `calibration`: the scale, when the run compares the judge with the labels. */
export function judgeSummary(
  results: readonly ItemResult[],
  calibration: JudgeScale | undefined,
): JudgeSummary {
  const judged = results.filter((r) => r.judge !== undefined);
  if (judged.length === 0) return { metrics: {} };
  const judgeUsage = {
    inputTokens: judged.reduce((sum, r) => sum + r.judge!.usage.inputTokens, 0),
    outputTokens: judged.reduce((sum, r) => sum + r.judge!.usage.outputTokens, 0),
  };
  const answered = judged.filter((r) => r.status === 'answered');
  const scores = answered.flatMap((r) => (r.judge!.score === undefined ? [] : [r.judge!.score]));
  const metrics: Record<string, number> = {
    judgeItems: answered.length,
    judgeUnparseable: answered.length - scores.length,
  };
  if (scores.length > 0) metrics.judgeScoreMean = round(scores.reduce((a, b) => a + b, 0) / scores.length);
  if (calibration === undefined) return { metrics, judgeUsage };
  const pairs = answered.flatMap(({ judge }) =>
    judge!.score !== undefined && judge!.label !== undefined ? [[judge!.label, judge!.score] as const] : [],
  );
  if (pairs.length === 0) return { metrics, judgeUsage };
  const { kappa, agreement } = cohensKappa(
    pairs,
    scaleCategories(calibration),
    calibration === 'pass-fail' ? 'unweighted' : 'quadratic',
  );
  metrics.judgeAgreement = round(agreement);
  if (kappa === undefined) return { metrics, judgeUsage };
  metrics.judgeKappa = round(kappa);
  return { metrics, judgeUsage, kappa: metrics.judgeKappa };
}
