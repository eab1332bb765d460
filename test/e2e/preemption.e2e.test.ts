// Priority classes and preemption on a full cluster: a high-priority suite's run preempts a
// low-priority run, and the preempted run is re-run by its Job (podFailurePolicy Ignore on
// DisruptionTarget), on the same attempt, without counting a failure.
//
// The test fills the one `preempt` node of the local cluster (hack/testenv/node-pools.yaml:
// 8 CPU, tainted bench.dev/dedicated=preempt:NoSchedule), which no other test uses, so the
// tests sharing the cluster keep their CPU and GPU nodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { eventsFor } from '../support/events.ts';
import { kubectl, kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../support/operator.ts';
import { waitForSuite } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('preempt');
stopOperatorsAfterAll();

const NODE = 'kwok-preempt-0';
/** Cluster-scoped, so named for this test alone. */
const PRIORITY_CLASSES = { low: 'bench-e2e-preempt-low', high: 'bench-e2e-preempt-high' };
/** How long the low-priority run's pods run: long enough to be preempted while running. */
const LOW_RUN_DELAY = '20s';

interface Pod {
  metadata: { name: string; uid: string; creationTimestamp: string; deletionTimestamp?: string };
  spec: { nodeName?: string; priority?: number };
  status: { phase?: string; conditions?: Array<{ type: string; status: string; reason?: string }> };
}
interface Job {
  metadata: { name: string };
  status?: {
    active?: number;
    succeeded?: number;
    failed?: number;
    conditions?: Array<{ type: string; status: string }>;
  };
}
interface List<T> {
  items: T[];
}

function schedulePolicy(name: string, priorityClassName: string) {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'SchedulePolicy',
    metadata: { name },
    spec: {
      priorityClassName,
      placement: {
        tolerations: [
          { key: 'bench.dev/dedicated', operator: 'Equal', value: 'preempt', effect: 'NoSchedule' },
        ],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'bench.dev/node-pool', operator: 'In', values: ['preempt'] }] },
              ],
            },
          },
        },
      },
      // 6 of the node's 8 CPUs: one run fills it, a second cannot fit beside it.
      resources: { requests: { cpu: '6', memory: '1Gi' } },
    },
  };
}

function suite(name: string, policy: string, podAnnotations: Record<string, string> = {}) {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name },
    spec: {
      schedulePolicyRef: policy,
      runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0', podAnnotations },
      targets: [{ name: 'mini', providerRef: 'openai', model: 'gpt-4o-mini' }],
      benchmarks: [{ name: 'mmlu' }],
      retry: { limit: 0 },
    },
  };
}

const podsOf = async (ns: string, suiteName: string): Promise<Pod[]> =>
  (await kubectlGetJson<List<Pod>>(['pods', '-l', `bench.dev/suite=${suiteName}`], { namespace: ns })).items;

