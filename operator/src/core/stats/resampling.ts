import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { checkConfidence } from './arguments.ts';

/**
 * How a bootstrap is drawn. The seed makes it reproducible: the same seed and data give the same
 * numbers on every machine (pure-rand's xoroshiro128+ works in 32-bit integer arithmetic), so a
 * verdict read today is the verdict recomputed tomorrow.
 */
export interface BootstrapOptions {
  /** A whole number in [0, 2³²). */
  seed: number;
  /** How many resamples; 2000 by default (Efron & Tibshirani's advice for percentile intervals). */
  resamples?: number;
  /** 0.95 by default. */
  confidence?: number;
}

export const DEFAULT_RESAMPLES = 2000;
export const DEFAULT_CONFIDENCE = 0.95;

/** The options with their defaults, checked. */
export function bootstrapSettings(options: BootstrapOptions): Required<BootstrapOptions> {
  const { seed, resamples = DEFAULT_RESAMPLES, confidence = DEFAULT_CONFIDENCE } = options;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new RangeError(`a bootstrap seed must be a whole number in [0, 2^32), not ${seed}`);
  }
  if (!Number.isSafeInteger(resamples) || resamples < 1) {
    throw new RangeError(`resamples must be a positive whole number, not ${resamples}`);
  }
  checkConfidence(confidence);
  return { seed, resamples, confidence };
}

/** The statistic of each of `resamples` resamples, drawn from one seeded generator, sorted. */
export function bootstrapDistribution(
  { seed, resamples }: Required<BootstrapOptions>,
  statistic: (random: RandomGenerator) => number,
): Float64Array {
  const random = xoroshiro128plus(seed);
  const values = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) values[i] = statistic(random);
  return values.sort();
}

/** The mean of a resample of `values` drawn with replacement, of the same size. */
export function resampledMean(values: readonly number[], random: RandomGenerator): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[uniformInt(random, 0, values.length - 1)]!;
  return sum / values.length;
}

/** The arithmetic mean, summed in order (so a constant vector's mean is its constant, exactly). */
export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Refuses an empty sample, which has no mean to resample. */
export function checkSample(name: string, values: readonly number[]): void {
  if (values.length === 0) throw new RangeError(`${name} is empty: there is no mean to estimate`);
  for (const value of values) {
    if (!Number.isFinite(value)) throw new RangeError(`${name} holds ${value}, not a finite number`);
  }
}
