import { describe, expect, it } from 'vitest';
import { ANNOTATIONS } from '../../core/render/labels.ts';
import type { Result } from '../../runtime/controller/request.ts';
import { FakeClock } from '../../runtime/time/fake-clock.ts';
import type { JobObject, PodObject, PolicyObject, RoundObject, SuiteObject } from '../caches.ts';
import { SchedulingState } from '../scheduler/state.ts';
import {
  attemptJob,
  attemptPod,
  policyObject,
  providerObject,
  reconcileContext,
  recordingClient,
  recordingDecisions,
  suiteObject,
  testCaches,
  type Writes,
} from '../test-objects.ts';
import { DeletedSuites } from './deleted-suites.ts';
import { suiteReconciler } from './reconciler.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const MINUTE = 60_000;
/** How long after a wake-up time the reconciler asks to run (its TICK_SLACK_MS). */
const SLACK_MS = 50;

/** Suite `s` with round 1 started for its current spec (generation 1). */
function inRound1(spec: Partial<SuiteObject['spec']> = {}): SuiteObject {
  return suiteObject('s', NOW, spec, { round: 1, roundGeneration: 1, observedGeneration: 1 });
}

interface Case {
  name: string;
  suites: SuiteObject[];
  /** Suites the cache saw deleted (DeletedSuites). */
  deleted?: SuiteObject[];
  policies?: PolicyObject[];
  jobs?: JobObject[];
  pods?: PodObject[];
  /** BenchmarkRound records in the cache. */
  rounds?: RoundObject[];
  /** The objects created, as `Kind/name`. */
  creates?: string[];
  /** The status written, as far as the case cares (undefined: none written). */
  status?: Record<string, unknown>;
  patches?: Writes['patches'];
  deletes?: Writes['deletes'];
  result: Result | undefined;
  schedulingPass: boolean;
  /** The reasons of the decisions recorded. */
  decisions: string[];
}

/** A record of `round` of suite s, as the cache keeps it. */
const roundRecord = (name: string, round: number): RoundObject =>
  ({
    metadata: {
      namespace: 'ns',
      name,
      uid: `uid-${name}`,
      labels: { 'bench.dev/round': String(round) },
      ownerReferences: [{ uid: 'uid-s', controller: true }],
    },
  }) as unknown as RoundObject;

const round1 = inRound1();
const twoRuns = inRound1({
  schedulePolicyRef: 'slow-start',
  benchmarks: [{ name: 'b' }, { name: 'c' }],
});
const stuck = attemptJob(twoRuns, { run: 'b-t', created: NOW - 3 * MINUTE, end: { running: true } });
const starting = attemptJob(twoRuns, { run: 'c-t', created: NOW - MINUTE, end: { running: true } });
const done = attemptJob(round1, { created: NOW - 5 * MINUTE, end: { complete: NOW - MINUTE } });
/** Suite s in round 2, keeping one round record, and the Job that finished round 2. */
const inRound2KeepingOne = suiteObject(
  's',
  NOW,
  { roundHistoryLimit: 1 },
  { round: 2, roundGeneration: 1, observedGeneration: 1 },
);
const doneInRound2 = attemptJob(inRound2KeepingOne, {
  round: 2,
  created: NOW - 5 * MINUTE,
  end: { complete: NOW - MINUTE },
});
/** Its spec changed since round 1 started. */
const respecified = { ...inRound1(), metadata: { ...inRound1().metadata, generation: 2 } };
const ofReplacedRound = attemptJob(respecified, { created: NOW - MINUTE, end: { running: true } });

