import { describe, expect, it } from 'vitest';
import { ApiError } from '../../runtime/client/errors.ts';
import type { Result } from '../../runtime/controller/request.ts';
import { FakeClock } from '../../runtime/time/fake-clock.ts';
import type { PolicyObject, SuiteObject } from '../caches.ts';
import { statusPacers } from '../status-pacing.ts';
import { policyObject, reconcileContext, recordingClient, suiteObject, testCaches } from '../test-objects.ts';
import { schedulePolicyReconciler } from './reconciler.ts';

const NOW = Date.parse('2026-11-22T12:05:00Z');
const MINUTE = 60_000;
/** How long after a tick the reconciler asks to run (its TICK_SLACK_MS). */
const SLACK_MS = 50;

/** A suite of namespace `namespace` using policy `nightly`, with its runs' counts and last round start. */
function using(
  name: string,
  running: number,
  queued: number,
  lastScheduleTime: string,
  namespace = 'ns',
): SuiteObject {
  const suite = suiteObject(
    name,
    NOW,
    { schedulePolicyRef: 'nightly' },
    {
      lastScheduleTime,
      summary: { total: running + queued, running, queued, succeeded: 0, failed: 0, blocked: 0 },
    },
  );
  suite.metadata.namespace = namespace;
  return suite;
}

function setup(policy: PolicyObject, suites: SuiteObject[] = []) {
  const { caches, stores } = testCaches({ policies: [policy], suites });
  const { client, writes } = recordingClient();
  const clock = new FakeClock(NOW);
  const pacer = statusPacers().policies;
  const reconcile = schedulePolicyReconciler({ caches, client, clock, pacer });
  return {
    client,
    clock,
    stores,
    writes,
    run: (): Promise<Result | void> => reconcile({ namespace: 'ns', name: 'nightly' }, reconcileContext()),
  };
}

const condition = (type: string, status: string, reason: string, message: unknown): unknown =>
  expect.objectContaining({ type, status, reason, message });

interface Case {
  name: string;
  spec: PolicyObject['spec'];
  suites?: SuiteObject[];
  /** The status written, as far as the case cares (keys absent from it are checked absent). */
  status: Record<string, unknown>;
  result: Result | undefined;
}

const cases: Case[] = [
  {
    name: "a schedule: Ready, the next tick, the latest round start and the run counts of the namespace's suites using it",
    spec: { schedule: '*/15 * * * *' },
    suites: [
      using('a', 2, 1, '2026-11-22T11:45:00Z'),
      using('b', 1, 3, '2026-11-22T12:00:00Z'),
      // Another namespace's policy of the same name, and a suite that uses no policy: not counted.
      using('c', 5, 5, '2026-11-22T12:00:30Z', 'other'),
      suiteObject(
        'd',
        NOW,
        {},
        { summary: { total: 7, running: 7, queued: 0, succeeded: 0, failed: 0, blocked: 0 } },
      ),
    ],
    status: {
      observedGeneration: 1,
      activeRuns: 3,
      queuedRuns: 4,
      nextScheduleTime: '2026-11-22T12:15:00Z',
      lastScheduleTime: '2026-11-22T12:00:00Z',
      conditions: [condition('Ready', 'True', 'Scheduled', 'schedule */15 * * * * in UTC; used by 2 suites')],
    },
    // Woken just after the tick, when nextScheduleTime moves on.
    result: { requeueAfterMs: 10 * MINUTE + SLACK_MS },
  },
  {
    name: 'no schedule: Ready, Unscheduled, and no wake-up',
    spec: {},
    suites: [using('a', 0, 1, '2026-11-22T11:45:00Z')],
    status: {
      activeRuns: 0,
      queuedRuns: 1,
      conditions: [
        condition(
          'Ready',
          'True',
          'Unscheduled',
          'no schedule: suites run a round per spec change or re-run request; used by 1 suite',
        ),
      ],
    },
    result: undefined,
  },
  {
    name: 'a schedule that does not parse: Stalled and not Ready, saying why, and no wake-up',
    spec: { schedule: 'not a cron' },
    status: {
      conditions: ['Stalled', 'Ready'].map((type): unknown =>
        condition(
          type,
          type === 'Stalled' ? 'True' : 'False',
          'InvalidSchedule',
          expect.stringContaining("schedule 'not a cron' is not a valid cron expression"),
        ),
      ),
    },
    result: undefined,
  },
  {
    name: 'an unknown time zone: Stalled and not Ready, saying why',
    spec: { schedule: '0 3 * * *', timeZone: 'Mars/Olympus' },
    status: {
      conditions: ['Stalled', 'Ready'].map((type): unknown =>
        condition(
          type,
          type === 'Stalled' ? 'True' : 'False',
          'InvalidTimeZone',
          "time zone 'Mars/Olympus' is not a known IANA time zone (e.g. Europe/Berlin)",
        ),
      ),
    },
    result: undefined,
  },
];

