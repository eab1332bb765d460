import { checkConfidence, checkCount } from './arguments.ts';
import { twoSidedCriticalValue } from './normal-quantile.ts';

export interface ProportionInterval {
  /** successes / trials; null when there were no trials, which estimate nothing. */
  estimate: number | null;
  low: number;
  high: number;
}

/**
 * Wilson's score interval for a proportion (Wilson 1927, JASA 22:209-212; recommended over the
 * textbook Wald interval by Newcombe 1998, Statistics in Medicine 17:857-872, and by Brown, Cai &
 * DasGupta 2001): it stays inside [0, 1] and keeps its coverage near 0 and 1 and for small n.
 * With no trials the data say nothing: the interval is all of [0, 1] (the formula's own limit) and
 * the estimate is null.
 */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): ProportionInterval {
  checkCount('successes', successes);
  checkCount('trials', trials);
  checkConfidence(confidence);
  if (successes > trials) throw new RangeError(`${successes} successes out of ${trials} trials`);
  if (trials === 0) return { estimate: null, low: 0, high: 1 };
  const z = twoSidedCriticalValue(confidence);
  const p = successes / trials;
  const zz = (z * z) / trials;
  const centre = (p + zz / 2) / (1 + zz);
  const halfWidth = (z * Math.sqrt((p * (1 - p)) / trials + zz / (4 * trials))) / (1 + zz);
  return {
    estimate: p,
    // Exact at the ends (0 successes: low is 0, not a rounding error either side of it).
    low: successes === 0 ? 0 : Math.max(0, centre - halfWidth),
    high: successes === trials ? 1 : Math.min(1, centre + halfWidth),
  };
}
