import { describe, expect, it } from 'vitest';
import { ANNOTATIONS, LABELS } from '../render/labels.ts';
import type { JobView } from './observe.ts';
import { roundState } from './round-state.ts';
import { hourly, policy, suite } from './test-suite.ts';

const at = (iso: string): number => Date.parse(iso);
const job = (round: number, annotations: Record<string, string>, finished = true): JobView => ({
  metadata: { name: `s-${round}`, labels: { [LABELS.round]: String(round) }, annotations },
  status: finished ? { conditions: [{ type: 'Complete', status: 'True' }] } : {},
});

describe('roundState under a schedule', () => {
  it('waits for the first tick after creation instead of starting at once', () => {
    const waiting = roundState(suite(), [], { policy: hourly, now: at('2026-11-22T09:30:00Z') });
    expect(waiting).toMatchObject({
      current: 0,
      startNew: false,
      nextScheduleTime: at('2026-11-22T10:00:00Z'),
    });
    expect(waiting.hold).toContain('the first round starts when the schedule 0 * * * * fires');
    const due = roundState(suite(), [], { policy: hourly, now: at('2026-11-22T10:00:01Z') });
    expect(due).toMatchObject({ current: 0, startNew: true, tick: at('2026-11-22T10:00:00Z') });
    expect(due.why).toBe('the schedule 0 * * * * fired at 2026-11-22T10:00:00.000Z');
  });

  it('does not start a second round for a tick when the status recording it is stale', () => {
    // Round 2 started for the 11:00 tick, its Job carries that; the cached status still shows round 1.
    const stale = suite({
      round: 1,
      roundGeneration: 1,
      lastHandledScheduleTime: '2026-11-22T10:00:00Z',
      completionTime: '2026-11-22T10:05:00Z',
    });
    const jobs = [
      job(1, { [ANNOTATIONS.generation]: '1', [ANNOTATIONS.scheduleHandledThrough]: '2026-11-22T10:00:00Z' }),
      job(
        2,
        { [ANNOTATIONS.generation]: '1', [ANNOTATIONS.scheduleHandledThrough]: '2026-11-22T11:00:00Z' },
        false,
      ),
    ];
    const state = roundState(stale, jobs, { policy: hourly, now: at('2026-11-22T11:00:05Z') });
    expect(state).toMatchObject({ current: 2, startNew: false });
    expect(state.skip).toBeUndefined();
  });

  it('under Allow, counts the rounds whose Jobs still run and skips a tick at maxActiveRounds', () => {
    const allow = policy({ schedule: '0 * * * *', concurrencyPolicy: 'Allow', maxActiveRounds: 2 });
    const inRound2 = suite({ round: 2, roundGeneration: 1, lastHandledScheduleTime: '2026-11-22T11:00:00Z' });
    const stamp = { [ANNOTATIONS.generation]: '1' };
    const noon = { policy: allow, now: at('2026-11-22T12:00:05Z') };

    const capped = roundState(inRound2, [job(1, stamp, false), job(2, stamp, false)], noon);
    expect(capped).toMatchObject({ current: 2, startNew: false, handledThrough: at('2026-11-22T12:00:00Z') });
    expect(capped.skip?.message).toContain(
      '2 rounds of the suite are unfinished, as many as maxActiveRounds (2) allows under concurrencyPolicy Allow',
    );
    // Once round 1's Job is done, one round runs: the tick starts round 3 beside round 2.
    expect(roundState(inRound2, [job(1, stamp, true), job(2, stamp, false)], noon)).toMatchObject({
      startNew: true,
      tick: at('2026-11-22T12:00:00Z'),
    });
  });

  it('holds a spec change until the next tick', () => {
    const changed = suite(
      { round: 1, roundGeneration: 1, lastHandledScheduleTime: '2026-11-22T10:00:00Z' },
      2,
    );
    const state = roundState(changed, [], { policy: hourly, now: at('2026-11-22T10:30:00Z') });
    expect(state.startNew).toBe(false);
    expect(state.hold).toContain('the spec changed (generation 2)');
  });

  it('starts the next rounds of a suite that gains a schedule from the next tick on', () => {
    const ran = suite({ round: 3, roundGeneration: 1, completionTime: '2026-11-20T00:00:00Z' });
    const state = roundState(ran, [], { policy: hourly, now: at('2026-11-22T10:30:20Z') });
    expect(state).toMatchObject({ startNew: false, handledThrough: at('2026-11-22T10:30:20Z') });
  });

  it('keeps the unscheduled rules without a schedule', () => {
    expect(roundState(suite(), [], { policy: policy({}), now: 0 })).toMatchObject({ startNew: true });
  });
});
