import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import reference from '../../../../test/fixtures/stats/reference.json' with { type: 'json' };
import { wilsonInterval } from './wilson.ts';

describe('wilsonInterval', () => {
  // Includes Newcombe's (1998) worked examples 81/263, 15/148, 0/20 and 1/29, whose published
  // limits (e.g. 0.2553 to 0.3662 for 81/263) hack/stats/fixtures.py checks statsmodels reproduces.
  it.each(reference.wilson)(
    'matches statsmodels for $successes/$trials at $confidence',
    ({ successes, trials, confidence, low, high }) => {
      const interval = wilsonInterval(successes, trials, confidence);
      expect(interval.estimate).toBe(successes / trials);
      expect(interval.low).toBeCloseTo(low, 13);
      expect(interval.high).toBeCloseTo(high, 13);
    },
  );

  it('says plainly that no trials estimate nothing', () => {
    expect(wilsonInterval(0, 0)).toEqual({ estimate: null, low: 0, high: 1 });
  });

  it('is exact at the ends: 0 and 1 themselves, not rounding errors next to them', () => {
    expect(wilsonInterval(0, 7).low).toBe(0);
    expect(wilsonInterval(7, 7).high).toBe(1);
  });

  it('refuses counts that are not counts and levels that are not levels', () => {
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 2, 0)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 2, 95)).toThrow(RangeError);
  });

  it('stays within [0, 1], ordered around its estimate, and widens with confidence', () => {
    const counts = fc
      .integer({ min: 1, max: 100_000 })
      .chain((trials) => fc.tuple(fc.integer({ min: 0, max: trials }), fc.constant(trials)));
    fc.assert(
      fc.property(
        counts,
        fc.double({ min: 0.5, max: 0.9999, noNaN: true }),
        ([successes, trials], confidence) => {
          const { estimate, low, high } = wilsonInterval(successes, trials, confidence);
          expect(0 <= low && low <= estimate! && estimate! <= high && high <= 1).toBe(true);
          const wider = wilsonInterval(successes, trials, (1 + confidence) / 2);
          expect(wider.low).toBeLessThanOrEqual(low);
          expect(wider.high).toBeGreaterThanOrEqual(high);
        },
      ),
    );
  });
});