const describePods = (pods: Pod[]) =>
  pods.map((p) => ({
    name: p.metadata.name,
    node: p.spec.nodeName,
    phase: p.status.phase,
    deleting: p.metadata.deletionTimestamp !== undefined,
    conditions: p.status.conditions?.map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`),
  }));

describe('priority classes and preemption', () => {
  beforeAll(async () => {
    await kubectlApply(
      [
        { name: PRIORITY_CLASSES.low, value: 100 },
        { name: PRIORITY_CLASSES.high, value: 10_000 },
      ]
        .map(({ name, value }) =>
          stringify({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value }),
        )
        .join('---\n'),
    );
  });
  afterAll(async () => {
    await kubectl(['delete', 'priorityclass', PRIORITY_CLASSES.low, PRIORITY_CLASSES.high, '--wait=false'], {
      allowFailure: true,
    });
  });

  it('a high-priority suite preempts a low-priority run on a full node; the preempted run is re-run on the same attempt', async () => {
    const ns = namespace();
    await kubectlApply(
      [
        {
          apiVersion: 'bench.dev/v1alpha1',
          kind: 'ProviderPolicy',
          metadata: { name: 'openai' },
          spec: { provider: 'openai', credentialsSecretRef: { name: 'openai-credentials' } },
        },
        schedulePolicy('low', PRIORITY_CLASSES.low),
        schedulePolicy('high', PRIORITY_CLASSES.high),
      ]
        .map((o) => stringify(o))
        .join('---\n'),
      { namespace: ns },
    );
    startOperator({ namespaces: [ns] });

    // 1. The low-priority run fills the node.
    await kubectlApply(
      stringify(suite('low', 'low', { 'pod-complete.stage.kwok.x-k8s.io/delay': LOW_RUN_DELAY })),
      { namespace: ns },
    );
    const victim = await waitFor(
      `the low-priority run's pod to be Running on ${NODE}`,
      async () => {
        const pods = await podsOf(ns, 'low');
        const running = pods.find((p) => p.spec.nodeName === NODE && p.status.phase === 'Running');
        return { done: running !== undefined, value: running, seen: describePods(pods) };
      },
      { timeoutMs: 60_000 },
    );
    expect(victim.spec.priority, 'the low pod carries its PriorityClass').toBe(100);

    // 2. The high-priority run cannot fit beside it: the scheduler preempts the low pod.
    await kubectlApply(stringify(suite('high', 'high')), { namespace: ns });
    const highPod = await waitFor(
      `the high-priority run's pod to be scheduled on ${NODE} (preempting ${victim.metadata.name})`,
      async () => {
        const pods = await podsOf(ns, 'high');
        const placed = pods.find((p) => p.spec.nodeName === NODE);
        return {
          done: placed !== undefined,
          value: placed,
          seen: { high: describePods(pods), low: describePods(await podsOf(ns, 'low')) },
        };
      },
      { timeoutMs: 60_000 },
    );
    expect(highPod.spec.priority).toBe(10_000);
    const preempted = await waitFor(
      `a Preempted event for the low pod ${victim.metadata.name}`,
      async () => {
        const events = await eventsFor('Pod', victim.metadata.name, ns);
        const event = events.find((e) => e.reason === 'Preempted');
        return { done: event !== undefined, value: event, seen: events };
      },
      { timeoutMs: 30_000 },
    );
    expect(preempted.note).toContain(NODE);

    // 3. The high-priority suite finishes while the low run's replacement pod waits for the node.
    const high = await waitForSuite(ns, 'high', (s) => s.phase === 'Succeeded', 60_000);
    expect(high.runs?.[0]).toMatchObject({ state: 'Succeeded', attempt: 1 });

    // 4. The low run is re-run by the same Job (a new pod), on attempt 1, and succeeds.
    const low = await waitForSuite(ns, 'low', (s) => s.phase === 'Succeeded', 120_000);
    expect(low.runs).toHaveLength(1);
    const lowRun = low.runs![0]!;
    expect(lowRun, 'the preempted run kept its attempt').toMatchObject({ state: 'Succeeded', attempt: 1 });
    expect(low.summary).toMatchObject({ total: 1, succeeded: 1, failed: 0 });

    // One Job for the run (no second attempt), which created a second pod after the preemption
    // and counted no failure (podFailurePolicy: Ignore on DisruptionTarget).
    const jobs = await kubectlGetJson<List<Job>>(['jobs', '-l', 'bench.dev/suite=low'], { namespace: ns });
    expect(
      jobs.items.map((j) => j.metadata.name),
      'a single Job, attempt 1',
    ).toEqual([lowRun.job]);
    const job = jobs.items[0]!;
    expect(job.status).toMatchObject({ succeeded: 1 });
    expect(job.status?.failed ?? 0, 'the preempted pod is not counted as failed').toBe(0);
    expect(job.status?.conditions?.find((c) => c.type === 'Complete')?.status).toBe('True');
    const created = await waitFor(
      `two SuccessfulCreate events on Job ${job.metadata.name}`,
      async () => {
        const events = await eventsFor('Job', job.metadata.name, ns);
        const creates = events.filter((e) => e.reason === 'SuccessfulCreate');
        return {
          done: creates.reduce((n, e) => n + e.count, 0) >= 2,
          value: creates,
          seen: events,
        };
      },
      { timeoutMs: 10_000 },
    );
    const podNames = created.map((e) => /Created pod: (\S+)/.exec(e.note)?.[1]);
    expect(podNames, 'the Job created the preempted pod and its replacement').toHaveLength(2);
    expect(podNames).toContain(victim.metadata.name);

    // The suite's events do not show a retry: the operator created the run's Job once.
    const suiteEvents = await eventsFor('BenchmarkSuite', 'low', ns);
    expect(suiteEvents.filter((e) => e.reason === 'RunAdmitted').map((e) => e.note)).toEqual([
      expect.stringContaining('attempt 1'),
    ]);
  }, 240_000);
});
