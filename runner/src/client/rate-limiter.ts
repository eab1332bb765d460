/**
 * The runner's share of a provider's rate limits (BENCH_RATE_LIMIT_RPM / BENCH_RATE_LIMIT_TPM):
 * every request to the provider first takes one request and its estimated tokens from per-minute
 * sliding-window budgets, and corrects the estimate with the usage the provider reports. Requests
 * are admitted in arrival order, so a large request is not starved by small ones. A provider that
 * answered 429 with Retry-After pauses every admission until then.
 */
import { requireWholeNumber } from './checks.ts';
import type { Clock, TimerHandle } from './clock.ts';
import { SlidingWindowBudget, type Spend } from './sliding-window.ts';

export interface RateBudgets {
  requestsPerMinute?: number | undefined;
  tokensPerMinute?: number | undefined;
}

export interface Admission {
  /** When the request was admitted (clock time); it is sent at once. */
  readonly at: number;
  /** Replaces the token estimate with the tokens the provider reported. */
  settle(actualTokens: number): void;
}

interface Waiter {
  tokens: number;
  resolve(admission: Admission): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

const MINUTE_MS = 60_000;

function budget(name: string, value: number | undefined): SlidingWindowBudget | undefined {
  if (value === undefined) return undefined;
  requireWholeNumber(name, value, 1);
  return new SlidingWindowBudget(value, MINUTE_MS);
}

export class RateLimiter {
  private readonly requests: SlidingWindowBudget | undefined;
  private readonly tokens: SlidingWindowBudget | undefined;
  private readonly clock: Clock;
  private readonly waiters: Waiter[] = [];
  private pausedUntil = 0;
  private timer: TimerHandle | undefined;

  constructor(budgets: RateBudgets, clock: Clock) {
    this.requests = budget('requestsPerMinute', budgets.requestsPerMinute);
    this.tokens = budget('tokensPerMinute', budgets.tokensPerMinute);
    this.clock = clock;
  }

  /**
   * Resolves when one request with `estimatedTokens` fits the budgets (an estimate above the whole
   * token budget is charged as the whole budget: the request goes alone in its minute). Rejects
   * with the signal's reason if it aborts first.
   */
  acquire(estimatedTokens: number, signal?: AbortSignal): Promise<Admission> {
    if (signal?.aborted) return Promise.reject(signal.reason as unknown);
    if (!Number.isFinite(estimatedTokens) || estimatedTokens < 0) {
      return Promise.reject(new RangeError(`estimated tokens must be a number >= 0, not ${estimatedTokens}`));
    }
    if (this.waiters.length === 0 && this.waitFor(estimatedTokens) <= 0) {
      return Promise.resolve(this.admit(estimatedTokens));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        tokens: estimatedTokens,
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(signal!.reason);
          this.admitWaiting();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
      this.admitWaiting();
    });
  }

  /** Admits nothing for `ms` (a provider's Retry-After). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
    if (this.waiters.length > 0) this.admitWaiting();
  }

  private waitFor(tokens: number): number {
    const now = this.clock.now();
    return Math.max(
      this.pausedUntil - now,
      this.requests?.waitFor(1, now) ?? 0,
      this.tokens?.waitFor(tokens, now) ?? 0,
    );
  }

  private admit(tokens: number): Admission {
    const at = this.clock.now();
    this.requests?.spend(1, at);
    const spend = this.tokens?.spend(tokens, at);
    return { at, settle: (actual) => this.settle(spend, actual) };
  }

  private settle(spend: Spend | undefined, actualTokens: number): void {
    // A provider reporting no usable count leaves the estimate standing.
    if (!spend || !Number.isFinite(actualTokens) || actualTokens < 0) return;
    this.tokens!.correct(spend, actualTokens, this.clock.now());
    // A smaller actual than estimated may let the next request in early.
    if (this.waiters.length > 0) this.admitWaiting();
  }

  /** Admits waiters in order while they fit, then sleeps until the first one left can. */
  private admitWaiting(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (let first = this.waiters[0]; first; first = this.waiters[0]) {
      const wait = this.waitFor(first.tokens);
      if (wait > 0) {
        this.timer = this.clock.setTimeout(() => {
          this.timer = undefined;
          this.admitWaiting();
        }, wait);
        return;
      }
      this.waiters.shift();
      first.signal?.removeEventListener('abort', first.onAbort);
      first.resolve(this.admit(first.tokens));
    }
  }
}
