/**
 * Which failed provider calls are tried again, and after how long: cockatiel's exponential backoff
 * with decorrelated jitter, never shorter than the wait the provider asked for (Retry-After).
 */
import {
  ExponentialBackoff,
  handleWhen,
  retry,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
  type RetryPolicy,
} from 'cockatiel';
import { ProviderError } from '../providers/types.ts';

export interface RetryOptions {
  /** Calls in all, the first included (1: no retry). */
  maxAttempts: number;
  /** The first retry's delay before jitter. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /**
   * The longest Retry-After worth waiting for. A provider asking for more (a daily quota spent) is
   * not retried: the run fails as rate-limited and the operator retries it later, instead of the
   * Job idling until its deadline.
   */
  maxRetryAfterMs: number;
}

type RetryContext = IRetryBackoffContext<unknown>;

/**
 * Retried: the provider could not answer (5xx, timeout, connection failure) or asked us to slow
 * down (429). Not retried: credentials or a request the provider rejects (retrying cannot help), and
 * anything that is not a ProviderError, such as the caller's abort.
 */
export function isRetryable(error: unknown, maxRetryAfterMs: number): boolean {
  if (!(error instanceof ProviderError)) return false;
  if (error.kind !== 'unavailable' && error.kind !== 'rate_limited') return false;
  return (error.retryAfterMs ?? 0) <= maxRetryAfterMs;
}

function retryAfterMs(context: RetryContext): number {
  const error = 'error' in context.result ? context.result.error : undefined;
  return error instanceof ProviderError ? (error.retryAfterMs ?? 0) : 0;
}

/** `backoff`, but never shorter than the Retry-After of the failure being retried. */
export function honouringRetryAfter(backoff: IBackoffFactory<RetryContext>): IBackoffFactory<RetryContext> {
  const step = (next: IBackoff<RetryContext>, context: RetryContext): IBackoff<RetryContext> => ({
    duration: Math.max(next.duration, retryAfterMs(context)),
    next: (following) => step(next.next(following), following),
  });
  return { next: (context) => step(backoff.next(context), context) };
}

export function providerRetryPolicy(options: RetryOptions): RetryPolicy {
  return retry(
    handleWhen((error) => isRetryable(error, options.maxRetryAfterMs)),
    {
      maxAttempts: options.maxAttempts - 1,
      backoff: honouringRetryAfter(
        new ExponentialBackoff({ initialDelay: options.initialBackoffMs, maxDelay: options.maxBackoffMs }),
      ),
    },
  );
}
