import { describe, expect, it } from 'vitest';
import type { ItemResult } from './item-result.ts';
import { percentile, summarize } from './summary.ts';

const answered = (index: number, extra: Partial<ItemResult>): ItemResult => ({
  index,
  line: index + 1,
  status: 'answered',
  latencyMs: 100 * (index + 1),
  usage: { inputTokens: 10, outputTokens: 20 },
  ...extra,
});
const failed = (index: number): ItemResult => ({
  index,
  line: index + 1,
  status: 'failed',
  error: { kind: 'unavailable', message: 'x' },
});

describe('summarize', () => {
  it('accuracy mode: the score is the share of answered items that are correct, per category too', () => {
    const result = summarize({
      mode: 'accuracy',
      items: 5,
      results: [
        answered(0, { correct: true, category: 'math' }),
        answered(1, { correct: false, category: 'math' }),
        answered(2, { correct: true, category: 'geo' }),
        answered(3, { correct: true }),
        failed(4),
      ],
      elapsedMs: 2_000,
      interrupted: false,
      retries: 3,
    });
    expect(result).toEqual({
      score: 0.75,
      metrics: {
        items: 5,
        answeredItems: 4,
        failedItems: 1,
        retries: 3,
        correctItems: 3,
        accuracy: 0.75,
        'accuracy/math': 0.5,
        'accuracy/geo': 1,
        latencyP50Ms: 200,
        latencyP90Ms: 400,
        latencyP99Ms: 400,
        // 200, 100, 66.7 and 50 tokens/s: the nearest-rank median is the second.
        outputTokensPerSecond: 66.7,
        requestsPerSecond: 2,
        throughputTokensPerSecond: 40,
      },
      usage: { inputTokens: 40, outputTokens: 80 },
    });
  });

  it('latency mode: time to first token, decode speed after it as the score; partial when interrupted', () => {
    const result = summarize({
      mode: 'latency',
      items: 10,
      results: [
        answered(0, {
          latencyMs: 1_000,
          timeToFirstTokenMs: 200,
          usage: { inputTokens: 5, outputTokens: 80 },
        }),
        answered(1, {
          latencyMs: 2_000,
          timeToFirstTokenMs: 400,
          usage: { inputTokens: 5, outputTokens: 80 },
        }),
      ],
      elapsedMs: 2_000,
      interrupted: true,
      retries: 0,
    });
    expect(result.score).toBe(50);
    expect(result.metrics).toMatchObject({
      partial: 1,
      items: 10,
      answeredItems: 2,
      timeToFirstTokenP50Ms: 200,
      timeToFirstTokenP99Ms: 400,
      outputTokensPerSecond: 50,
    });
  });

  it('has no score when nothing was answered (an empty shard must not pull the average down)', () => {
    const result = summarize({
      mode: 'accuracy',
      items: 0,
      results: [],
      elapsedMs: 0,
      interrupted: false,
      retries: 0,
    });
    expect(result).toEqual({
      metrics: { items: 0, answeredItems: 0, failedItems: 0, retries: 0 },
      usage: { inputTokens: 0, outputTokens: 0 },
    });
  });

  it('percentile is the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([50, 90, 99, 100].map((p) => percentile(values, p))).toEqual([50, 90, 99, 100]);
    expect(percentile([7], 99)).toBe(7);
  });
});
