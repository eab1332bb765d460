import { ConstantBackoff, type IRetryBackoffContext } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../providers/types.ts';
import { honouringRetryAfter, isRetryable } from './retry.ts';

const failure = (error: unknown, attempt = 1): IRetryBackoffContext<unknown> => ({
  attempt,
  signal: new AbortController().signal,
  result: { error: error as Error },
});

describe('isRetryable', () => {
  it('retries an unavailable or rate-limited provider, never credentials, bad requests or aborts', () => {
    expect(isRetryable(new ProviderError('unavailable', 'HTTP 503'), 60_000)).toBe(true);
    expect(isRetryable(new ProviderError('rate_limited', 'HTTP 429'), 60_000)).toBe(true);
    expect(isRetryable(new ProviderError('auth', 'HTTP 401'), 60_000)).toBe(false);
    expect(isRetryable(new ProviderError('invalid_request', 'HTTP 400'), 60_000)).toBe(false);
    expect(isRetryable(new DOMException('stopped', 'AbortError'), 60_000)).toBe(false);
  });

  it('does not wait for a Retry-After longer than the longest wait allowed', () => {
    const asks = (ms: number) => new ProviderError('rate_limited', 'HTTP 429', { retryAfterMs: ms });
    expect(isRetryable(asks(60_000), 60_000)).toBe(true);
    expect(isRetryable(asks(60_001), 60_000)).toBe(false);
  });
});

describe('honouringRetryAfter', () => {
  it('waits the backoff, or the Retry-After of the failure being retried when that is longer', () => {
    const backoff = honouringRetryAfter(new ConstantBackoff(100));
    const first = backoff.next(failure(new ProviderError('rate_limited', '429', { retryAfterMs: 2_500 })));
    expect(first.duration).toBe(2_500);
    const second = first.next(failure(new ProviderError('unavailable', '503'), 2));
    expect(second.duration).toBe(100);
    const third = second.next(failure(new ProviderError('rate_limited', '429', { retryAfterMs: 10 }), 3));
    expect(third.duration).toBe(100);
  });
});
