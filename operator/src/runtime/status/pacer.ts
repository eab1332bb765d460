import { semanticEqual } from '../../meta/semantic-equal.ts';

export interface StatusPacerOptions<S> {
  /** The shortest time between two progress-only writes of one object. */
  minIntervalMs: number;
  /** The longest, however many objects are busy. */
  maxIntervalMs: number;
  /** The progress-only writes per second aimed at, over all objects this pacer spaces out. */
  writesPerSecond: number;
  /** What progress leaves unchanged; a change in it is written at once. */
  milestones: (status: S) => unknown;
}

/**
 * Spaces out progress-only status writes: a change that leaves an object's milestones as they
 * were is written at most once per interval; anything else is written at once. The interval grows
 * with the number of objects written lately, so the writes as a whole stay near a fixed rate: while
 * 2,000 Jobs start and finish, every Job event otherwise cost its owner a status write, and those
 * writes competed with Job creation at the API server (make bench: a custom resource's status
 * update costs the API server more CPU than a Job's server-side apply). A held write is not lost:
 * the caller asks to be run again when it is due.
 */
export class StatusPacer<S> {
  private readonly options: StatusPacerOptions<S>;
  // In order of last write (a write moves its key to the end), so keys written longer ago than
  // maxIntervalMs are dropped from the front and the rest count as busy.
  private readonly lastWrite = new Map<string, number>();

  constructor(options: StatusPacerOptions<S>) {
    this.options = options;
  }

  /** How long the write of `next` over `current` should wait (0: write now). */
  holdFor(key: string, current: S | undefined, next: S, now: number): number {
    this.expire(now);
    const last = this.lastWrite.get(key);
    if (last === undefined) return 0;
    const interval = this.intervalMs();
    if (now - last >= interval) return 0;
    if (current === undefined || semanticEqual(current, next)) return 0;
    if (!semanticEqual(this.options.milestones(current), this.options.milestones(next))) return 0;
    return last + interval - now;
  }

  wrote(key: string, now: number): void {
    this.lastWrite.delete(key);
    this.lastWrite.set(key, now);
  }

  forget(key: string): void {
    this.lastWrite.delete(key);
  }

  /** The current interval: busy objects over the aimed rate, within the bounds. */
  intervalMs(): number {
    const { minIntervalMs, maxIntervalMs, writesPerSecond } = this.options;
    const spread = (this.lastWrite.size / writesPerSecond) * 1000;
    return Math.min(maxIntervalMs, Math.max(minIntervalMs, spread));
  }

  private expire(now: number): void {
    for (const [key, at] of this.lastWrite) {
      if (now - at < this.options.maxIntervalMs) break;
      this.lastWrite.delete(key);
    }
  }
}
