import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import reference from '../../../../test/fixtures/stats/reference.json' with { type: 'json' };
import { newcombePairedInterval } from './newcombe-paired.ts';

describe('newcombePairedInterval', () => {
  // The reference values are hack/stats/fixtures.py's transcription of the paper over statsmodels'
  // Wilson limits. Its first table is Fagerland, Lydersen & Laake's (2017) worked example (Cavo et
  // al. 2012: 59, 6, 16, 80), printed there as −0.0621 (95% CI −0.1186 to −0.0046).
  it.each(reference.newcombePaired)(
    'matches the reference for ($a, $b, $c, $d) at $confidence',
    ({ a, b, c, d, confidence, low, high }) => {
      const interval = newcombePairedInterval({ bothRight: a, onlyA: b, onlyB: c, bothWrong: d }, confidence);
      expect(interval.difference).toBeCloseTo((b - c) / (a + b + c + d), 15);
      expect(interval.low).toBeCloseTo(low, 12);
      expect(interval.high).toBeCloseTo(high, 12);
    },
  );

  it('reproduces the published worked example to its four places', () => {
    const { difference, low, high } = newcombePairedInterval({
      bothRight: 59,
      onlyA: 6,
      onlyB: 16,
      bothWrong: 80,
    });
    expect([difference, low, high].map((x) => x.toFixed(4))).toEqual(['-0.0621', '-0.1186', '-0.0046']);
  });

  it('refuses an empty table', () => {
    expect(() => newcombePairedInterval({ bothRight: 0, onlyA: 0, onlyB: 0, bothWrong: 0 })).toThrow(
      RangeError,
    );
  });

  it('holds the difference, within [−1, 1]', () => {
    const count = fc.integer({ min: 0, max: 300 });
    fc.assert(
      fc.property(count, count, count, count, (bothRight, onlyA, onlyB, bothWrong) => {
        fc.pre(bothRight + onlyA + onlyB + bothWrong > 0);
        const { difference, low, high } = newcombePairedInterval({ bothRight, onlyA, onlyB, bothWrong });
        expect(-1 <= low && low <= difference && difference <= high && high <= 1).toBe(true);
      }),
    );
  });
});
