import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeBits,
  encodeBits,
  itemAnswers,
  itemsDigest,
  joinShards,
  MAX_OUTCOME_ITEMS,
  outcomesOf,
  readShardOutcomes,
  type ShardOutcomes,
} from './outcomes.ts';

const answer = fc.record({ answered: fc.boolean(), correct: fc.boolean() }).map((a) => ({
  answered: a.answered,
  correct: a.answered && a.correct,
}));

describe('per-item outcomes', () => {
  it('encode bit i as bit i % 8 of byte ⌊i / 8⌋', () => {
    // Items 0, 3 and 9 right of 10: 0b00001001, 0b00000010.
    const bits = Array.from({ length: 10 }, (_, i) => [0, 3, 9].includes(i));
    expect(encodeBits(bits)).toBe(Buffer.from([0b1001, 0b10]).toString('base64'));
    expect(decodeBits(encodeBits(bits), 10)).toEqual(bits);
  });

  it('decode what they encode, and nothing of another length or with stray bits', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 300 }), (bits) => {
        const text = encodeBits(bits);
        expect(decodeBits(text, bits.length)).toEqual(bits);
        expect(decodeBits(text, bits.length + 8)).toBeUndefined();
      }),
    );
    // 3 items, but bit 5 set.
    expect(decodeBits(Buffer.from([0b100001]).toString('base64'), 3)).toBeUndefined();
    expect(decodeBits('not base64!', 3)).toBeUndefined();
  });

  it('round-trip every item’s answer, with `answered` only when an item was not', () => {
    fc.assert(
      fc.property(fc.array(answer, { minLength: 1, maxLength: 200 }), (answers) => {
        const outcomes = outcomesOf(itemsDigest(['a']), answers);
        expect(itemAnswers(outcomes)).toEqual(answers);
        expect(outcomes.answered === undefined).toBe(answers.every((a) => a.answered));
      }),
    );
  });

  it('refuse a correct item that was not answered, a bad digest and too many items', () => {
    const digest = itemsDigest([1, 2]);
    const bad = { items: 2, digest, correct: encodeBits([true, false]), answered: encodeBits([false, true]) };
    expect(itemAnswers(bad)).toBeUndefined();
    expect(itemAnswers({ items: 2, digest: 'XYZ', correct: encodeBits([true, false]) })).toBeUndefined();
    const many = MAX_OUTCOME_ITEMS + 1;
    expect(
      itemAnswers({ items: many, digest, correct: encodeBits(Array<boolean>(many).fill(false)) }),
    ).toBeUndefined();
  });

  it('digest the items’ identities in order', () => {
    expect(itemsDigest(['q1', 'q2'])).toMatch(/^[0-9a-f]{16}$/);
    expect(itemsDigest(['q1', 'q2'])).not.toBe(itemsDigest(['q2', 'q1']));
    expect(itemsDigest([1])).not.toBe(itemsDigest(['1']));
  });

  it('read from a termination message as a shard’s; without shard fields, as a whole run’s', () => {
    const outcomes = outcomesOf(itemsDigest(['a', 'b']), [
      { answered: true, correct: true },
      { answered: true, correct: false },
    ]);
    expect(readShardOutcomes({ ...outcomes })).toEqual({ ...outcomes, shard: 0, shards: 1 });
    expect(readShardOutcomes({ ...outcomes, shard: 1, shards: 2 })).toMatchObject({ shard: 1, shards: 2 });
    for (const bad of [
      { ...outcomes, shard: 2, shards: 2 },
      { ...outcomes, shard: 0.5 },
      { ...outcomes, answered: 7 },
      { ...outcomes, items: 9 },
      'outcomes',
      null,
    ]) {
      expect(readShardOutcomes(bad)).toBeUndefined();
    }
  });
});

describe('joinShards', () => {
  const shard = (index: number, count: number, answers: Array<[boolean, boolean]>): ShardOutcomes => ({
    ...outcomesOf(
      itemsDigest([`shard ${index}`]),
      answers.map(([answered, correct]) => ({ answered, correct })),
    ),
    shard: index,
    shards: count,
  });

  it('joins the shards in shard order, whatever order their pods came in', () => {
    const first = shard(0, 2, [[true, true]]);
    const second = shard(1, 2, [
      [true, false],
      [false, false],
    ]);
    const joined = joinShards([second, first])!;
    expect(itemAnswers(joined)).toEqual([
      { answered: true, correct: true },
      { answered: true, correct: false },
      { answered: false, correct: false },
    ]);
    expect(joined.digest).toMatch(/^[0-9a-f]{16}$/);
    expect(joinShards([first, second])).toEqual(joined);
  });

  it('keeps one shard’s outcomes as they are, without the shard fields', () => {
    const only = shard(0, 1, [[true, true]]);
    const { shard: _s, shards: _n, ...outcomes } = only;
    expect(joinShards([only])).toEqual(outcomes);
  });

  it('has none when a shard is missing, doubled or of another count', () => {
    expect(joinShards([])).toBeUndefined();
    expect(joinShards([shard(0, 2, [[true, true]])])).toBeUndefined();
    expect(joinShards([shard(0, 2, [[true, true]]), shard(0, 2, [[true, true]])])).toBeUndefined();
    expect(joinShards([shard(0, 2, [[true, true]]), shard(1, 3, [[true, true]])])).toBeUndefined();
  });
});
