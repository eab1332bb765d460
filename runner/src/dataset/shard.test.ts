import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { itemsOfShard } from './shard.ts';

describe('itemsOfShard', () => {
  it('shards together take every item exactly once, and their sizes differ by at most one', () => {
    fc.assert(
      fc.property(fc.nat({ max: 500 }), fc.integer({ min: 1, max: 64 }), (length, count) => {
        const items = Array.from({ length }, (_, i) => i);
        const shards = Array.from({ length: count }, (_, index) => itemsOfShard(items, { index, count }));
        expect(shards.flat().sort((a, b) => a - b)).toEqual(items);
        const sizes = shards.map((s) => s.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('takes every n-th item from the k-th, in dataset order', () => {
    expect(itemsOfShard(['a', 'b', 'c', 'd', 'e'], { index: 1, count: 2 })).toEqual(['b', 'd']);
    expect(itemsOfShard(['a', 'b'], { index: 2, count: 3 })).toEqual([]);
    expect(itemsOfShard(['a', 'b'], { index: 0, count: 1 })).toEqual(['a', 'b']);
  });
});
