import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRunResult } from '../../../operator/src/core/suite/result.ts';
import { itemsDigest, outcomesOf, type ShardOutcomes } from '../contract/outcomes.ts';
import { TERMINATION_MESSAGE_LIMIT, terminationMessage } from './termination-message.ts';

const usage = { inputTokens: 123_456_789, outputTokens: 98_765_432 };
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('terminationMessage', () => {
  it('is the result as JSON when it fits, metrics in a fixed order', () => {
    const message = terminationMessage({ score: 0.5, metrics: { zeta: 1, accuracy: 0.5, items: 2 }, usage });
    expect(message).toBe(
      `{"score":0.5,"metrics":{"items":2,"accuracy":0.5,"zeta":1},"usage":{"inputTokens":123456789,"outputTokens":98765432}}`,
    );
    expect(parseRunResult(message)).toEqual({
      ok: true,
      result: { score: 0.5, metrics: { items: 2, accuracy: 0.5, zeta: 1 }, usage },
    });
  });

  it('with thousands of metrics, keeps the run’s own metrics and then others by name while they fit, and counts the rest', () => {
    const metrics: Record<string, number> = { partial: 1, items: 14_000, accuracy: 0.123456 };
    for (let i = 0; i < 5_000; i++) metrics[`accuracy/category-${String(i).padStart(4, '0')}`] = i / 5_000;
    const message = terminationMessage({ score: 0.123456, metrics, usage });
    expect(bytes(message)).toBeLessThanOrEqual(TERMINATION_MESSAGE_LIMIT);
    const parsed = JSON.parse(message) as { metrics: Record<string, number> };
    const kept = Object.keys(parsed.metrics);
    expect(kept.slice(0, 4)).toEqual(['partial', 'items', 'accuracy', 'accuracy/category-0000']);
    expect(parsed.metrics.metricsDropped).toBe(Object.keys(metrics).length - (kept.length - 1));
    expect(parsed.metrics.metricsDropped).toBeGreaterThan(4_000);
    // The same input gives the same message, whatever the order of its metrics.
    const reversed = Object.fromEntries(Object.entries(metrics).reverse());
    expect(terminationMessage({ score: 0.123456, metrics: reversed, usage })).toBe(message);
  });

  it('shortens a long error and still fits with metric names in many bytes per character', () => {
    const metrics = Object.fromEntries(
      Array.from({ length: 300 }, (_, i) => [`accuracy/数学-${i}-😀`, 1 / 3]),
    );
    const message = terminationMessage({
      error: `\u0000${'provider said: 😀 '.repeat(10_000)}`,
      metrics,
      usage,
    });
    expect(bytes(message)).toBeLessThanOrEqual(TERMINATION_MESSAGE_LIMIT);
    const parsed = JSON.parse(message) as { error: string; metrics: Record<string, number> };
    expect([...parsed.error]).toHaveLength(512);
    expect(parsed.error.endsWith('…')).toBe(true);
    expect(parsed.metrics.metricsDropped).toBeGreaterThan(0);
  });

  it('writes only finite numbers: others are left out, and metrics counted as dropped', () => {
    const message = terminationMessage({
      score: Number.NaN,
      metrics: { accuracy: 0.5, latencyP50Ms: Number.POSITIVE_INFINITY, items: Number.NaN, zeta: 1 },
      usage: { inputTokens: 10, outputTokens: Number.NEGATIVE_INFINITY },
    });
    expect(message).toBe(
      '{"metrics":{"accuracy":0.5,"zeta":1,"metricsDropped":2},"usage":{"inputTokens":10}}',
    );
    expect(parseRunResult(message).ok).toBe(true);
  });

  it('keeps the judge’s usage whole next to the usage, even when metrics must be dropped', () => {
    const judgeUsage = { inputTokens: 987_654_321, outputTokens: 12_345_678 };
    const small = terminationMessage({ score: 0.5, metrics: { items: 2 }, usage, judgeUsage });
    expect(small).toBe(
      `{"score":0.5,"metrics":{"items":2},"usage":{"inputTokens":123456789,"outputTokens":98765432},"judgeUsage":{"inputTokens":987654321,"outputTokens":12345678}}`,
    );
    const metrics = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`accuracy/c${i}`, 0.5]));
    const full = terminationMessage({ metrics: { ...metrics, judgeUnparseable: 3 }, usage, judgeUsage });
    expect(bytes(full)).toBeLessThanOrEqual(TERMINATION_MESSAGE_LIMIT);
    const parsed = JSON.parse(full) as { metrics: Record<string, number>; judgeUsage: unknown };
    expect(parsed.judgeUsage).toEqual(judgeUsage);
    expect(parsed.metrics.metricsDropped).toBeGreaterThan(0);
    expect(terminationMessage({ metrics: {}, usage })).not.toContain('judgeUsage');
  });

  // Generating the big inputs is the slow part: a generous timeout for a loaded machine.
  it('always fits 4 KiB and is a result the operator reads', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(
        fc.option(fc.double()),
        fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.double(), {
          maxKeys: 100,
        }),
        fc.record({ inputTokens: fc.double(), outputTokens: fc.double() }),
        fc.option(fc.string({ unit: 'binary', maxLength: 5_000 })),
        fc.option(fc.record({ inputTokens: fc.double(), outputTokens: fc.double() })),
        (score, metrics, anyUsage, error, judgeUsage) => {
          const message = terminationMessage({
            ...(score !== null ? { score } : {}),
            metrics,
            usage: anyUsage,
            ...(judgeUsage !== null ? { judgeUsage } : {}),
            ...(error !== null ? { error } : {}),
          });
          expect(bytes(message)).toBeLessThanOrEqual(TERMINATION_MESSAGE_LIMIT);
          expect(parseRunResult(message).ok).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('terminationMessage with per-item outcomes', () => {
  const outcomes = (items: number): ShardOutcomes => ({
    ...outcomesOf(
      itemsDigest(['x']),
      Array.from({ length: items }, (_, i) => ({ answered: true, correct: i % 3 === 0 })),
    ),
    shard: 0,
    shards: 1,
  });

  it('keeps them whole after the run’s own metrics and before the others, and the operator reads them back', () => {
    const metrics: Record<string, number> = { items: 8_000, accuracy: 0.33 };
    for (let i = 0; i < 200; i++) metrics[`accuracy/c${i}`] = 0.5;
    const message = terminationMessage({ score: 0.33, metrics, usage, outcomes: outcomes(8_000) });
    expect(bytes(message)).toBeLessThanOrEqual(TERMINATION_MESSAGE_LIMIT);
    const parsed = JSON.parse(message) as { metrics: Record<string, number>; outcomes: unknown };
    expect(parsed.outcomes).toEqual(outcomes(8_000));
    expect(parsed.metrics).toMatchObject({ items: 8_000, accuracy: 0.33 });
    expect(parsed.metrics.metricsDropped).toBeGreaterThan(50);
  });

  it('leaves them out when they cannot fit, and keeps every metric that can', () => {
    const metrics = { items: 40_000, accuracy: 0.33 };
    const message = terminationMessage({ score: 0.33, metrics, usage, outcomes: outcomes(40_000) });
    expect(JSON.parse(message)).toEqual({ score: 0.33, metrics, usage });
  });

  it('fit whatever the outcomes and metrics', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30_000 }), fc.integer({ min: 0, max: 400 }), (items, count) => {
        const metrics = Object.fromEntries(Array.from({ length: count }, (_, i) => [`m/${i}`, i]));
        const message = terminationMessage({ metrics, usage, outcomes: outcomes(items) });
        expect(bytes(message)).toBeLessThanOrEqual(TERMINATION_MESSAGE_LIMIT);
        expect(() => JSON.parse(message) as unknown).not.toThrow();
      }),
      { numRuns: 30 },
    );
  });
});
