// What is read off a sorted bootstrap distribution: a percentile interval, and a two-sided
// p-value for "no difference".

/**
 * The percentile interval: the distribution's (1 − confidence)/2 and (1 + confidence)/2
 * quantiles, interpolated linearly between order statistics (Hyndman & Fan's type 7, numpy's and
 * R's default). Efron & Tibshirani, An Introduction to the Bootstrap (1993), chapter 13.
 */
export function percentileInterval(sorted: Float64Array, confidence: number): { low: number; high: number } {
  return { low: quantile(sorted, (1 - confidence) / 2), high: quantile(sorted, (1 + confidence) / 2) };
}

function quantile(sorted: Float64Array, probability: number): number {
  const position = (sorted.length - 1) * probability;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const lower = sorted[below]!;
  return lower + (position - below) * (sorted[above]! - lower);
}

/**
 * A two-sided bootstrap p-value for "no difference": twice the share of resampled differences
 * at or beyond 0 on the side away from the observed one, counting the observed sample itself as
 * one more of them ((1 + count) / (1 + resamples), Davison & Hinkley, Bootstrap Methods and their
 * Application, 1997, section 4.4), capped at 1. It is the smallest 1 − confidence at which the
 * percentile interval would leave 0 out, so it agrees with the interval beside it; with R
 * resamples it is never below 2 / (R + 1). An observed difference of exactly 0 gives 1.
 */
export function twoSidedPValue(sorted: Float64Array, observed: number): number {
  if (observed === 0) return 1;
  let beyond = 0;
  for (const value of sorted) if (observed > 0 ? value <= 0 : value >= 0) beyond++;
  return Math.min(1, (2 * (beyond + 1)) / (sorted.length + 1));
}
