import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retryDelayMs, seededUnit } from './backoff.ts';

describe('retryDelayMs', () => {
  it('grows by the factor from the initial delay and stops at the maximum', () => {
    const retry = { backoff: { initial: '30s', max: '10m', factor: 2, jitterPercent: 0 } };
    expect([1, 2, 3, 4, 5, 6, 7].map((attempt) => retryDelayMs(retry, attempt, 'ns/s/run'))).toEqual([
      30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000,
    ]);
  });

  it('uses the CRD defaults: 30 s doubling to 10 min with 20 % jitter', () => {
    const delay = retryDelayMs(undefined, 1, 'ns/s/run');
    expect(delay).toBeGreaterThanOrEqual(24_000);
    expect(delay).toBeLessThanOrEqual(36_000);
  });

  it('keeps the jitter within ± jitterPercent of the base, and is the same for the same run and attempt', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 5 }),
        fc.string({ minLength: 1, maxLength: 30 }),
        (attempt, jitterPercent, factor, key) => {
          const retry = { backoff: { initial: '1s', max: '1h', factor, jitterPercent } };
          const base = Math.min(3_600_000, 1000 * factor ** (attempt - 1));
          const delay = retryDelayMs(retry, attempt, key);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(base * (1 - jitterPercent / 100)));
          expect(delay).toBeLessThanOrEqual(Math.ceil(base * (1 + jitterPercent / 100)));
          expect(retryDelayMs(retry, attempt, key)).toBe(delay);
        },
      ),
    );
  });

  it('spreads the retries of different runs', () => {
    const retry = { backoff: { initial: '10s', jitterPercent: 50 } };
    const delays = new Set(Array.from({ length: 50 }, (_, i) => retryDelayMs(retry, 1, `ns/s/run-${i}`)));
    expect(delays.size).toBeGreaterThan(40);
  });

  it('draws seeded units in [0, 1)', () => {
    fc.assert(
      fc.property(fc.string(), (seed) => {
        const unit = seededUnit(seed);
        expect(unit).toBeGreaterThanOrEqual(0);
        expect(unit).toBeLessThan(1);
      }),
    );
  });
});
