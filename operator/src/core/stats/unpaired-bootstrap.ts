import { percentileInterval, twoSidedPValue } from './bootstrap-summary.ts';
import type { DifferenceTest } from './paired-bootstrap.ts';
import {
  type BootstrapOptions,
  bootstrapDistribution,
  bootstrapSettings,
  checkSample,
  mean,
  resampledMean,
} from './resampling.ts';

/**
 * The difference mean(a) − mean(b) of two runs over different items, with a seeded bootstrap
 * that resamples each run on its own (Efron & Tibshirani 1993, section 8.3, two-sample problem).
 * It makes no normality assumption and serves right/wrong and graded scores alike, but, with no
 * pairs to cancel how hard each item is, it is wider than a paired comparison of the same runs.
 * Interval and p-value as for the paired bootstrap.
 */
export function unpairedBootstrap(
  a: readonly number[],
  b: readonly number[],
  options: BootstrapOptions,
): DifferenceTest {
  checkSample('a', a);
  checkSample('b', b);
  const settings = bootstrapSettings(options);
  const resampled = bootstrapDistribution(
    settings,
    (random) => resampledMean(a, random) - resampledMean(b, random),
  );
  const difference = mean(a) - mean(b);
  return {
    difference,
    ...percentileInterval(resampled, settings.confidence),
    pValue: twoSidedPValue(resampled, difference),
  };
}
