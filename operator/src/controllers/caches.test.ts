import { describe, expect, it } from 'vitest';
import { renderJob } from '../core/render/job.ts';
import { observeAttempt } from '../core/suite/observe.ts';
import type { KubeObject } from '../runtime/client/resource.ts';
import { requestForControllerOwner } from '../runtime/controller/handlers.ts';
import { fieldPaths, type FieldSpec } from '../runtime/informer/projection.ts';
import { byOwnerUid } from '../runtime/informer/store.ts';
import { FakeClock } from '../runtime/time/fake-clock.ts';
import { DeletedSuites } from './benchmarksuite/deleted-suites.ts';
import { suiteReconciler } from './benchmarksuite/reconciler.ts';
import {
  byProvider,
  JOB_FIELDS,
  jobView,
  POD_FIELDS,
  podView,
  ROUND_FIELDS,
  roundView,
  type JobObject,
  type PodObject,
  type RoundObject,
} from './caches.ts';
import { SchedulingState } from './scheduler/state.ts';
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
  type JobEnd,
} from './test-objects.ts';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const MINUTE = 60_000;
const suiteOwner = { group: 'bench.dev', kind: 'BenchmarkSuite' };
const managedFields = [
  { manager: 'kube-controller-manager', operation: 'Update', fieldsV1: { 'f:status': {} } },
];

const suite = suiteObject(
  's',
  NOW,
  { schedulePolicyRef: 'pol' },
  { round: 1, roundGeneration: 1, observedGeneration: 1 },
);
const provider = providerObject('p');
const resources = { requests: { cpu: '10m', memory: '16Mi' } };
/** The suite's SchedulePolicy: plain, or one whose Jobs wait in a Kueue LocalQueue (created suspended). */
const policies = [
  policyObject('pol', { resources }),
  policyObject('pol', { resources, kueue: { localQueueName: 'lq' } }),
];
type Policy = (typeof policies)[number];

/** A Job as the API server sends it: the operator's rendered Job, with what the server and the Job controller add. */
function fullJob(policy: Policy, attempt: number, end: JobEnd): JobObject {
  const observed = attemptJob(suite, { attempt, created: NOW - 10 * MINUTE + attempt * MINUTE, end });
  const rendered = renderJob({
    suite,
    round: 1,
    benchmark: suite.spec.benchmarks[0],
    target: suite.spec.targets[0],
    attempt,
    provider,
    model: 'm',
    schedulePolicy: policy,
  }) as unknown as JobObject;
  return {
    ...rendered,
    metadata: {
      ...rendered.metadata,
      ...observed.metadata,
      labels: { ...rendered.metadata.labels, ...observed.metadata.labels },
      ownerReferences: rendered.metadata.ownerReferences,
      generation: 1,
      managedFields,
    },
    status: {
      ...observed.status,
      terminating: 0,
      uncountedTerminatedPods: {},
      active: 'running' in end ? 1 : 0,
      ready: 0,
    },
  } as JobObject;
}

/** A pod as the API server sends it: spec, every condition, IPs, the kubelet's container status. */
function fullPod(job: JobObject, options: Parameters<typeof attemptPod>[1]): PodObject {
  const observed = attemptPod(job, options);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...observed.metadata,
      resourceVersion: '50',
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: job.metadata.name,
          uid: job.metadata.uid,
          controller: true,
        },
      ],
      managedFields,
    },
    spec: { containers: [{ name: 'runner', image: 'bench-runner:1' }], nodeName: 'kwok-node-0' },
    status: {
      ...observed.status,
      podIP: '10.0.0.1',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'True',
          lastProbeTime: null,
          lastTransitionTime: new Date(NOW).toISOString(),
        },
        { type: 'Initialized', status: 'True' },
      ],
      containerStatuses: observed.status!.containerStatuses?.map((c) => ({
        ...c,
        image: 'bench-runner:1',
        imageID: 'sha256:0',
        ready: false,
        restartCount: 0,
      })),
    },
  } as unknown as PodObject;
}

function fullRound(): RoundObject {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkRound',
    metadata: {
      namespace: 'ns',
      name: 's-0',
      uid: 'uid-s-0',
      resourceVersion: '60',
      labels: { 'bench.dev/suite': 's', 'bench.dev/round': '0' },
      ownerReferences: [
        {
          apiVersion: 'bench.dev/v1alpha1',
          kind: 'BenchmarkSuite',
          name: 's',
          uid: suite.metadata.uid!,
          controller: true,
        },
      ],
      managedFields,
    },
    spec: { round: 0, runs: [{ name: 'b-t', state: 'Succeeded' }] },
  } as unknown as RoundObject;
}

/**
 * Wraps an object so that every field read through it, at any depth, is added to `read` as a
 * dotted path (array elements share their array's path, as in fieldPaths).
 */
function recording<T extends object>(object: T, read: Set<string>, path = ''): T {
  const pathOf = (target: object, key: string): string | undefined => {
    if (!Array.isArray(target)) return path ? `${path}.${key}` : key;
    return /^\d+$/.test(key) ? path : undefined;
  };
  return new Proxy(object, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof key === 'symbol' || typeof value === 'function') return value;
      const next = pathOf(target, key);
      if (next === undefined) return value;
      if (next) read.add(next);
      return value !== null && typeof value === 'object' ? recording(value, read, next) : value;
    },
    has(target, key) {
      const next = typeof key === 'string' ? pathOf(target, key) : undefined;
      if (next) read.add(next);
      return Reflect.has(target, key);
    },
  });
}

