/**
 * The one way bench-runner calls a provider: within its share of the provider's rate limits, with
 * at most `concurrency` calls in flight, each bounded by a timeout, retried with backoff while the
 * provider is unavailable or rate-limited, and stopped at once when the run is stopped (SIGTERM).
 */
import { bulkhead } from 'cockatiel';
import {
  ProviderError,
  type CompletionRequest,
  type CompletionResponse,
  type ProviderAdapter,
} from '../providers/types.ts';
import { requireDuration, requireWholeNumber } from './checks.ts';
import { realClock, type Clock } from './clock.ts';
import { RateLimiter } from './rate-limiter.ts';
import { providerRetryPolicy } from './retry.ts';
import { withTimeout } from './timeout.ts';

export interface PipelineOptions {
  /** BENCH_RATE_LIMIT_RPM: requests per sliding minute; absent for no limit. */
  requestsPerMinute?: number;
  /** BENCH_RATE_LIMIT_TPM: tokens (input + output) per sliding minute; absent for no limit. */
  tokensPerMinute?: number;
  /** Provider calls in flight at most. */
  concurrency: number;
  /** How long one call may take before it counts as the provider being unavailable. */
  requestTimeoutMs: number;
  /** Calls per request in all, the first included (1: no retry). */
  maxAttempts: number;
  /** Aborting stops everything at once: waiting, backing off and in-flight calls reject with its reason. */
  signal?: AbortSignal;
  /** Told before each retry's backoff, e.g. for a progress line. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /** The first retry's delay before jitter (default 1 s); it grows exponentially... */
  initialBackoffMs?: number;
  /** ...up to this (default 30 s). A provider's Retry-After is honoured even when longer. */
  maxBackoffMs?: number;
  /** The longest Retry-After waited for (default 60 s); a provider asking for more fails the request at once. */
  maxRetryAfterMs?: number;
  /** Time for the rate limits; tests pass a fake one. */
  clock?: Clock;
}

export interface RequestPipeline {
  /**
   * One completion. `estimatedTokens` (input + the output expected at most) is charged to the token
   * budget until the provider reports the actual usage. Throws the last ProviderError once retries
   * are exhausted or the failure is not worth retrying (auth, invalid_request); rejects with the
   * abort reason when the pipeline's signal or the request's own aborts.
   */
  complete(request: CompletionRequest, estimatedTokens: number): Promise<CompletionResponse>;
}

/**
 * cockatiel's backoff timers are unref'd, so that a run stopped during a backoff has no timer left
 * holding the process; this one referenced timer, cleared on abort, keeps the process alive until
 * the last backoff still going ends.
 */
function backoffKeepAlive(signal: AbortSignal | undefined): { hold(ms: number): void } {
  let timer: NodeJS.Timeout | undefined;
  let until = 0;
  signal?.addEventListener('abort', () => clearTimeout(timer), { once: true });
  return {
    hold(ms) {
      const end = Date.now() + ms;
      if (end <= until || signal?.aborted) return;
      clearTimeout(timer);
      until = end;
      timer = setTimeout(() => (timer = undefined), ms);
    },
  };
}

export function createPipeline(provider: ProviderAdapter, options: PipelineOptions): RequestPipeline {
  requireWholeNumber('concurrency', options.concurrency, 1);
  requireWholeNumber('maxAttempts', options.maxAttempts, 1);
  requireDuration('requestTimeoutMs', options.requestTimeoutMs);
  const backoff = {
    initialBackoffMs: options.initialBackoffMs ?? 1000,
    maxBackoffMs: options.maxBackoffMs ?? 30_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
  };
  for (const [name, value] of Object.entries(backoff)) requireDuration(name, value);
  const { maxRetryAfterMs } = backoff;
  const limiter = new RateLimiter(
    { requestsPerMinute: options.requestsPerMinute, tokensPerMinute: options.tokensPerMinute },
    options.clock ?? realClock,
  );
  const slots = bulkhead(options.concurrency, Infinity);
  const retries = providerRetryPolicy({ maxAttempts: options.maxAttempts, ...backoff }).dangerouslyUnref();
  const keepAlive = backoffKeepAlive(options.signal);
  retries.onRetry((event) => {
    keepAlive.hold(event.delay);
    options.onRetry?.({
      attempt: event.attempt,
      delayMs: event.delay,
      error: 'error' in event ? event.error : event.value,
    });
  });

  // What to stop when the pipeline's signal aborts: requests wherever they are (queued for a slot
  // or backing off, cockatiel would only notice at their next step) and calls in flight. One
  // listener for all, and no AbortSignal.any per call: composite signals cost CPU and garbage.
  const stops = new Set<(reason: unknown) => void>();
  options.signal?.addEventListener(
    'abort',
    () => {
      for (const stop of stops) stop(options.signal!.reason);
      stops.clear();
    },
    { once: true },
  );

  /** Calls `stop` with the reason if `signal` aborts before the returned function is called. */
  function onAbort(signal: AbortSignal | undefined, stop: (reason: unknown) => void): () => void {
    if (!signal) return () => undefined;
    if (signal === options.signal) {
      stops.add(stop);
      return () => stops.delete(stop);
    }
    const listener = () => stop(signal.reason);
    signal.addEventListener('abort', listener, { once: true });
    return () => signal.removeEventListener('abort', listener);
  }

  /** One call: a slot is held, so its rate budget is taken right before it is sent. */
  async function attempt(
    request: CompletionRequest,
    estimatedTokens: number,
    signal: AbortSignal | undefined,
  ): Promise<CompletionResponse> {
    const admission = await limiter.acquire(estimatedTokens, signal);
    const call = new AbortController();
    const forget = onAbort(signal, (reason) => call.abort(reason));
    try {
      const response = await withTimeout(options.requestTimeoutMs, call, () =>
        provider.complete({ ...request, signal: call.signal }),
      );
      admission.settle(response.usage.inputTokens + response.usage.outputTokens);
      return response;
    } catch (error) {
      // The provider said wait: nobody sends until then, not only this request's retry.
      if (
        error instanceof ProviderError &&
        error.kind === 'rate_limited' &&
        error.retryAfterMs !== undefined
      ) {
        limiter.pause(Math.min(error.retryAfterMs, maxRetryAfterMs));
      }
      throw error;
    } finally {
      forget();
    }
  }

  function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const forget = onAbort(signal, reject);
      void work.then(resolve, reject).finally(forget);
    });
  }

  return {
    complete(request, estimatedTokens) {
      const signal =
        options.signal && request.signal
          ? AbortSignal.any([options.signal, request.signal])
          : (options.signal ?? request.signal);
      if (signal?.aborted) return Promise.reject(signal.reason as unknown);
      const work = retries.execute(
        () => slots.execute(() => attempt(request, estimatedTokens, signal)),
        signal,
      );
      return signal ? untilAborted(work, signal) : work;
    },
  };
}