describe('schedule policy reconciler', () => {
  it.each(cases)('$name', async (c) => {
    const t = setup(policyObject('nightly', c.spec), c.suites);
    expect(await t.run()).toEqual(c.result);
    expect(t.writes.statuses).toHaveLength(1);
    const written = t.writes.statuses[0] as PolicyObject;
    expect(written).toMatchObject({ metadata: { name: 'nightly', resourceVersion: '30' } });
    expect(written.status).toMatchObject(c.status);
    for (const key of ['nextScheduleTime', 'lastScheduleTime'])
      if (!(key in c.status)) expect(written.status, `no ${key}`).not.toHaveProperty(key);
  });

  it('writes nothing when the status is already what it computes (an idle cluster costs no write)', async () => {
    const t = setup(policyObject('nightly', { schedule: '*/15 * * * *' }), [
      using('a', 1, 0, '2026-11-22T12:00:00Z'),
    ]);
    await t.run();
    t.stores.policies.upsert(t.writes.statuses[0] as PolicyObject);
    t.writes.statuses.length = 0;
    expect(await t.run()).toEqual({ requeueAfterMs: 10 * MINUTE + SLACK_MS });
    expect(t.writes.statuses).toEqual([]);
  });

  it('holds back a change of the run counts alone, and wakes when it may write it', async () => {
    const t = setup(policyObject('nightly', { schedule: '*/15 * * * *' }), [
      using('a', 1, 0, '2026-11-22T12:00:00Z'),
    ]);
    await t.run();
    t.stores.policies.upsert(t.writes.statuses[0] as PolicyObject);
    t.writes.statuses.length = 0;
    // A second later a run starts: progress only, written after the pacer's 5 s.
    t.stores.suites.upsert(using('a', 2, 0, '2026-11-22T12:00:00Z'));
    t.clock.advance(1_000);
    expect(await t.run()).toEqual({ requeueAfterMs: 4_000 + SLACK_MS });
    expect(t.writes.statuses).toEqual([]);
    // A milestone (the policy became invalid) is written at once.
    t.stores.policies.upsert({
      ...t.stores.policies.getByName('ns', 'nightly')!,
      spec: { schedule: 'not a cron' },
    });
    expect(await t.run()).toBeUndefined();
    expect(t.writes.statuses).toHaveLength(1);
  });

  it('asks to run again when its write conflicts (the cache is behind the object)', async () => {
    const t = setup(policyObject('nightly', {}));
    t.client.updateStatus = () =>
      Promise.reject(
        new ApiError(409, 'PUT', '/apis/bench.dev/v1alpha1/namespaces/ns/schedulepolicies/nightly/status', {
          reason: 'Conflict',
          message: 'the object has been modified',
        }),
      );
    expect(await t.run()).toEqual({ requeue: true });
  });

  it('does nothing for a deleted policy', async () => {
    const t = setup(policyObject('nightly', { schedule: '*/15 * * * *' }));
    t.stores.policies.remove('ns/nightly');
    expect(await t.run()).toBeUndefined();
    expect(t.writes.statuses).toEqual([]);
  });
});
