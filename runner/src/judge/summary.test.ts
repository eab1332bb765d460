import { describe, expect, it } from 'vitest';
import type { ItemResult } from '../evaluate/item-result.ts';
import { summarize } from '../evaluate/summary.ts';
import type { JudgeRecord } from './judgement.ts';
import { judgeSummary } from './summary.ts';

const judged = (index: number, judge: Omit<JudgeRecord, 'usage'>, correct?: boolean): ItemResult => ({
  index,
  line: index + 1,
  status: 'answered',
  ...(correct !== undefined ? { correct } : {}),
  latencyMs: 100,
  usage: { inputTokens: 10, outputTokens: 20 },
  judge: { ...judge, usage: { inputTokens: 300, outputTokens: 15 } },
});

const judgeFailed = (index: number): ItemResult => ({
  index,
  line: index + 1,
  status: 'failed',
  usage: { inputTokens: 10, outputTokens: 20 },
  judge: { usage: { inputTokens: 0, outputTokens: 0 } },
  error: { kind: 'unavailable', message: 'the judge: 503' },
});

const run = (results: ItemResult[], judgeCalibration?: '1-5' | 'pass-fail') =>
  summarize({
    mode: 'accuracy',
    items: results.length,
    results,
    elapsedMs: 1000,
    interrupted: false,
    retries: 0,
    judgeCalibration,
  });

describe('the judge in the run’s result', () => {
  it('keeps the judge’s usage apart from the target’s, and counts verdicts and unparseable replies', () => {
    const result = run([
      judged(0, { score: 5, reason: 'ok' }, true),
      judged(1, { score: 2, reason: 'no' }, false),
      judged(2, { unparseable: 'it is not JSON' }),
      judgeFailed(3),
    ]);
    // The answers' tokens, the failed item's too (its answer was paid for); the judge's apart.
    expect(result.usage).toEqual({ inputTokens: 40, outputTokens: 80 });
    expect(result.judgeUsage).toEqual({ inputTokens: 900, outputTokens: 45 });
    expect(result.metrics).toMatchObject({
      answeredItems: 3,
      failedItems: 1,
      correctItems: 1,
      judgeItems: 3,
      judgeUnparseable: 1,
      judgeScoreMean: 3.5,
    });
    // The unparseable item is not scored: the accuracy is over the two verdicts.
    expect(result.score).toBe(0.5);
  });

  it('has no judge part when no item was judged', () => {
    const result = run([
      { index: 0, line: 1, status: 'answered', correct: true, usage: { inputTokens: 1, outputTokens: 1 } },
    ]);
    expect(result).not.toHaveProperty('judgeUsage');
    expect(Object.keys(result.metrics).filter((name) => name.startsWith('judge'))).toEqual([]);
  });

  it('calibration: the score is the quadratic-weighted kappa of the judge against the labels on an ordinal scale', () => {
    // The hand-derived case of kappa.test.ts: pairs (1,1) (1,2) (2,3) (3,3), κ = 9/13.
    const results = [
      [1, 1],
      [1, 2],
      [2, 3],
      [3, 3],
    ].map(([label, score], i) => judged(i, { score: score!, reason: 'r', label: label! }, score! >= 4));
    const result = run([...results, judged(4, { unparseable: 'it is not JSON', label: 5 })], '1-5');
    expect(result.score).toBe(0.6923);
    expect(result.metrics).toMatchObject({ judgeKappa: 0.6923, judgeAgreement: 0.5, judgeUnparseable: 1 });
  });

  it('calibration on pass-fail: unweighted kappa; no kappa (and no score) when chance alone agrees fully', () => {
    const repeat = (count: number, pair: [number, number]) => Array.from({ length: count }, () => pair);
    const pairs = [...repeat(20, [1, 1]), ...repeat(5, [1, 0]), ...repeat(10, [0, 1]), ...repeat(15, [0, 0])];
    const results = pairs.map(([label, score], i) => judged(i, { score, reason: 'r', label }, score === 1));
    expect(judgeSummary(results, 'pass-fail')).toMatchObject({
      kappa: 0.4,
      metrics: { judgeKappa: 0.4, judgeAgreement: 0.7 },
    });
    const constant = run([judged(0, { score: 1, reason: 'r', label: 1 }, true)], 'pass-fail');
    expect(constant.score).toBeUndefined();
    expect(constant.metrics).toMatchObject({ judgeAgreement: 1 });
    expect(constant.metrics).not.toHaveProperty('judgeKappa');
  });
});
