/**
 * The items one pod of a sharded benchmark takes: shard k of n takes every n-th item from the k-th
 * (round-robin), so the shards together take every item exactly once and, in a dataset ordered by
 * category or difficulty, each gets a like share of each.
 */
import type { Shard } from '../config/env.ts';

export function itemsOfShard<T>(items: readonly T[], shard: Shard): T[] {
  return items.filter((_, index) => index % shard.count === shard.index);
}
