import { describe, expect, it } from 'vitest';
import { itemAnswers, itemsDigest } from '../contract/outcomes.ts';
import type { DatasetItem } from '../dataset/items.ts';
import type { ItemResult } from './item-result.ts';
import { shardOutcomes } from './outcomes.ts';

const item = (index: number, id?: string): DatasetItem => ({
  index,
  line: index + 1,
  id,
  category: undefined,
  messages: [],
  expected: undefined,
  scorer: undefined,
});
const result = (index: number, fields: Partial<ItemResult>): ItemResult => ({
  index,
  line: index + 1,
  status: 'answered',
  ...fields,
});
const shard = { index: 1, count: 3 };

describe('shardOutcomes', () => {
  it('says which of the shard’s items, in its order, were answered right, whatever order they finished in', () => {
    const items = [item(1, 'a'), item(4, 'b'), item(7), item(10, 'd')];
    const outcomes = shardOutcomes(
      items,
      [
        result(7, { correct: true }),
        result(1, { correct: false }),
        result(4, { status: 'failed', error: { kind: 'other', message: 'x' } }),
      ],
      shard,
    )!;
    expect(outcomes).toMatchObject({ items: 4, shard: 1, shards: 3 });
    expect(outcomes.digest).toBe(itemsDigest(['a', 'b', 'line 8', 'd']));
    // Item 10 was not run (an interrupted run): not answered, as the failed one.
    expect(itemAnswers(outcomes)).toEqual([
      { answered: true, correct: false },
      { answered: false, correct: false },
      { answered: true, correct: true },
      { answered: false, correct: false },
    ]);
  });

  it('has none when no item was scored: a latency run without scorers has nothing to pair', () => {
    expect(shardOutcomes([item(0)], [result(0, {})], shard)).toBeUndefined();
    expect(shardOutcomes([], [], shard)).toBeUndefined();
  });
});
