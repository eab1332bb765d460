import { parseDuration } from '../../meta/duration.ts';

/**
 * A run's timeout when neither its benchmark nor its SchedulePolicy sets one: long enough for a
 * full benchmark at a provider's rate limits, short enough that a hung runner gives its provider
 * slot back the same day (docs/run-failures.md).
 */
export const RUN_TIMEOUT_DEFAULT = '24h';

/**
 * How long an attempt may wait for its runner to start (scheduling, image pull, Secrets) before the
 * operator stops it, when its SchedulePolicy does not say: the slot it holds is then freed.
 */
export const START_TIMEOUT_DEFAULT = '15m';

export function startTimeoutMs(startTimeout: string | undefined): number {
  return parseDuration(startTimeout ?? START_TIMEOUT_DEFAULT);
}
