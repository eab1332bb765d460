import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newcombeUnpairedInterval, pooledTwoProportionPValue } from './two-proportions.ts';

// Computed once with statsmodels 0.15.0 (scipy 1.17.1):
//   confint_proportions_2indep(x1, n1, x2, n2, method='newcomb', compare='diff', alpha=α)
//   proportions_ztest([x1, x2], [n1, n2])  (pooled, two-sided; nan where the pooled share is 0 or 1)
// The rows 56/70 − 48/80 to 10/10 − 0/10 are the examples of Newcombe 1998 (Stat Med 17:873),
// Table II, whose method 10 limits for 56/70 − 48/80 are printed there as 0.0524 to 0.3339.
const REFERENCE = [
  {
    a: [712, 1000],
    b: [745, 1000],
    alpha: 0.05,
    low: -0.07185414408652148,
    high: 0.005985646690357005,
    p: 0.09707510667520218,
  },
  {
    a: [700, 1000],
    b: [745, 1000],
    alpha: 0.05,
    low: -0.08406861998143254,
    high: -0.005748025783701059,
    p: 0.024625473135947474,
  },
  {
    a: [738, 1000],
    b: [745, 1000],
    alpha: 0.05,
    low: -0.04533170986830605,
    high: 0.031358107011937524,
    p: 0.7207044978648717,
  },
  {
    a: [7021, 14042],
    b: [7300, 14000],
    alpha: 0.1,
    low: -0.031242706422382062,
    high: -0.011608579419935535,
    p: 0.00033170481360233665,
  },
  {
    a: [3, 40],
    b: [9, 45],
    alpha: 0.01,
    low: -0.32018313246804175,
    high: 0.08316212173211274,
    p: 0.09853948864420588,
  },
  {
    a: [56, 70],
    b: [48, 80],
    alpha: 0.05,
    low: 0.05243147240236498,
    high: 0.33387265403690614,
    p: 0.00804508136819656,
  },
  {
    a: [9, 10],
    b: [3, 10],
    alpha: 0.05,
    low: 0.1705227239345029,
    high: 0.809017973535488,
    p: 0.006169899320544151,
  },
  {
    a: [5, 56],
    b: [0, 29],
    alpha: 0.05,
    low: -0.038137147903536936,
    high: 0.19256001385511165,
    p: 0.09718656817057973,
  },
  { a: [0, 10], b: [0, 20], alpha: 0.05, low: -0.1611251580528194, high: 0.27753279986288926, p: 1 },
  { a: [10, 10], b: [0, 20], alpha: 0.05, low: 0.6790860371419145, high: 1, p: 4.320463057827506e-8 },
  { a: [10, 10], b: [0, 10], alpha: 0.05, low: 0.6075093504305241, high: 1, p: 7.74421643104407e-6 },
];

const proportion = ([successes, trials]: number[]) => ({ successes: successes!, trials: trials! });

describe('newcombeUnpairedInterval and pooledTwoProportionPValue', () => {
  it.each(REFERENCE)('match statsmodels for $a − $b at α = $alpha', ({ a, b, alpha, low, high, p }) => {
    const interval = newcombeUnpairedInterval(proportion(a), proportion(b), 1 - alpha);
    expect(interval.difference).toBeCloseTo(a[0]! / a[1]! - b[0]! / b[1]!, 15);
    expect(interval.low).toBeCloseTo(low, 12);
    expect(interval.high).toBeCloseTo(high, 12);
    expect(pooledTwoProportionPValue(proportion(a), proportion(b))).toBeCloseTo(p, 12);
  });

  it('reproduces the published example to its four places', () => {
    const { low, high } = newcombeUnpairedInterval(
      { successes: 56, trials: 70 },
      { successes: 48, trials: 80 },
    );
    expect([low, high].map((x) => x.toFixed(4))).toEqual(['0.0524', '0.3339']);
  });

  it('refuses a side without items', () => {
    expect(() => newcombeUnpairedInterval({ successes: 0, trials: 0 }, { successes: 1, trials: 2 })).toThrow(
      RangeError,
    );
  });

  it('holds its estimate inside [−1, 1], and gives a p-value in [0, 1] symmetric in the two sides', () => {
    const share = fc
      .integer({ min: 1, max: 100_000 })
      .chain((trials) =>
        fc.record({ successes: fc.integer({ min: 0, max: trials }), trials: fc.constant(trials) }),
      );
    fc.assert(
      fc.property(share, share, (a, b) => {
        const { difference, low, high } = newcombeUnpairedInterval(a, b);
        expect(-1 <= low && low <= difference && difference <= high && high <= 1).toBe(true);
        const p = pooledTwoProportionPValue(a, b);
        expect(p >= 0 && p <= 1).toBe(true);
        expect(pooledTwoProportionPValue(b, a)).toBe(p);
      }),
    );
    // Found by this property: z ≈ 8.8, where the normal tail's series cancels to a rounding error.
    expect(pooledTwoProportionPValue({ successes: 3838, trials: 41306 }, { successes: 10, trials: 14 })).toBe(
      0,
    );
  });
});
