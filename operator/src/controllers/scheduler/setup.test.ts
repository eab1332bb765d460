// What wakes the scheduling pass, as scheduler/setup.ts wires it onto a real Manager: each case
// fires cache events on hand-driven informers and reads the scheduler's work-queue adds.
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ANNOTATIONS } from '../../core/render/labels.ts';
import { activeAttempt } from '../../core/suite/test-attempts.ts';
import { unusedKubeConfig } from '../../runtime/client/unused-kubeconfig.ts';
import type { KubeObject } from '../../runtime/client/resource.ts';
import { handInformer } from '../../runtime/informer/hand-informer.ts';
import { Manager } from '../../runtime/manager/manager.ts';
import type { Caches, SuiteObject } from '../caches.ts';
import {
  attemptJob,
  policyObject,
  providerObject,
  recordingClient,
  recordingDecisions,
  suiteObject,
} from '../test-objects.ts';
import { FakeClock } from '../../runtime/time/fake-clock.ts';
import { setupSchedulerController } from './setup.ts';
import { SchedulingState } from './state.ts';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const suite = suiteObject('s', NOW, {}, { round: 1 });
const running = attemptJob(suite, { created: NOW, end: { running: true } });
const finished = attemptJob(suite, { created: NOW, end: { complete: NOW + 1_000 } });

type Informers = Record<keyof Caches, ReturnType<typeof handInformer>>;

/** The scheduler wired onto a fresh manager; `fire` drives its caches; whether a pass was asked for. */
async function wakesAfter(
  fire: (caches: Informers, state: SchedulingState) => void,
): Promise<{ woke: boolean; state: SchedulingState }> {
  const registry = new Registry();
  const manager = await Manager.create(
    { identity: 'test', metricsBindAddress: '0', healthProbeBindAddress: '0' },
    { kubeConfig: unusedKubeConfig(), registry, logger: pino({ level: 'silent' }) },
  );
  const informers: Informers = {
    suites: handInformer(),
    providers: handInformer(),
    policies: handInformer(),
    jobs: handInformer(),
    pods: handInformer(),
    rounds: handInformer(),
  };
  const caches = Object.fromEntries(
    Object.entries(informers).map(([name, hand]) => [name, hand.informer]),
  ) as unknown as Caches;
  const state = new SchedulingState();
  setupSchedulerController(manager, {
    caches,
    client: recordingClient().client,
    decisions: recordingDecisions().decisions,
    state,
    clock: new FakeClock(NOW),
    enqueueSuite: () => {},
    metrics: { timeSchedulingPass: (pass) => pass() },
  });
  fire(informers, state);
  const adds = await registry.getSingleMetric('workqueue_adds_total')!.get();
  const woke = adds.values.some((v) => v.labels.name === 'scheduler' && v.value > 0);
  return { woke, state };
}

const withSuite = (change: (s: SuiteObject) => void): SuiteObject => {
  const copy = structuredClone(suite);
  change(copy);
  return copy;
};
const as = (object: object) => object as KubeObject;

const cases: Array<{ name: string; wakes: boolean; fire: (c: Informers) => void }> = [
  { name: 'a running Job appears', wakes: false, fire: (c) => c.jobs.add(as(running)) },
  { name: 'a finished Job appears (after a relist)', wakes: true, fire: (c) => c.jobs.add(as(finished)) },
  {
    name: 'a running Job is updated, still running',
    wakes: false,
    fire: (c) => c.jobs.update(as(running), as(running)),
  },
  { name: 'a Job finishes', wakes: true, fire: (c) => c.jobs.update(as(running), as(finished)) },
  {
    name: 'a Job is being deleted',
    wakes: true,
    fire: (c) =>
      c.jobs.update(
        as(running),
        as({ ...running, metadata: { ...running.metadata, deletionTimestamp: 'x' } }),
      ),
  },
  { name: 'a running Job goes away', wakes: true, fire: (c) => c.jobs.remove(as(running)) },
  {
    name: 'a ProviderPolicy changes',
    wakes: true,
    fire: (c) => c.providers.update(as(providerObject('p')), as(providerObject('p'))),
  },
  { name: 'a SchedulePolicy appears', wakes: true, fire: (c) => c.policies.add(as(policyObject('nightly'))) },
  { name: 'a suite appears', wakes: true, fire: (c) => c.suites.add(as(suite)) },
  {
    name: "a suite's status changes, same round",
    wakes: false,
    fire: (c) => c.suites.update(as(suite), as(withSuite((s) => (s.status!.phase = 'Running')))),
  },
  {
    name: "a suite's reconciler starts its next round",
    wakes: true,
    fire: (c) => c.suites.update(as(suite), as(withSuite((s) => (s.status!.round = 2)))),
  },
  {
    name: 'a suite is asked to run again',
    wakes: true,
    fire: (c) =>
      c.suites.update(
        as(suite),
        as(withSuite((s) => (s.metadata.annotations = { [ANNOTATIONS.requestedAt]: 'now' }))),
      ),
  },
  {
    name: "a suite's spec changes",
    wakes: true,
    fire: (c) => c.suites.update(as(suite), as(withSuite((s) => (s.metadata.generation = 2)))),
  },
  {
    name: 'a pod appears',
    wakes: false,
    fire: (c) => c.pods.add(as({ metadata: { namespace: 'ns', name: 'pod' } })),
  },
];

describe('scheduler setup: what wakes the pass', () => {
  it.each(cases)('$name: wakes $wakes', async ({ wakes, fire }) => {
    expect((await wakesAfter(fire)).woke).toBe(wakes);
  });

  it("keeps the scheduler's state following the Job cache (observes)", async () => {
    const { state } = await wakesAfter((c, state) => {
      state.admitted('ns/s', activeAttempt(running.metadata.name), NOW);
      c.jobs.add(as(running));
    });
    expect(state.pendingAttempts('ns/s'), 'the cache shows the Job: the ledger lets it go').toEqual([]);
  });
});
