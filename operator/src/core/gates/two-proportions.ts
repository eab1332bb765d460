import type { DifferenceInterval } from '../stats/newcombe-paired.ts';
import { wilsonInterval } from '../stats/wilson.ts';

/** A share of correct items, as counts. */
export interface Proportion {
  successes: number;
  trials: number;
}

/**
 * Newcombe's interval for the difference a − b of two independent proportions (method 10 of
 * Newcombe 1998, "Interval estimation for the difference between independent proportions:
 * comparison of eleven methods", Statistics in Medicine 17:873-890; statsmodels'
 * confint_proportions_2indep(method='newcomb')): the hybrid score interval built from the two
 * Wilson intervals, which stays inside [−1, 1] and keeps its coverage near 0 and 1.
 * Throws as wilsonInterval does on counts that are not counts; both need at least one trial.
 */
export function newcombeUnpairedInterval(
  a: Proportion,
  b: Proportion,
  confidence = 0.95,
): DifferenceInterval {
  if (a.trials === 0 || b.trials === 0) throw new RangeError('no items to compare');
  const intervalA = wilsonInterval(a.successes, a.trials, confidence);
  const intervalB = wilsonInterval(b.successes, b.trials, confidence);
  const pA = a.successes / a.trials;
  const pB = b.successes / b.trials;
  const difference = pA - pB;
  return {
    difference,
    low: difference - Math.hypot(pA - intervalA.low, intervalB.high - pB),
    high: difference + Math.hypot(intervalA.high - pA, pB - intervalB.low),
  };
}

/**
 * The two-sided p-value of the two-proportion z-test with the pooled proportion (statsmodels'
 * proportions_ztest): how often two runs as different as these would be seen if both had the same
 * share right. When the pooled share is 0 or 1 the two shares are equal and the p-value is 1.
 */
export function pooledTwoProportionPValue(a: Proportion, b: Proportion): number {
  const pooled = (a.successes + b.successes) / (a.trials + b.trials);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials));
  if (standardError === 0) return 1;
  const z = Math.abs(a.successes / a.trials - b.successes / b.trials) / standardError;
  return Math.min(1, 2 * standardNormalUpperTail(z));
}

/**
 * P(Z > z) for z ≥ 0, from Marsaglia's Taylor series for the normal distribution function
 * ("Evaluating the Normal Distribution", Journal of Statistical Software 11(4), 2004), absolute
 * error about 1e-16. Beyond z = 9 the tail (under 1.2e-19) is taken as 0: the series' terms would
 * overflow long before they converged, and no verdict turns on the difference.
 */
function standardNormalUpperTail(z: number): number {
  if (z >= 9) return 0;
  const square = z * z;
  let sum = z;
  let term = z;
  for (let odd = 3; ; odd += 2) {
    term *= square / odd;
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  // 0.5 + sum·φ(z) is P(Z ≤ z); ln √(2π) = 0.9189385332046728. Toward z = 9 the subtraction
  // cancels to the last bits of 0.5, whose rounding may fall below 0: a probability is not.
  return Math.max(0, 0.5 - sum * Math.exp(-square / 2 - 0.9189385332046728));
}
