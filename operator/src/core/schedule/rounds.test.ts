import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSchedule, type Schedule } from './cron.ts';
import { cronRound, keepsUnfinishedRounds, type CronRoundInput } from './rounds.ts';

const at = (iso: string): number => Date.parse(iso);
const everyMinute = (parseSchedule('* * * * *') as { schedule: Schedule }).schedule;
const hourly = (parseSchedule('0 * * * *') as { schedule: Schedule }).schedule;

const input = (over: Partial<CronRoundInput>): CronRoundInput => ({
  schedule: hourly,
  concurrencyPolicy: 'Forbid',
  handledThrough: at('2026-11-22T09:00:00Z'),
  roundUnfinished: false,
  now: at('2026-11-22T10:00:20Z'),
  ...over,
});

describe('cronRound', () => {
  it('starts a round at a new tick and reports the next one', () => {
    expect(cronRound(input({}))).toEqual({
      startRound: true,
      tick: at('2026-11-22T10:00:00Z'),
      nextScheduleTime: at('2026-11-22T11:00:00Z'),
    });
  });

  it('does nothing for a tick already handled', () => {
    expect(cronRound(input({ handledThrough: at('2026-11-22T10:00:00Z') }))).toEqual({
      startRound: false,
      nextScheduleTime: at('2026-11-22T11:00:00Z'),
    });
  });

  it('Forbid skips the tick while the round runs, and records it as handled', () => {
    const decision = cronRound(input({ roundUnfinished: true }));
    expect(decision.startRound).toBe(false);
    expect(decision.tick).toBe(at('2026-11-22T10:00:00Z'));
    expect(decision.skip?.reason).toBe('RoundSkipped');
    expect(decision.skip?.message).toContain('concurrencyPolicy Forbid');
    // Once handled, the same tick is not skipped (nor reported) again.
    expect(cronRound(input({ roundUnfinished: true, handledThrough: decision.tick! })).skip).toBeUndefined();
  });

  it.each(['Allow', 'Replace'] as const)('%s starts the round while the previous one runs', (policy) => {
    expect(cronRound(input({ roundUnfinished: true, concurrencyPolicy: policy })).startRound).toBe(true);
  });

  it('a tick older than startingDeadlineSeconds is missed', () => {
    const late = cronRound(input({ startingDeadlineSeconds: 10 }));
    expect(late.startRound).toBe(false);
    expect(late.skip?.message).toContain('startingDeadlineSeconds (10s)');
    expect(cronRound(input({ startingDeadlineSeconds: 30 })).startRound).toBe(true);
  });

  it('after downtime with several missed ticks, one round starts, for the latest tick', () => {
    const decision = cronRound(
      input({ handledThrough: at('2026-11-22T04:00:00Z'), now: at('2026-11-22T10:30:00Z') }),
    );
    expect(decision).toMatchObject({ startRound: true, tick: at('2026-11-22T10:00:00Z') });
    // The next reconcile, with that tick handled, starts nothing until 11:00.
    expect(
      cronRound(input({ handledThrough: decision.tick!, now: at('2026-11-22T10:45:00Z') })).startRound,
    ).toBe(false);
  });

  it('property: over any sequence of reconciles, at most one round per tick, and none for ticks before handledThrough', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 600_000 }), { minLength: 1, maxLength: 40 }),
        fc.constantFrom('Allow', 'Forbid', 'Replace' as const),
        fc.boolean(),
        (gaps, concurrencyPolicy, unfinished) => {
          let now = at('2026-11-22T10:00:30Z');
          let handledThrough = now;
          const started = new Set<number>();
          for (const gap of gaps) {
            now += gap;
            const d = cronRound(
              input({
                schedule: everyMinute,
                concurrencyPolicy,
                roundUnfinished: unfinished,
                handledThrough,
                now,
              }),
            );
            expect(d.nextScheduleTime).toBeGreaterThan(now);
            if (d.tick !== undefined) {
              expect(d.tick).toBeGreaterThan(handledThrough);
              expect(d.tick).toBeLessThanOrEqual(now);
              expect(started.has(d.tick)).toBe(false);
              if (d.startRound) started.add(d.tick);
              handledThrough = d.tick;
            }
          }
        },
      ),
    );
  });
});

describe('keepsUnfinishedRounds', () => {
  it('only a schedule with Allow keeps earlier rounds running', () => {
    expect(keepsUnfinishedRounds({ schedule: '* * * * *', concurrencyPolicy: 'Allow' })).toBe(true);
    expect(keepsUnfinishedRounds({ schedule: '* * * * *', concurrencyPolicy: 'Replace' })).toBe(false);
    expect(keepsUnfinishedRounds({ concurrencyPolicy: 'Allow' })).toBe(false);
    expect(keepsUnfinishedRounds(undefined)).toBe(false);
  });
});
