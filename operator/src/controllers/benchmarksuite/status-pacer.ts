import type { SuiteStatus } from '../../core/status/suite-status.ts';
import { semanticEqual } from '../../runtime/status/semantic-equal.ts';

/**
 * Spaces out a suite's progress-only status writes: a change in its runs and counts alone (same
 * phase, round, condition statuses and reasons, bookkeeping) is written at most once per interval;
 * anything else is written at once. While 2,000 Jobs start and finish, every Job event otherwise
 * cost its suite a status write, and those writes competed with Job creation at the API server
 * (make bench). A held write is not lost: the reconcile asks to be run again when it is due.
 */
export class StatusPacer {
  private readonly intervalMs: number;
  private readonly lastWrite = new Map<string, number>();

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** How long the write of `next` over `current` should wait (0: write now). */
  holdFor(key: string, current: SuiteStatus | undefined, next: SuiteStatus, now: number): number {
    const last = this.lastWrite.get(key);
    if (last === undefined || now - last >= this.intervalMs) return 0;
    if (!current || semanticEqual(current, next)) return 0;
    if (!semanticEqual(milestones(current), milestones(next))) return 0;
    return last + this.intervalMs - now;
  }

  wrote(key: string, now: number): void {
    this.lastWrite.set(key, now);
  }

  forget(key: string): void {
    this.lastWrite.delete(key);
  }
}

/** The status without what changes as runs progress: run entries, counts, condition messages. */
function milestones(status: SuiteStatus): unknown {
  const { runs: _runs, summary: _summary, progress: _progress, conditions, ...rest } = status;
  return {
    ...rest,
    conditions: (conditions ?? []).map(({ message: _message, ...condition }) => condition),
  };
}
