import { realClock, type Clock } from '../time/clock.ts';

/**
 * Exponential backoff with full jitter for watch reconnects and relists, as client-go's reflector
 * backoff manager (800 ms to 30 s, jitter 1.0, reset after 2 min without a backoff): without
 * jitter, every operator replica and informer would reconnect in lockstep after an API server
 * restart. The time-based reset means a failure after a long healthy stretch starts small again
 * even when nothing called reset(), while failures in quick succession keep growing the wait.
 */
export class Backoff {
  private attempt = 0;
  private lastNextAt: number | undefined;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly resetAfterMs: number;
  private readonly random: () => number;
  private readonly clock: Clock;

  constructor(
    options: {
      initialMs?: number;
      maxMs?: number;
      /** A next() this long after the previous one starts again from initialMs. */
      resetAfterMs?: number;
      random?: () => number;
      clock?: Clock;
    } = {},
  ) {
    this.initialMs = options.initialMs ?? 800;
    this.maxMs = options.maxMs ?? 30_000;
    this.resetAfterMs = options.resetAfterMs ?? 120_000;
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? realClock;
  }

  /** The next wait: the exponential step plus up to 100% of it as jitter, capped. */
  next(): number {
    const now = this.clock.now();
    if (this.lastNextAt !== undefined && now - this.lastNextAt >= this.resetAfterMs) this.attempt = 0;
    this.lastNextAt = now;
    const step = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.min(this.maxMs, Math.round(step * (1 + this.random())));
  }

  reset(): void {
    this.attempt = 0;
    this.lastNextAt = undefined;
  }
}
