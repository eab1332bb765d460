import type { Clock } from '../time/clock.ts';

export type SeriesDecision =
  { create: true } | { create: false; eventName: string; namespace: string; count: number };

interface Series {
  eventName: string;
  namespace: string;
  count: number;
  lastObservedMs: number;
}

/**
 * Remembers the Event created for each series key, as client-go's events broadcaster does: an
 * isomorphic event seen again within the window bumps the series count instead of creating an
 * object. A series not seen for the window (client-go: 6 min) is finished, and the next
 * occurrence starts a new Event.
 */
export class SeriesCache {
  private readonly series = new Map<string, Series>();
  private readonly windowMs: number;
  private readonly clock: Clock;

  constructor(clock: Clock, windowMs = 6 * 60_000) {
    this.clock = clock;
    this.windowMs = windowMs;
  }

  observe(key: string): SeriesDecision {
    const now = this.clock.now();
    this.expire(now);
    const existing = this.series.get(key);
    if (!existing) return { create: true };
    existing.count++;
    existing.lastObservedMs = now;
    // Moved to the end: the map stays in order of last observation, so expiry stops at the first live one.
    this.series.delete(key);
    this.series.set(key, existing);
    return {
      create: false,
      eventName: existing.eventName,
      namespace: existing.namespace,
      count: existing.count,
    };
  }

  /** Records the Event object a new series was written as. */
  created(key: string, eventName: string, namespace: string): void {
    this.series.delete(key);
    this.series.set(key, { eventName, namespace, count: 1, lastObservedMs: this.clock.now() });
  }

  forget(key: string): void {
    this.series.delete(key);
  }

  size(): number {
    return this.series.size;
  }

  private expire(now: number): void {
    for (const [key, series] of this.series) {
      if (now - series.lastObservedMs <= this.windowMs) break;
      this.series.delete(key);
    }
  }
}
