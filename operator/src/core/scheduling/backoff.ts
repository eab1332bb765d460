import { createHash } from 'node:crypto';
import { parseDuration } from '../../meta/duration.ts';

export interface RetryPolicy {
  limit?: number;
  backoff?: { initial?: string; max?: string; factor?: number; jitterPercent?: number };
}

export const RETRY_DEFAULTS = { limit: 2, initial: '30s', max: '10m', factor: 2, jitterPercent: 20 } as const;

/**
 * The wait before attempt `attempt + 1` after attempt `attempt` failed:
 * min(max, initial × factor^(attempt-1)), then ± jitterPercent. The jitter is drawn from a hash of
 * the run's key and the attempt, so a scheduling pass is deterministic (the same input gives the
 * same retry time) while retries of different runs still spread out.
 */
export function retryDelayMs(retry: RetryPolicy | undefined, attempt: number, runKey: string): number {
  const initial = parseDuration(retry?.backoff?.initial ?? RETRY_DEFAULTS.initial);
  const max = parseDuration(retry?.backoff?.max ?? RETRY_DEFAULTS.max);
  const factor = retry?.backoff?.factor ?? RETRY_DEFAULTS.factor;
  const jitterPercent = retry?.backoff?.jitterPercent ?? RETRY_DEFAULTS.jitterPercent;
  const base = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
  const unit = seededUnit(`${runKey}#${attempt}`); // in [0, 1)
  const jitter = base * (jitterPercent / 100) * (2 * unit - 1);
  return Math.max(0, Math.round(base + jitter));
}

/** A number in [0, 1) derived from the seed alone. */
export function seededUnit(seed: string): number {
  const digest = createHash('sha256').update(seed).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}
