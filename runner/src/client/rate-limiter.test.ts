import { setImmediate as flushed } from 'node:timers/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../operator/src/runtime/time/fake-clock.ts';
import { RateLimiter, type Admission } from './rate-limiter.ts';

const MINUTE = 60_000;

/** Moves the fake clock on and lets the promises it settled run their continuations. */
async function advance(clock: FakeClock, ms: number): Promise<void> {
  clock.advance(ms);
  await flushed();
}

/** Tracks whether a promise has settled, without awaiting it. */
function watch<T>(promise: Promise<T>): { settled: () => boolean; value: () => T | undefined } {
  let done = false;
  let value: T | undefined;
  promise.then(
    (v) => ((done = true), (value = v)),
    () => (done = true),
  );
  return { settled: () => done, value: () => value };
}

describe('RateLimiter', () => {
  it('admits at once while the budgets allow, then when the oldest request leaves the minute', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ requestsPerMinute: 2 }, clock);
    await limiter.acquire(0);
    await advance(clock, 10_000);
    await limiter.acquire(0);
    const third = watch(limiter.acquire(0));
    await advance(clock, MINUTE - 10_001);
    expect(third.settled()).toBe(false);
    await advance(clock, 1);
    expect(third.value()?.at).toBe(MINUTE);
  });

  it('admits in arrival order: a large request is not overtaken by small ones', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ tokensPerMinute: 100 }, clock);
    await limiter.acquire(60);
    const large = watch(limiter.acquire(80));
    const small = watch(limiter.acquire(10));
    await advance(clock, MINUTE - 1);
    expect([large.settled(), small.settled()]).toEqual([false, false]);
    await advance(clock, 1);
    expect([large.value()?.at, small.value()?.at]).toEqual([MINUTE, MINUTE]);
  });

  it('lets waiting requests in early when a request used fewer tokens than estimated', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ tokensPerMinute: 1000 }, clock);
    const first = await limiter.acquire(900);
    const next = watch(limiter.acquire(500));
    await advance(clock, 2_000);
    expect(next.settled()).toBe(false);
    first.settle(120);
    await flushed();
    expect(next.value()?.at).toBe(2_000);
  });

  it('charges an under-estimate in full, so the next request waits for it', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ tokensPerMinute: 1000 }, clock);
    const first = await limiter.acquire(100);
    first.settle(1000);
    const next = watch(limiter.acquire(1));
    await advance(clock, MINUTE - 1);
    expect(next.settled()).toBe(false);
    await advance(clock, 1);
    expect(next.settled()).toBe(true);
  });

  it('admits nothing while paused by a Retry-After, even with budget left or no budget at all', async () => {
    for (const budgets of [{ requestsPerMinute: 100 }, {}]) {
      const clock = new FakeClock();
      const limiter = new RateLimiter(budgets, clock);
      limiter.pause(5_000);
      const waiting = watch(limiter.acquire(1));
      // A shorter pause later does not shorten the one in force.
      limiter.pause(1_000);
      await advance(clock, 4_999);
      expect(waiting.settled()).toBe(false);
      await advance(clock, 1);
      expect(waiting.value()?.at).toBe(5_000);
    }
  });

  it('rejects a waiting request with the abort reason and moves the next one up', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ requestsPerMinute: 1 }, clock);
    await limiter.acquire(0);
    const controller = new AbortController();
    const aborted = limiter.acquire(0, controller.signal);
    const next = watch(limiter.acquire(0));
    const reason = new Error('SIGTERM');
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    await advance(clock, MINUTE);
    expect(next.value()?.at).toBe(MINUTE);
    await expect(limiter.acquire(0, controller.signal)).rejects.toBe(reason);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('refuses budgets and estimates that are not numbers it can count with', async () => {
    const clock = new FakeClock();
    expect(() => new RateLimiter({ requestsPerMinute: 0 }, clock)).toThrow(
      'requestsPerMinute must be a whole number of at least 1, not 0',
    );
    expect(() => new RateLimiter({ tokensPerMinute: 1.5 }, clock)).toThrow(/tokensPerMinute/);
    const limiter = new RateLimiter({ tokensPerMinute: 10 }, clock);
    await expect(limiter.acquire(Number.NaN)).rejects.toThrow(
      'estimated tokens must be a number >= 0, not NaN',
    );
    await expect(limiter.acquire(-1)).rejects.toThrow(RangeError);
  });

  it('never lets more than its budgets through in any sliding minute (property)', async () => {
    const request = fc.record({
      arrivesAfterMs: fc.integer({ min: 0, max: 20_000 }),
      estimatedTokens: fc.integer({ min: 0, max: 1_500 }),
      /** The actual usage as a share of what was charged: estimates are upper bounds here. */
      actualShare: fc.double({ min: 0, max: 1, noNaN: true }),
      durationMs: fc.integer({ min: 1, max: 90_000 }),
      /** A 429 answer: its Retry-After pauses every admission. */
      retryAfterMs: fc.option(fc.integer({ min: 1, max: 30_000 }), { freq: 5 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.array(request, { maxLength: 30 }),
        async (rpm, tpm, requests) => {
          const clock = new FakeClock();
          const limiter = new RateLimiter({ requestsPerMinute: rpm, tokensPerMinute: tpm }, clock);
          const admitted: { at: number; tokens: number }[] = [];
          let arrival = 0;
          for (const r of requests) {
            arrival += r.arrivesAfterMs;
            clock.setTimeout(() => {
              void limiter.acquire(r.estimatedTokens).then((admission: Admission) => {
                const tokens = Math.floor(r.actualShare * Math.min(r.estimatedTokens, tpm));
                admitted.push({ at: admission.at, tokens });
                clock.setTimeout(() => {
                  if (r.retryAfterMs !== null) limiter.pause(r.retryAfterMs);
                  admission.settle(tokens);
                }, r.durationMs);
              });
            }, arrival);
          }
          // Every request gets in: at worst one per minute, after the longest pause.
          const bound = arrival + (requests.length + 1) * (MINUTE + 30_000 + 90_000);
          while (admitted.length < requests.length && clock.now() <= bound) await advance(clock, 500);
          expect(admitted.length).toBe(requests.length);

          admitted.sort((a, b) => a.at - b.at);
          for (const [i, first] of admitted.entries()) {
            const inMinute = admitted.slice(i).filter((a) => a.at - first.at < MINUTE);
            expect(inMinute.length).toBeLessThanOrEqual(rpm);
            expect(inMinute.reduce((sum, a) => sum + a.tokens, 0)).toBeLessThanOrEqual(tpm);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
