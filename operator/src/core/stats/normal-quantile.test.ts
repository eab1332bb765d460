import { describe, expect, it } from 'vitest';
import reference from '../../../../test/fixtures/stats/reference.json' with { type: 'json' };
import { normalQuantile, twoSidedCriticalValue } from './normal-quantile.ts';

describe('normalQuantile (AS 241)', () => {
  it.each(reference.normalQuantile)('matches scipy norm.ppf($p)', ({ p, z }) => {
    expect(Math.abs(normalQuantile(p) - z)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(z)));
  });

  it('is −∞ and +∞ at 0 and 1, and refuses what is not a probability', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
    expect(() => normalQuantile(Number.NaN)).toThrow(RangeError);
  });

  it('gives the familiar critical values', () => {
    expect(twoSidedCriticalValue(0.95)).toBeCloseTo(1.959963984540054, 15);
    expect(twoSidedCriticalValue(0.99)).toBeCloseTo(2.5758293035489004, 15);
    expect(() => twoSidedCriticalValue(1)).toThrow(RangeError);
  });
});
