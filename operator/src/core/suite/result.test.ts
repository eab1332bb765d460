import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  itemAnswers,
  itemsDigest,
  outcomesOf,
  type ShardOutcomes,
} from '../../../../runner/src/contract/outcomes.ts';
import {
  boundedResult,
  combineResults,
  failureText,
  HEADLINE_METRICS,
  parseRunResult,
  type ShardResult,
} from './result.ts';

const shard = (score: number | undefined, metrics: Record<string, number>): ShardResult => ({
  ...(score !== undefined ? { score } : {}),
  metrics,
  usage: { inputTokens: 10, outputTokens: 1 },
});

describe('combineResults', () => {
  it('weights each shard’s score by its answered items', () => {
    const combined = combineResults([
      shard(1, { answeredItems: 9, accuracy: 1 }),
      shard(0, { answeredItems: 1, accuracy: 0 }),
    ]);
    // 9 of 10 items correct, where the plain average of the shards would say 0.5.
    expect(combined.score).toBeCloseTo(0.9, 12);
    // Counts are added up, other metrics averaged; usage is added up.
    expect(combined.metrics).toEqual({ answeredItems: 10, accuracy: 0.5 });
    expect(combined.usage).toEqual({ inputTokens: 20, outputTokens: 2 });
  });

  it('leaves out a shard without a score (it answered nothing), whatever its count', () => {
    const combined = combineResults([
      shard(0.5, { answeredItems: 2 }),
      shard(undefined, { answeredItems: 0, failedItems: 3 }),
      shard(0.8, { answeredItems: 8 }),
    ]);
    expect(combined.score).toBeCloseTo((0.5 * 2 + 0.8 * 8) / 10, 12);
  });

  it('averages the scores plainly when a scored shard does not report its count (another runner)', () => {
    expect(combineResults([shard(1, { answeredItems: 9 }), shard(0, {})]).score).toBe(0.5);
    expect(combineResults([{ score: 0.2 }, { score: 0.4 }]).score).toBeCloseTo(0.3, 12);
  });

  it('averages plainly when the counts say no item, rather than divide by zero', () => {
    expect(combineResults([shard(1, { answeredItems: 0 }), shard(0, { answeredItems: 0 })]).score).toBe(0.5);
  });

  it('leaves no float noise in what it combines: 12 significant digits', () => {
    const combined = combineResults([
      shard(0.1, { answeredItems: 1, accuracy: 0.1 }),
      shard(0.2, { answeredItems: 1, accuracy: 0.2 }),
    ]);
    // (0.1 + 0.2) / 2 is 0.15000000000000002 in floats.
    expect(combined.score).toBe(0.15);
    expect(combined.metrics).toEqual({ answeredItems: 2, accuracy: 0.15 });
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 8 }),
        (scores) => {
          const score = combineResults(scores.map((s) => ({ score: s }))).score!;
          const exact = scores.reduce((a, b) => a + b, 0) / scores.length;
          expect(score).toBe(Number(exact.toPrecision(12)));
        },
      ),
    );
  });

  it('has no score when no shard has one, and keeps a single shard’s result as it is', () => {
    expect(
      combineResults([shard(undefined, { items: 0 }), shard(undefined, { items: 0 })]),
    ).not.toHaveProperty('score');
    const only = shard(0.7, { answeredItems: 3 });
    expect(combineResults([only])).toEqual(only);
  });

  it('adds up the counts: a sharded run’s correct and answered items are its shards’ together', () => {
    const combined = combineResults([
      shard(0.5, { items: 4, answeredItems: 4, correctItems: 2, failedItems: 0, retries: 1, accuracy: 0.5 }),
      shard(1, { items: 3, answeredItems: 2, correctItems: 2, failedItems: 1, retries: 0, accuracy: 1 }),
    ]);
    expect(combined.metrics).toEqual({
      items: 7,
      answeredItems: 6,
      correctItems: 4,
      failedItems: 1,
      retries: 1,
      accuracy: 0.75,
    });
  });
});

describe('per-item outcomes of a result', () => {
  const outcomes = (index: number, count: number, right: boolean[]): ShardOutcomes => ({
    ...outcomesOf(
      itemsDigest([`shard ${index}`]),
      right.map((correct) => ({ answered: true, correct })),
    ),
    shard: index,
    shards: count,
  });
  const message = (shardOutcomes: unknown) =>
    JSON.stringify({ score: 1, metrics: {}, usage: {}, outcomes: shardOutcomes });

  it('are read from the termination message, and malformed ones are left out without failing the result', () => {
    const good = outcomes(0, 1, [true, false]);
    expect(parseRunResult(message(good))).toEqual({
      ok: true,
      result: { score: 1, metrics: {}, usage: {}, outcomes: good },
    });
    const parsed = parseRunResult(message({ ...good, correct: '!!' }));
    expect(parsed).toEqual({ ok: true, result: { score: 1, metrics: {}, usage: {} } });
  });

  it('are the shards’ joined in shard order, or none when a shard has none', () => {
    const first = { ...shard(1, {}), outcomes: outcomes(0, 2, [true]) };
    const second = { ...shard(0, {}), outcomes: outcomes(1, 2, [false, true]) };
    const joined = combineResults([second, first]).outcomes!;
    expect(itemAnswers(joined)?.map((a) => a.correct)).toEqual([true, false, true]);
    expect(combineResults([first, shard(0, {})]).outcomes).toBeUndefined();
    const only = combineResults([{ ...shard(1, {}), outcomes: outcomes(0, 1, [true]) }]).outcomes;
    expect(only).not.toHaveProperty('shard');
  });
});

describe('failureText', () => {
  it('is bench-runner’s error from its termination message', () => {
    const message = JSON.stringify({ error: 'provider unavailable: 503', metrics: { items: 3 }, usage: {} });
    expect(failureText(`${message}\n`)).toBe('provider unavailable: 503');
  });

  it('is any other message as it is', () => {
    expect(failureText('  Traceback: boom \n')).toBe('Traceback: boom');
    expect(failureText('{"score": 1}')).toBe('{"score": 1}');
    expect(failureText('{"error": ""}')).toBe('{"error": ""}');
    expect(failureText('{not json')).toBe('{not json');
    expect(failureText('null')).toBe('null');
  });
});

describe('boundedResult: what status keeps of the metrics', () => {
  const metrics = {
    'accuracy/b': 0.5,
    accuracy: 0.75,
    items: 4,
    f1: 0.6,
    'accuracy/a': 1,
  };

  it('all (up to 32), only the headline ones, or none; the rest counted', () => {
    expect(boundedResult({ score: 0.75, metrics })).toEqual({
      result: {
        score: 0.75,
        metrics: { items: 4, accuracy: 0.75, f1: 0.6, 'accuracy/a': 1, 'accuracy/b': 0.5 },
      },
      metrics: 5,
      leftOut: 0,
    });
    expect(boundedResult({ score: 0.75, metrics }, 'headline')).toEqual({
      result: { score: 0.75, metrics: { items: 4, accuracy: 0.75 } },
      metrics: 5,
      leftOut: 3,
    });
    expect(boundedResult({ score: 0.75, metrics, usage: { inputTokens: 3 } }, 'none')).toEqual({
      result: { score: 0.75, usage: { inputTokens: 3 } },
      metrics: 5,
      leftOut: 5,
    });
    expect(HEADLINE_METRICS).toContain('items');
  });
});
