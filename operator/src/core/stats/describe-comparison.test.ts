import { describe, expect, it } from 'vitest';
import { compareRuns, type RunComparison } from './compare.ts';
import { describeComparison } from './describe-comparison.ts';

const labels = { a: 'candidate', b: 'production', subject: 'mmlu' };

/** A comparison with these numbers, the rest as compareRuns would give for paired right/wrong runs. */
function comparison(numbers: Partial<RunComparison>): RunComparison {
  return {
    paired: true,
    method: 'mcnemar-exact',
    interval: 'newcombe-paired',
    confidence: 0.95,
    a: { mean: 0.712, items: 1000 },
    b: { mean: 0.745, items: 1000 },
    difference: -0.033,
    low: -0.0514,
    high: -0.0146,
    pValue: 0.00312,
    onlyInA: 0,
    onlyInB: 0,
    ...numbers,
  };
}

describe('describeComparison', () => {
  it('reads as one line, to three places, with true minus signs', () => {
    expect(describeComparison(comparison({}), labels)).toBe(
      'mmlu: candidate 0.712 vs production 0.745, −0.033 (95% CI −0.051…−0.015), McNemar p = 0.003',
    );
  });

  it('signs a gain, says when p is below what three places can show, and names the test', () => {
    const text = describeComparison(
      comparison({
        method: 'paired-bootstrap',
        difference: 0.02,
        low: 0.0004,
        high: 0.04,
        pValue: 0.0004,
        confidence: 0.9,
      }),
      { a: 'candidate', b: 'production' },
    );
    expect(text).toBe(
      'candidate 0.712 vs production 0.745, +0.020 (90% CI 0.000…0.040), paired bootstrap p < 0.001',
    );
  });

  it('never prints a negative zero', () => {
    const text = describeComparison(comparison({ difference: -0.0001, low: -0.0002, high: 0.0001 }), labels);
    expect(text).toContain(', 0.000 (95% CI 0.000…0.000)');
  });

  it('says when the runs were not paired, and why', () => {
    const text = describeComparison(
      comparison({ paired: false, method: 'unpaired-bootstrap', pValue: 0.2, onlyInA: 3, onlyInB: 1 }),
      labels,
    );
    expect(text).toMatch(
      /unpaired bootstrap p = 0\.200; not paired: 3 items only in candidate, 1 item only in production$/,
    );
  });

  it('says which items a paired comparison left out', () => {
    const text = describeComparison(comparison({ onlyInA: 2, onlyInB: 0 }), labels);
    expect(text).toMatch(
      /McNemar p = 0\.003; paired on the 1000 items both have \(2 items only in candidate, 0 items only in production left out\)$/,
    );
  });

  it('describes what compareRuns found', () => {
    // 1000 items: 692 right in both runs, 20 right only for the candidate, 53 only in production.
    const pairs = [
      ...Array<[number, number]>(692).fill([1, 1]),
      ...Array<[number, number]>(20).fill([1, 0]),
      ...Array<[number, number]>(53).fill([0, 1]),
      ...Array<[number, number]>(235).fill([0, 0]),
    ];
    const candidate = Object.fromEntries(pairs.map(([score], i) => [`q${i}`, score]));
    const production = Object.fromEntries(pairs.map(([, score], i) => [`q${i}`, score]));
    expect(describeComparison(compareRuns(candidate, production), labels)).toBe(
      'mmlu: candidate 0.712 vs production 0.745, −0.033 (95% CI −0.050…−0.016), McNemar p < 0.001',
    );
  });
});
