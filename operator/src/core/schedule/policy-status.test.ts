import { describe, expect, it } from 'vitest';
import type { SchedulePolicy } from '../../api/v1alpha1/index.ts';
import { semanticEqual } from '../../meta/semantic-equal.ts';
import { computePolicyStatus } from './policy-status.ts';

const now = new Date('2026-11-22T10:00:30Z');
const policy = (
  spec: NonNullable<SchedulePolicy['spec']>,
  status?: SchedulePolicy['status'],
): SchedulePolicy => ({
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'SchedulePolicy',
  metadata: { name: 'nightly', namespace: 'ns', generation: 2 },
  spec,
  ...(status ? { status } : {}),
});
const suites = [
  { status: { summary: { total: 3, queued: 1, running: 2 }, lastScheduleTime: '2026-11-22T02:00:00Z' } },
  { status: { summary: { total: 1, queued: 1, running: 0 }, lastScheduleTime: '2026-11-21T02:00:00Z' } },
];

describe('computePolicyStatus', () => {
  it('counts runs from the suites, announces the next tick and is Ready', () => {
    const { status, wakeAt } = computePolicyStatus(policy({ schedule: '0 2 * * *' }), suites, now);
    expect(status).toMatchObject({
      observedGeneration: 2,
      activeRuns: 2,
      queuedRuns: 2,
      nextScheduleTime: '2026-11-23T02:00:00Z',
      lastScheduleTime: '2026-11-22T02:00:00Z',
    });
    expect(wakeAt).toBe(Date.parse('2026-11-23T02:00:00Z'));
    expect(status.conditions).toEqual([
      expect.objectContaining({ type: 'Ready', status: 'True', reason: 'Scheduled' }),
    ]);
  });

  it('is unchanged when recomputed from its own output: no write on an idle cluster', () => {
    const first = computePolicyStatus(policy({ schedule: '0 2 * * *' }), suites, now).status;
    const later = new Date(now.getTime() + 3_600_000);
    const second = computePolicyStatus(policy({ schedule: '0 2 * * *' }, first), suites, later).status;
    expect(semanticEqual(first, second)).toBe(true);
  });

  it('is Stalled with the problem, and recovers', () => {
    const broken = computePolicyStatus(
      policy({ schedule: '0 2 * * *', timeZone: 'Mars/Olympus' }),
      [],
      now,
    ).status;
    expect(broken.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Stalled', status: 'True', reason: 'InvalidTimeZone' }),
        expect.objectContaining({ type: 'Ready', status: 'False', reason: 'InvalidTimeZone' }),
      ]),
    );
    expect(broken.nextScheduleTime).toBeUndefined();
    const fixed = computePolicyStatus(policy({}, broken), [], now).status;
    expect(fixed.conditions).toEqual([
      expect.objectContaining({ type: 'Ready', status: 'True', reason: 'Unscheduled' }),
    ]);
  });
});
