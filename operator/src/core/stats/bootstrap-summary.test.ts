import { describe, expect, it } from 'vitest';
import { percentileInterval, twoSidedPValue } from './bootstrap-summary.ts';

const sorted = (...values: number[]) => Float64Array.from(values).sort();

describe('bootstrap summaries', () => {
  it('reads quantiles as numpy.percentile does (linear, type 7)', () => {
    // numpy.percentile([1, 2, 3, 4, 5], [25, 75]) == [2, 4]; numpy.percentile([0, 10], [5, 95]) == [0.5, 9.5]
    expect(percentileInterval(sorted(1, 2, 3, 4, 5), 0.5)).toEqual({ low: 2, high: 4 });
    expect(percentileInterval(sorted(0, 10), 0.9).low).toBeCloseTo(0.5, 12);
    expect(percentileInterval(sorted(0, 10), 0.9).high).toBeCloseTo(9.5, 12);
    expect(percentileInterval(sorted(3), 0.95)).toEqual({ low: 3, high: 3 });
  });

  it('counts the resamples at or beyond 0 on the far side, plus one', () => {
    expect(twoSidedPValue(sorted(-0.1, 0.5, 1, 2), 1)).toBeCloseTo((2 * 2) / 5, 14);
    expect(twoSidedPValue(sorted(-2, -1, -0.5, 0.1), -1)).toBeCloseTo((2 * 2) / 5, 14);
    expect(twoSidedPValue(sorted(0.2, 0.5, 1, 2), 1)).toBeCloseTo(2 / 5, 14);
    expect(twoSidedPValue(sorted(-1, 0, 1, 2), 1)).toBe(1);
    expect(twoSidedPValue(sorted(-1, 1), 0)).toBe(1);
  });
});
