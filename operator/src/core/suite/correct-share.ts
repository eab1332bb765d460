import type { RunStatus } from '../../api/v1alpha1/index.ts';
import { SCORED_ITEMS_METRIC } from '../../../../runner/src/contract/result.ts';

/** The metric bench-runner reports the correct items in (docs/runner-contract.md, Output). */
export const CORRECT_ITEMS_METRIC = 'correctItems';

/**
 * How many items a run answered, and how many correctly, when its result says so in whole numbers
 * that can be a share; undefined otherwise (another runner's result, or counts that do not add up).
 */
export function correctShare(run: RunStatus): { correct: number; items: number } | undefined {
  const metrics = run.result?.metrics;
  const items = metrics?.[SCORED_ITEMS_METRIC];
  const correct = metrics?.[CORRECT_ITEMS_METRIC];
  if (items === undefined || correct === undefined) return undefined;
  if (!Number.isSafeInteger(items) || !Number.isSafeInteger(correct)) return undefined;
  if (items < 1 || correct < 0 || correct > items) return undefined;
  return { correct, items };
}
