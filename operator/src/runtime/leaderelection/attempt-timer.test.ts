import { describe, expect, it } from 'vitest';
import { FakeClock } from '../time/fake-clock.ts';
import { AttemptTimer, type WakeReason } from './attempt-timer.ts';
import { acquireAttemptAt, claimLease, releasedLease } from './lease-record.ts';

const leaseMs = 15_000;
const pollMs = 4_400;
const slackMs = 5;
const held = claimLease(undefined, 'leader', 15, new Date('2026-11-22T08:00:00Z'));

/** Starts a wait and exposes how it ended, so tests can advance the FakeClock around it. */
function waitOn(timer: AttemptTimer, options: { pollMs?: number; signal?: AbortSignal } = {}) {
  const woke: { reason?: WakeReason } = {};
  const done = timer
    .wait(options.pollMs ?? pollMs, options.signal ?? new AbortController().signal)
    .then((reason) => {
      woke.reason = reason;
    });
  return { woke, done };
}

/** Lets the wait's promise settle, so `woke` shows whether the timers fired so far woke it. */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Asserts the wait wakes for `reason` exactly at `atMs`, not a millisecond before. */
async function expectWakeAt(
  clock: FakeClock,
  wait: ReturnType<typeof waitOn>,
  atMs: number,
  reason: WakeReason,
) {
  clock.advance(atMs - 1 - clock.now());
  await settled();
  expect(wait.woke.reason, `not woken before ${atMs} ms`).toBeUndefined();
  clock.advance(1);
  await wait.done;
  expect(wait.woke.reason).toBe(reason);
}

describe('acquireAttemptAt', () => {
  it('is a lease duration plus slack after we first saw a lease held by another', () => {
    expect(acquireAttemptAt(held, 'standby', 1_000, slackMs)).toBe(1_000 + leaseMs + slackMs);
  });

  it('is at once for a released lease or one we still hold from a previous run', () => {
    expect(acquireAttemptAt(releasedLease(held, new Date()), 'standby', 1_000, slackMs)).toBe(1_000);
    expect(acquireAttemptAt(held, 'leader', 1_000, slackMs)).toBe(1_000);
  });
});

describe('AttemptTimer', () => {
  it('wakes exactly when the last renewal it saw expires, not at the next poll', async () => {
    const clock = new FakeClock(0);
    const timer = new AttemptTimer(clock);
    // The leader renews every 2 s and the watch reports each renewal; the leader dies after t = 6 s.
    timer.schedule('1', acquireAttemptAt(held, 'standby', 0, slackMs));
    for (const [version, atMs] of [
      ['2', 2_000],
      ['3', 4_000],
      ['4', 6_000],
    ] as const) {
      clock.advance(atMs - clock.now());
      timer.schedule(version, acquireAttemptAt(held, 'standby', atMs, slackMs));
    }
    // Each poll wakes the loop (its GET sees version 4 again) and the wait starts over.
    const dueAt = 6_000 + leaseMs + slackMs;
    while (clock.now() + pollMs < dueAt)
      await expectWakeAt(clock, waitOn(timer), clock.now() + pollMs, 'poll');
    await expectWakeAt(clock, waitOn(timer), dueAt, 'due');
  });

  it('moves the wake-up when a renewal arrives during the wait', async () => {
    const clock = new FakeClock(0);
    const timer = new AttemptTimer(clock);
    timer.schedule('1', acquireAttemptAt(held, 'standby', 0, slackMs));
    // A poll longer than the lease, so only the due time can wake it.
    const wait = waitOn(timer, { pollMs: 60_000 });
    clock.advance(1_000);
    timer.schedule('2', acquireAttemptAt(held, 'standby', 1_000, slackMs));
    await expectWakeAt(clock, wait, 1_000 + leaseMs + slackMs, 'due');
  });

  it('wakes on abort', async () => {
    const clock = new FakeClock(0);
    const timer = new AttemptTimer(clock);
    timer.schedule('1', 10_000);
    const shutdown = new AbortController();
    const wait = waitOn(timer, { signal: shutdown.signal });
    clock.advance(100);
    shutdown.abort();
    await wait.done;
    expect(wait.woke.reason).toBe('aborted');
    expect(clock.pendingTimers(), 'both timers are cleared').toBe(0);
  });

  it('wakes at once when the lease is released during the wait', async () => {
    const clock = new FakeClock(0);
    const timer = new AttemptTimer(clock);
    timer.schedule('1', acquireAttemptAt(held, 'standby', 0, slackMs));
    const { woke, done } = waitOn(timer);
    clock.advance(700);
    timer.schedule('2', acquireAttemptAt(releasedLease(held, new Date()), 'standby', 700, slackMs));
    await done;
    expect(woke.reason).toBe('due');
    expect(clock.pendingTimers(), 'the poll timer is cleared').toBe(0);
  });

  it('wakes at once for a due time that passed between waits, but only once per version', async () => {
    const clock = new FakeClock(0);
    const timer = new AttemptTimer(clock);
    timer.schedule('1', 100);
    clock.advance(200);
    const first = waitOn(timer);
    await first.done;
    expect(first.woke.reason).toBe('due');

    // The attempt failed and re-observed version 1: fall back to the poll instead of spinning.
    timer.schedule('1', 100);
    await expectWakeAt(clock, waitOn(timer), 200 + pollMs, 'poll');
  });

  it('never wakes before the due time even if the clock fires the timer early', async () => {
    const clock = new FakeClock(0);
    // A clock whose longer timers fire 1 ms early, as Node's occasionally do (never below 1 ms).
    const early = {
      now: () => clock.now(),
      setTimeout: (callback: () => void, ms: number) => clock.setTimeout(callback, ms > 1 ? ms - 1 : ms),
      clearTimeout: clock.clearTimeout.bind(clock),
    };
    const timer = new AttemptTimer(early);
    timer.schedule('1', 1_000);
    await expectWakeAt(clock, waitOn(timer), 1_000, 'due');
  });

  it('resolves at once when already aborted', async () => {
    const timer = new AttemptTimer(new FakeClock(0));
    expect(await timer.wait(pollMs, AbortSignal.abort())).toBe('aborted');
  });
});
