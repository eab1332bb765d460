import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { boundedResult, combineResults, failureText, HEADLINE_METRICS, type RunResult } from './result.ts';

const shard = (score: number | undefined, metrics: Record<string, number>): RunResult => ({
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
    // Other metrics stay the shards' average; usage is added up.
    expect(combined.metrics).toEqual({ answeredItems: 5, accuracy: 0.5 });
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
    expect(combined.metrics).toEqual({ answeredItems: 1, accuracy: 0.15 });
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
    expect(combineResults([only])).toBe(only);
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
