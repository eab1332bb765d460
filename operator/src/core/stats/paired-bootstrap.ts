import { percentileInterval, twoSidedPValue } from './bootstrap-summary.ts';
import type { DifferenceInterval } from './newcombe-paired.ts';
import {
  type BootstrapOptions,
  bootstrapDistribution,
  bootstrapSettings,
  checkSample,
  mean,
  resampledMean,
} from './resampling.ts';

export interface DifferenceTest extends DifferenceInterval {
  /** Two-sided, for "no difference" (see twoSidedPValue). */
  pValue: number;
}

/**
 * The mean difference a − b of two runs' scores on the same items (a[i] and b[i] are one item),
 * with a seeded paired bootstrap: items, not scores, are resampled, so each keeps its two scores
 * together and the comparison is not drowned by how much harder some items are than others. The
 * interval is the percentile interval of the resampled mean differences; the p-value is twice the
 * share of them on the other side of 0, with the +1 correction (bootstrap-summary.ts).
 */
export function pairedBootstrap(
  a: readonly number[],
  b: readonly number[],
  options: BootstrapOptions,
): DifferenceTest {
  if (a.length !== b.length)
    throw new RangeError(`paired samples differ in length: ${a.length} and ${b.length}`);
  const differences = a.map((score, i) => score - b[i]!);
  checkSample('the paired differences', differences);
  const settings = bootstrapSettings(options);
  const resampled = bootstrapDistribution(settings, (random) => resampledMean(differences, random));
  const difference = mean(differences);
  return {
    difference,
    ...percentileInterval(resampled, settings.confidence),
    pValue: twoSidedPValue(resampled, difference),
  };
}