const cases: Case[] = [
  {
    name: 'a new suite starts round 1 and asks the scheduler for a pass',
    suites: [suiteObject('s', NOW)],
    status: {
      round: 1,
      phase: 'Pending',
      lastScheduleTime: '2026-11-22T12:00:00Z',
      runs: [{ name: 'b-t', state: 'Queued', attempt: 0, reason: 'Queued' }],
    },
    result: undefined,
    schedulingPass: true,
    decisions: ['RoundStarted'],
  },
  {
    name: "a finished Job's result reaches its run's status, and the round completes",
    suites: [round1],
    jobs: [done],
    pods: [
      attemptPod(done, {
        created: NOW - 5 * MINUTE,
        terminationMessage: '{"score":0.75,"usage":{"inputTokens":100,"outputTokens":20}}',
      }),
    ],
    status: {
      round: 1,
      phase: 'Succeeded',
      runs: [
        {
          name: 'b-t',
          state: 'Succeeded',
          attempt: 1,
          job: 's-1-b-t',
          result: { score: 0.75, usage: { inputTokens: 100, outputTokens: 20 } },
        },
      ],
    },
    creates: ['BenchmarkRound/s-1'],
    result: undefined,
    schedulingPass: false,
    decisions: ['RunSucceeded', 'RoundCompleted'],
  },
  {
    name: 'the record of a round that just finished counts against the history limit at once',
    suites: [inRound2KeepingOne],
    jobs: [doneInRound2],
    rounds: [roundRecord('s-1', 1)],
    status: { round: 2, phase: 'Succeeded' },
    creates: ['BenchmarkRound/s-2'],
    deletes: [{ kind: 'BenchmarkRound', name: 's-1', preconditions: { uid: 'uid-s-1' } }],
    result: undefined,
    schedulingPass: false,
    decisions: ['RunSucceeded', 'RoundCompleted'],
  },
  {
    name: 'records past the suite’s history limit go, oldest first',
    suites: [
      suiteObject(
        's',
        NOW,
        { roundHistoryLimit: 1 },
        { round: 3, roundGeneration: 1, observedGeneration: 1 },
      ),
    ],
    rounds: [roundRecord('s-1', 1), roundRecord('s-2', 2)],
    status: { round: 3 },
    deletes: [{ kind: 'BenchmarkRound', name: 's-1', preconditions: { uid: 'uid-s-1' } }],
    result: undefined,
    schedulingPass: true,
    decisions: [],
  },
  {
    name: 'a suite whose benchmarks depend on each other in a cycle is Stalled, and nothing is scheduled',
    suites: [
      suiteObject('s', NOW, {
        benchmarks: [
          { name: 'a', dependsOn: ['b'] },
          { name: 'b', dependsOn: ['a'] },
        ],
      }),
    ],
    status: {
      conditions: expect.arrayContaining([
        expect.objectContaining({
          type: 'Stalled',
          status: 'True',
          reason: 'DependencyCycle',
          message: 'benchmarks depend on each other in a cycle: a → b → a',
        }),
      ]),
    },
    result: undefined,
    schedulingPass: false,
    decisions: ['RoundStarted', 'SuiteStalled'],
  },
  {
    name: 'a suite naming a ProviderPolicy that does not exist is Stalled, saying which',
    suites: [suiteObject('s', NOW, { targets: [{ name: 't', providerRef: 'gone', model: 'm' }] })],
    status: {
      conditions: expect.arrayContaining([
        expect.objectContaining({
          type: 'Stalled',
          status: 'True',
          reason: 'ReferenceMissing',
          message: 'ProviderPolicy gone does not exist in namespace ns; create it or fix the reference',
        }),
      ]),
    },
    result: undefined,
    schedulingPass: false,
    decisions: ['RoundStarted', 'SuiteStalled'],
  },
  {
    name: 'an attempt whose runner did not start within startTimeout is stopped; the reconcile wakes for the next one',
    suites: [twoRuns],
    policies: [policyObject('slow-start', { startTimeout: '2m' })],
    jobs: [stuck, starting],
    pods: [
      attemptPod(stuck, { created: NOW - 3 * MINUTE, pending: true }),
      attemptPod(starting, { created: NOW - MINUTE, pending: true }),
    ],
    status: {
      runs: [
        expect.objectContaining({ name: 'b-t', reason: 'NotStarted' }),
        expect.objectContaining({ name: 'c-t', reason: 'Running' }),
      ],
    },
    patches: [
      {
        kind: 'Job',
        name: 's-1-b-t',
        patchType: 'merge',
        patch: {
          metadata: {
            resourceVersion: '40',
            annotations: {
              [ANNOTATIONS.stopReason]: 'NotStarted',
              [ANNOTATIONS.stopMessage]:
                'the runner did not start within 120s: Job s-1-b-t has no pod running',
            },
          },
          // The time it has run: the Job controller fails it at once.
          spec: { activeDeadlineSeconds: 180 },
        },
      },
    ],
    // c-t's pod has been pending a minute of its two.
    result: { requeueAfterMs: MINUTE + SLACK_MS },
    schedulingPass: false,
    decisions: ['RunNotStarting', 'RunStopped'],
  },
  {
    name: "a changed spec starts a new round and deletes the replaced round's unfinished Jobs",
    suites: [respecified],
    jobs: [ofReplacedRound],
    status: {
      round: 2,
      roundGeneration: 2,
      runs: [expect.objectContaining({ name: 'b-t', state: 'Queued' })],
    },
    deletes: [{ kind: 'Job', name: 's-1-b-t', preconditions: { uid: 'uid-s-1-b-t' } }],
    result: undefined,
    schedulingPass: true,
    decisions: ['RoundStarted', 'JobDeleted'],
  },
  {
    name: 'a deleted suite is recorded as deleted once, and nothing is written',
    suites: [],
    deleted: [round1],
    result: undefined,
    schedulingPass: false,
    decisions: ['SuiteDeleted'],
  },
];

describe('suite reconciler', () => {
  it.each(cases)('$name', async (c) => {
    const { caches } = testCaches({ providers: [providerObject('p')], ...c });
    const { client, writes } = recordingClient();
    const { decisions, recorded } = recordingDecisions();
    const deleted = new DeletedSuites();
    for (const suite of c.deleted ?? []) deleted.remember(suite);
    let passes = 0;
    const reconcile = suiteReconciler({
      caches,
      client,
      decisions,
      deleted,
      scheduling: new SchedulingState(),
      clock: new FakeClock(NOW),
      requestSchedulingPass: () => (passes += 1),
    });

    expect(await reconcile({ namespace: 'ns', name: 's' }, reconcileContext())).toEqual(c.result);

    if (c.status) {
      expect(writes.statuses).toHaveLength(1);
      expect(writes.statuses[0]).toMatchObject({
        metadata: { name: 's', resourceVersion: '10' },
        status: c.status,
      });
    } else {
      expect(writes.statuses).toEqual([]);
    }
    expect(writes.patches).toEqual(c.patches ?? []);
    expect(writes.deletes).toEqual(c.deletes ?? []);
    expect(writes.creates.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(c.creates ?? []);
    expect(passes > 0, 'a scheduling pass requested').toBe(c.schedulingPass);
    expect(recorded.map((r) => r.reason)).toEqual(c.decisions);
    if (c.deleted) expect(deleted.get('ns/s'), 'forgotten once on record').toBeUndefined();
  });
});
