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
  unfinishedRounds: 0,
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
    const decision = cronRound(input({ unfinishedRounds: 1 }));
    expect(decision.startRound).toBe(false);
    expect(decision.tick).toBe(at('2026-11-22T10:00:00Z'));
    expect(decision.skip?.reason).toBe('RoundSkipped');
    expect(decision.skip?.message).toContain('concurrencyPolicy Forbid');
    // Once handled, the same tick is not skipped (nor reported) again.
    expect(cronRound(input({ unfinishedRounds: 1, handledThrough: decision.tick! })).skip).toBeUndefined();
  });

  it.each(['Allow', 'Replace'] as const)('%s starts the round while the previous one runs', (policy) => {
    expect(cronRound(input({ unfinishedRounds: 1, concurrencyPolicy: policy })).startRound).toBe(true);
  });

  it('Allow skips the tick once maxActiveRounds rounds are unfinished, naming the cap', () => {
    const allow = (unfinishedRounds: number, maxActiveRounds?: number) =>
      cronRound(input({ concurrencyPolicy: 'Allow', unfinishedRounds, maxActiveRounds }));
    expect(allow(1, 2).startRound).toBe(true);
    const capped = allow(2, 2);
    expect(capped).toMatchObject({ startRound: false, tick: at('2026-11-22T10:00:00Z') });
    expect(capped.skip).toEqual({
      reason: 'RoundSkipped',
      message:
        'the schedule 0 * * * * fired at 2026-11-22T10:00:00.000Z, but 2 rounds of the suite are unfinished, as many as maxActiveRounds (2) allows under concurrencyPolicy Allow; the next round starts at a later tick, once fewer are running',
    });
    // Without the field, the CRD's default: 3.
    expect(allow(2).startRound).toBe(true);
    expect(allow(3).skip?.message).toContain(
      '3 rounds of the suite are unfinished, as many as maxActiveRounds (3)',
    );
    expect(allow(1, 1).skip?.message).toContain('1 round of the suite is unfinished');
    // Replace ignores it: it replaces the unfinished round instead.
    expect(
      cronRound(input({ concurrencyPolicy: 'Replace', unfinishedRounds: 5, maxActiveRounds: 1 })).startRound,
    ).toBe(true);
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
        fc.integer({ min: 0, max: 4 }),
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
                unfinishedRounds: unfinished,
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

  it('property: under Allow, however ticks and round ends interleave, never more than maxActiveRounds rounds run', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 1, max: 180_000 }), finishOne: fc.boolean() }), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.integer({ min: 1, max: 5 }),
        (steps, maxActiveRounds) => {
          let now = at('2026-11-22T10:00:30Z');
          let handledThrough = now;
          let unfinishedRounds = 0;
          for (const { gap, finishOne } of steps) {
            now += gap;
            if (finishOne && unfinishedRounds > 0) unfinishedRounds -= 1;
            const d = cronRound(
              input({
                schedule: everyMinute,
                concurrencyPolicy: 'Allow',
                maxActiveRounds,
                unfinishedRounds,
                handledThrough,
                now,
              }),
            );
            if (d.startRound) unfinishedRounds += 1;
            if (d.tick !== undefined) handledThrough = d.tick;
            expect(unfinishedRounds).toBeLessThanOrEqual(maxActiveRounds);
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
