import type { Clock, TimerHandle } from '../time/clock.ts';

export type WakeReason = 'due' | 'poll' | 'aborted';

interface Waiter {
  wake(reason: WakeReason): void;
  dueTimer: TimerHandle | undefined;
}

/**
 * Wakes a campaigning candidate at the earliest of: the moment its next acquisition attempt is due
 * (re-set on every observation of the Lease), its jittered retry poll (the fallback while the Lease
 * watch is broken), or shutdown.
 *
 * Each lease version's due time wakes at most once: an attempt that fails at its due time (a
 * conflict with another candidate, an API error) re-observes the same version, and must fall back
 * to the poll rather than spin.
 */
export class AttemptTimer {
  private readonly clock: Clock;
  private due: { version: string; atMs: number } | undefined;
  private firedFor: string | undefined;
  private waiter: Waiter | undefined;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** The attempt for lease `version` is due at `atMs`; replaces the previous due time. */
  schedule(version: string, atMs: number): void {
    if (version === this.firedFor) return;
    this.due = { version, atMs };
    if (this.waiter) this.armDue(this.waiter);
  }

  /** Resolves when the attempt is due, after `pollMs`, or on abort, whichever comes first. */
  wait(pollMs: number, signal: AbortSignal): Promise<WakeReason> {
    if (signal.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      const onAbort = () => waiter.wake('aborted');
      const waiter: Waiter = {
        dueTimer: undefined,
        wake: (reason) => {
          if (this.waiter !== waiter) return;
          this.waiter = undefined;
          this.clock.clearTimeout(pollTimer);
          if (waiter.dueTimer) this.clock.clearTimeout(waiter.dueTimer);
          signal.removeEventListener('abort', onAbort);
          resolve(reason);
        },
      };
      this.waiter = waiter;
      const pollTimer = this.clock.setTimeout(() => waiter.wake('poll'), pollMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.armDue(waiter);
    });
  }

  private armDue(waiter: Waiter): void {
    if (waiter.dueTimer) this.clock.clearTimeout(waiter.dueTimer);
    waiter.dueTimer = undefined;
    const due = this.due;
    if (!due) return;
    const fire = () => {
      const remainingMs = due.atMs - this.clock.now();
      // Node may fire a timer a millisecond early; an attempt before expiry would be wasted and
      // would use up this version's wake-up.
      if (remainingMs > 0) {
        waiter.dueTimer = this.clock.setTimeout(fire, remainingMs);
        return;
      }
      this.firedFor = due.version;
      this.due = undefined;
      waiter.wake('due');
    };
    fire();
  }
}
