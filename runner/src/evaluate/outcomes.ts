/** This shard's per-item outcomes for the termination message (runner/src/contract/outcomes.ts). */
import type { Shard } from '../config/env.ts';
import { itemsDigest, MAX_OUTCOME_ITEMS, outcomesOf, type ShardOutcomes } from '../contract/outcomes.ts';
import type { DatasetItem } from '../dataset/items.ts';
import type { ItemResult } from './item-result.ts';

/**
 * Which of the shard's items, in its order, were answered and scored correct. Undefined when no item
 * was scored (a latency run without scorers has nothing to pair) or the shard has more items than
 * outcomes are kept for. An item not run (the run was interrupted) counts as not answered.
 */
export function shardOutcomes(
  items: readonly DatasetItem[],
  results: readonly ItemResult[],
  shard: Shard,
): ShardOutcomes | undefined {
  if (items.length === 0 || items.length > MAX_OUTCOME_ITEMS) return undefined;
  const byIndex = new Map(results.map((r) => [r.index, r]));
  const answers = items.map((item) => {
    const result = byIndex.get(item.index);
    const scored = result?.status === 'answered' && result.correct !== undefined;
    return { answered: scored, correct: scored && result.correct === true };
  });
  if (!answers.some((a) => a.answered)) return undefined;
  const digest = itemsDigest(items.map((item) => item.id ?? `line ${item.line}`));
  return { ...outcomesOf(digest, answers), shard: shard.index, shards: shard.count };
}
