import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import reference from '../../../../test/fixtures/stats/reference.json' with { type: 'json' };
import { mcnemarExactPValue } from './mcnemar.ts';

describe('mcnemarExactPValue', () => {
  // (150, 86) is the discordant pairs of Agresti's presidential approval example (An Introduction
  // to Categorical Data Analysis, section 8.1); (480, 520) and (2000, 2100) check large counts.
  it.each(reference.mcnemarExact)('matches scipy binomtest for b = $b, c = $c', ({ b, c, pValue }) => {
    expect(Math.abs(mcnemarExactPValue(b, c) - pValue)).toBeLessThanOrEqual(1e-12 * pValue);
  });

  it('is 1 when no item was right in one run and wrong in the other', () => {
    expect(mcnemarExactPValue(0, 0)).toBe(1);
  });

  it('refuses counts that are not counts', () => {
    expect(() => mcnemarExactPValue(-1, 3)).toThrow(RangeError);
    expect(() => mcnemarExactPValue(1, 2.5)).toThrow(RangeError);
  });

  it('is in (0, 1], the same either way round, and smaller the more lopsided the split', () => {
    const count = fc.integer({ min: 0, max: 500 });
    fc.assert(
      fc.property(count, count, (b, c) => {
        const p = mcnemarExactPValue(b, c);
        expect(p > 0 && p <= 1).toBe(true);
        expect(mcnemarExactPValue(c, b)).toBe(p);
        if (b > c) expect(mcnemarExactPValue(b + 1, c)).toBeLessThanOrEqual(p);
      }),
    );
  });
});
