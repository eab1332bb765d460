import { percentileInterval, standardDeviation } from './bootstrap-summary.ts';
import {
  type BootstrapOptions,
  bootstrapDistribution,
  bootstrapSettings,
  checkSample,
  mean,
  resampledMean,
} from './resampling.ts';

export interface MeanInterval {
  mean: number;
  /** The bootstrap distribution's standard deviation. */
  standardError: number;
  low: number;
  high: number;
}

/**
 * The mean of per-item scores with a seeded bootstrap percentile interval (Efron & Tibshirani
 * 1993, chapter 13): the items are resampled with replacement `resamples` times and the interval
 * is read off the resampled means' quantiles. Reproducible: the same values and seed give the
 * same interval everywhere. For right/wrong scores Wilson's interval (wilson.ts) needs no
 * resampling and is preferred.
 */
export function bootstrapMeanInterval(values: readonly number[], options: BootstrapOptions): MeanInterval {
  checkSample('values', values);
  const settings = bootstrapSettings(options);
  const means = bootstrapDistribution(settings, (random) => resampledMean(values, random));
  return {
    mean: mean(values),
    standardError: standardDeviation(means),
    ...percentileInterval(means, settings.confidence),
  };
}