/** The read paths no kept field covers: a path is kept if it or a field containing it is in the spec. */
function notKept(read: Set<string>, spec: FieldSpec): string[] {
  const kept = fieldPaths(spec);
  const parents = new Set(
    kept.flatMap((p) => p.split('.').map((_, i, parts) => parts.slice(0, i + 1).join('.'))),
  );
  return [...read].filter((path) => !parents.has(path) && !kept.some((k) => path.startsWith(`${k}.`)));
}

/**
 * The scenes the readers are run on, under a policy: a failed attempt and its retry, running with a
 * pending pod or finished.
 */
function scenes(policy: Policy) {
  const failed = fullJob(policy, 1, {
    failed: NOW - 8 * MINUTE,
    reason: 'BackoffLimitExceeded',
    message: 'exit 1',
  });
  const running = fullJob(policy, 2, { running: true });
  const complete = fullJob(policy, 2, { complete: NOW - MINUTE });
  return [
    {
      policy,
      jobs: [failed, running],
      pods: [fullPod(running, { created: NOW - 5 * MINUTE, pending: true })],
    },
    {
      policy,
      jobs: [failed, complete],
      pods: [
        fullPod(complete, {
          created: NOW - 5 * MINUTE,
          terminationMessage: '{"score":0.75,"usage":{"inputTokens":100,"outputTokens":20}}',
        }),
      ],
    },
  ];
}

/** What the suite reconciler, the owner and provider indexes and `owns` make of the objects. */
async function readAll(policy: Policy, jobs: JobObject[], pods: PodObject[], rounds: RoundObject[]) {
  const { caches } = testCaches({
    suites: [suite],
    providers: [provider],
    policies: [policy],
    jobs,
    pods,
    rounds,
  });
  const { client, writes } = recordingClient();
  const { decisions, recorded } = recordingDecisions();
  const reconcile = suiteReconciler({
    caches,
    client,
    decisions,
    deleted: new DeletedSuites(),
    scheduling: new SchedulingState(),
    clock: new FakeClock(NOW),
    requestSchedulingPass: () => undefined,
  });
  const result = await reconcile({ namespace: 'ns', name: 's' }, reconcileContext());
  const objects = [...jobs, ...pods, ...rounds] as KubeObject[];
  return {
    result,
    writes,
    decisions: recorded.map((r) => [r.reason, r.message]),
    attempts: jobs.map((job) => observeAttempt(job, pods)),
    providers: jobs.map(byProvider),
    owners: objects.map(byOwnerUid),
    ownedBy: objects.map((o) => requestForControllerOwner(o, suiteOwner)),
  };
}

describe('the cached views', () => {
  it('keep every field the readers read of a Job, a pod and a round', async () => {
    const read = { jobs: new Set<string>(), pods: new Set<string>(), rounds: new Set<string>() };
    for (const scene of policies.flatMap(scenes)) {
      await readAll(
        scene.policy,
        scene.jobs.map((job) => recording(job, read.jobs)),
        scene.pods.map((pod) => recording(pod, read.pods)),
        [recording(fullRound(), read.rounds)],
      );
    }
    expect(read.jobs, 'the readers read Jobs').toContain('status.conditions.type');
    expect(read.jobs, 'the readers read a Kueue Job').toContain('spec.suspend');
    expect(notKept(read.jobs, JOB_FIELDS), 'Job fields read but not cached').toEqual([]);
    expect(read.pods, 'the readers read pods').toContain('status.containerStatuses.state');
    expect(notKept(read.pods, POD_FIELDS), 'pod fields read but not cached').toEqual([]);
    expect(notKept(read.rounds, ROUND_FIELDS), 'round fields read but not cached').toEqual([]);
  });

  it('give the readers the same answers as the objects the API server sends', async () => {
    for (const scene of policies.flatMap(scenes)) {
      const full = await readAll(scene.policy, scene.jobs, scene.pods, [fullRound()]);
      const cached = await readAll(scene.policy, scene.jobs.map(jobView), scene.pods.map(podView), [
        roundView(fullRound()),
      ]);
      expect(cached).toEqual(full);
      expect(full.ownedBy.flat(), 'every object maps to its suite').toHaveLength(scene.jobs.length + 1);
    }
  });

  it('leave out the pod template, managed fields and the conditions no reader reads', () => {
    const job = jobView(fullJob(policies[0]!, 1, { complete: NOW }));
    expect(job).not.toHaveProperty('spec.template');
    expect(job).not.toHaveProperty('metadata.managedFields');
    const pod = podView(fullPod(job, { created: NOW, pending: true }));
    expect(pod).not.toHaveProperty('spec');
    expect(pod.status?.conditions?.map((c) => c.type)).toEqual(['PodScheduled']);
    expect(roundView(fullRound())).not.toHaveProperty('spec');
  });
});
