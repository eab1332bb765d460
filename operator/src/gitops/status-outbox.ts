// The commit statuses waiting to be created on GitHub, per suite, oldest first. GitHub keeps the
// last status per commit and context, so a newer status for the same commit and context replaces
// a waiting one, and one equal to the last GitHub accepted is not sent again. Each suite holds at
// most `limit`: past it, the oldest is dropped (and said so by the caller), so a GitHub that stays
// away cannot make the operator grow without bound.
import type { CommitStatus } from '../core/gitops/commit-status.ts';

export interface PendingStatus {
  status: CommitStatus;
  /** When it was first queued (ms): retries stop some time after. */
  queuedAt: number;
}

const keyOf = (status: CommitStatus) =>
  `${status.repository.owner}/${status.repository.repo}@${status.sha}#${status.context}`;

const fingerprint = (status: CommitStatus) =>
  JSON.stringify([status.state, status.description, status.targetURL ?? '']);

export class StatusOutbox {
  private readonly waiting = new Map<string, Map<string, PendingStatus>>();
  /** What GitHub last accepted per commit and context, the latest `limit` per suite. */
  private readonly accepted = new Map<string, Map<string, string>>();
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Queues the status unless it waits already or GitHub has it; says so, with the statuses dropped to stay within the bound. */
  add(suite: string, status: CommitStatus, now: number): { queued: boolean; dropped: CommitStatus[] } {
    const key = keyOf(status);
    const waiting = this.waiting.get(suite) ?? new Map<string, PendingStatus>();
    const queued = waiting.get(key);
    if (queued ? fingerprint(queued.status) === fingerprint(status) : this.isAccepted(suite, status))
      return { queued: false, dropped: [] };
    waiting.delete(key);
    waiting.set(key, { status, queuedAt: now });
    this.waiting.set(suite, waiting);
    const dropped: CommitStatus[] = [];
    for (const [oldest, pending] of waiting) {
      if (waiting.size <= this.limit) break;
      waiting.delete(oldest);
      dropped.push(pending.status);
    }
    return { queued: true, dropped };
  }

  /** The suite's oldest waiting status. */
  next(suite: string): PendingStatus | undefined {
    return this.waiting.get(suite)?.values().next().value;
  }

  /** GitHub accepted it: it is no longer waiting (unless replaced meanwhile) and is not sent again. */
  accept(suite: string, pending: PendingStatus): void {
    this.remove(suite, pending);
    const accepted = this.accepted.get(suite) ?? new Map<string, string>();
    const key = keyOf(pending.status);
    accepted.delete(key);
    accepted.set(key, fingerprint(pending.status));
    if (accepted.size > this.limit) accepted.delete(accepted.keys().next().value!);
    this.accepted.set(suite, accepted);
  }

  /** Given up on: no longer waiting (unless replaced meanwhile). */
  remove(suite: string, pending: PendingStatus): void {
    const waiting = this.waiting.get(suite);
    const key = keyOf(pending.status);
    if (waiting?.get(key) === pending) waiting.delete(key);
    if (waiting?.size === 0) this.waiting.delete(suite);
  }

  /** The suite is gone and has nothing waiting: forget what it reported. */
  forget(suite: string): void {
    if (!this.waiting.has(suite)) this.accepted.delete(suite);
  }

  /** Statuses waiting, all suites. */
  size(): number {
    let size = 0;
    for (const waiting of this.waiting.values()) size += waiting.size;
    return size;
  }

  private isAccepted(suite: string, status: CommitStatus): boolean {
    return this.accepted.get(suite)?.get(keyOf(status)) === fingerprint(status);
  }
}
