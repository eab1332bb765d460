import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bootstrapMeanInterval } from './bootstrap.ts';

// Scores in thousandths: what graders give, and clear of the subnormal numbers fc.double would also
// try, whose intervals are all rounding.
const score = fc.integer({ min: 0, max: 1000 }).map((thousandths) => thousandths / 1000);
const scores = (minLength: number) => fc.array(score, { minLength, maxLength: 80 });
const seed = fc.integer({ min: 0, max: 0xffff_ffff });
const quick = { resamples: 400 };

describe('bootstrapMeanInterval', () => {
  it('gives the same numbers for the same seed, other numbers for another', () => {
    const values = [0.1, 0.9, 0.4, 0.4, 1, 0, 0.75];
    const first = bootstrapMeanInterval(values, { seed: 19 });
    expect(bootstrapMeanInterval(values, { seed: 19 })).toEqual(first);
    expect(bootstrapMeanInterval(values, { seed: 20 })).not.toEqual(first);
    expect(first.mean).toBeCloseTo(3.55 / 7, 15);
  });

  it('holds the mean, and has zero width exactly when every value is the same', () => {
    fc.assert(
      fc.property(scores(1), seed, (values, s) => {
        const { mean, standardError, low, high } = bootstrapMeanInterval(values, { seed: s, ...quick });
        expect(low <= mean && mean <= high).toBe(true);
        const constant = values.every((value) => value === values[0]);
        if (constant)
          expect({ low, high, standardError }).toEqual({ low: mean, high: mean, standardError: 0 });
      }),
    );
  });

  it('narrows as the sample grows: the same values four times over give a narrower interval', () => {
    const varied = scores(2).filter((values) => values.some((value) => value !== values[0]));
    fc.assert(
      fc.property(varied, seed, (values, s) => {
        const small = bootstrapMeanInterval(values, { seed: s, ...quick });
        const large = bootstrapMeanInterval([...values, ...values, ...values, ...values], {
          seed: s,
          ...quick,
        });
        expect(large.high - large.low).toBeLessThan(small.high - small.low);
      }),
      { numRuns: 50 },
    );
  });

  it('agrees with the analytic standard error σ/√n on a large sample', () => {
    // A spread of scores in [0, 1], fixed rather than random so the test reads the same each time.
    const values = Array.from({ length: 3000 }, (_, i) => ((i * 7919) % 1001) / 1000);
    const n = values.length;
    const mean = values.reduce((sum, value) => sum + value, 0) / n;
    const analytic =
      Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / n) / Math.sqrt(n);
    fc.assert(
      fc.property(seed, (s) => {
        const interval = bootstrapMeanInterval(values, { seed: s });
        // 2000 resamples estimate the standard error to about 1.6%; 8% is five of those.
        expect(Math.abs(interval.standardError / analytic - 1)).toBeLessThan(0.08);
        expect(Math.abs((interval.high - interval.low) / (2 * 1.96 * analytic) - 1)).toBeLessThan(0.1);
      }),
      { numRuns: 5 },
    );
  });

  it('widens with confidence', () => {
    const values = [0, 1, 1, 0.5, 0.25, 1, 0, 0.9];
    const narrow = bootstrapMeanInterval(values, { seed: 3, confidence: 0.8 });
    const wide = bootstrapMeanInterval(values, { seed: 3, confidence: 0.99 });
    expect(wide.low).toBeLessThan(narrow.low);
    expect(wide.high).toBeGreaterThan(narrow.high);
  });

  it('refuses an empty sample, a bad seed and a bad number of resamples', () => {
    expect(() => bootstrapMeanInterval([], { seed: 1 })).toThrow(RangeError);
    expect(() => bootstrapMeanInterval([Number.NaN], { seed: 1 })).toThrow(RangeError);
    expect(() => bootstrapMeanInterval([1], { seed: 1.5 })).toThrow(RangeError);
    expect(() => bootstrapMeanInterval([1], { seed: -1 })).toThrow(RangeError);
    expect(() => bootstrapMeanInterval([1], { seed: 2 ** 32 })).toThrow(RangeError);
    expect(() => bootstrapMeanInterval([1], { seed: 1, resamples: 0 })).toThrow(RangeError);
    expect(() => bootstrapMeanInterval([1], { seed: 1, confidence: 1 })).toThrow(RangeError);
  });
});
