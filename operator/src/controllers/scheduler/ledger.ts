import type { AttemptObservation } from '../../core/suite/observe.ts';

/**
 * How long an entry counts without the cache showing its Job: the Job controller's expectations
 * expire after the same time (controller.ExpectationsTimeout). A Job created and deleted while the
 * watch was down is never seen; without an end, its entry would hold a slot forever.
 */
export const ADMISSION_EXPECTATION_TTL_MS = 5 * 60_000;

interface Entry {
  attempt: AttemptObservation;
  /** When the scheduler created (or began creating) the Job, on its clock. */
  addedAt: number;
}

/**
 * Jobs the scheduler has created (or is creating) that the Job cache has not shown yet. Capacity
 * counts them as running, so a cap holds even while the cache lags behind the API server; an entry
 * ends when the cache shows the Job, when its creation failed, or when it expires.
 */
export class AdmissionLedger {
  private readonly bySuite = new Map<string, Map<string, Entry>>();

  private readonly ttlMs: number;

  constructor(ttlMs = ADMISSION_EXPECTATION_TTL_MS) {
    this.ttlMs = ttlMs;
  }

  add(suite: string, attempt: AttemptObservation, now: number): void {
    let entries = this.bySuite.get(suite);
    if (!entries) this.bySuite.set(suite, (entries = new Map<string, Entry>()));
    entries.set(attempt.job, { attempt, addedAt: now });
  }

  /** The Job is in the cache (or its creation failed): stop counting it here. */
  settle(suite: string, job: string): void {
    const entries = this.bySuite.get(suite);
    if (!entries?.delete(job)) return;
    if (entries.size === 0) this.bySuite.delete(suite);
  }

  /** Drops the entries older than the TTL; returns the suites that had any (their runs changed). */
  expire(now: number): string[] {
    const suites: string[] = [];
    for (const [suite, entries] of this.bySuite) {
      for (const [job, entry] of entries) {
        if (now - entry.addedAt < this.ttlMs) continue;
        entries.delete(job);
        if (!suites.includes(suite)) suites.push(suite);
      }
      if (entries.size === 0) this.bySuite.delete(suite);
    }
    return suites;
  }

  /** When the next entry expires (ms), if there is one: the scheduler looks again then. */
  nextExpiry(): number | undefined {
    let next: number | undefined;
    for (const entries of this.bySuite.values()) {
      for (const { addedAt } of entries.values()) next = Math.min(next ?? Infinity, addedAt + this.ttlMs);
    }
    return next;
  }

  forSuite(suite: string): AttemptObservation[] {
    return [...(this.bySuite.get(suite)?.values() ?? [])].map((entry) => entry.attempt);
  }

  get size(): number {
    let size = 0;
    for (const entries of this.bySuite.values()) size += entries.size;
    return size;
  }
}
