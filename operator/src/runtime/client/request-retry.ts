import type { Clock, TimerHandle } from '../time/clock.ts';
import { TokenBucket } from '../time/token-bucket.ts';

/** client-go's maxRetries for requests answered with Retry-After. */
export const defaultMaxRetries = 10;

// client-go honours any Retry-After; a capped wait keeps one misbehaving proxy from parking a
// reconcile for minutes while still backing off far enough for API Priority and Fairness.
export const maxRetryAfterMs = 10_000;

const defaultRetryAfterMs = 1_000;

/**
 * Retry-After in ms, as client-go's retryAfterSeconds reads it: whole seconds only (the HTTP-date
 * form is not sent by the apiserver). Undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\s*\d+\s*$/.test(header)) return undefined;
  return Math.min(Number(header) * 1000, maxRetryAfterMs);
}

/**
 * How long to wait before sending a request again, or undefined for no retry. 429 means the
 * server (or APF) refused the request without processing it, so every verb is safe to resend;
 * a 5xx with Retry-After may have been processed, so only reads go again (client-go's checkWait
 * plus the idempotency rule of its IsRetryableError).
 */
export function retryDelayMs(method: string, status: number, retryAfter: string | null): number | undefined {
  if (status === 429) return retryAfterMs(retryAfter) ?? defaultRetryAfterMs;
  if (status >= 500 && method === 'GET') return retryAfterMs(retryAfter);
  return undefined;
}

/** Resolves after ms on the clock, or rejects with the signal's reason once it aborts. */
export function delay(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 && !signal?.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer: TimerHandle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * rest.Config's QPS/Burst: a token bucket every request start waits on, so a burst of
 * reconciles cannot flood the apiserver. qps <= 0 turns it off, as controller-runtime does by
 * default since API Priority and Fairness protects the server.
 */
export class RequestRateLimiter {
  private readonly bucket: TokenBucket | undefined;
  private readonly clock: Clock;

  constructor(qps: number, burst: number, clock: Clock) {
    this.clock = clock;
    this.bucket = qps > 0 ? new TokenBucket(qps, Math.max(1, burst), clock) : undefined;
  }

  /** Waits for a token; returns the ms waited. A token taken by an aborted wait stays spent. */
  async wait(signal?: AbortSignal): Promise<number> {
    if (!this.bucket) return 0;
    const ms = this.bucket.reserve();
    await delay(this.clock, ms, signal);
    return ms;
  }
}
