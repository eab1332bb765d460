// Living with Kueue (docs/kueue.md): a SchedulePolicy names a Kueue LocalQueue, the operator
// creates its Jobs suspended in that queue, and the real Kueue (test/support/kueue.ts) starts them
// within its ClusterQueue's quota. Both gates hold: the tighter one decides how many run at once,
// Kueue's quota (runs wait with WaitingForKueue) or the provider's cap (Jobs are not even created).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { BenchmarkSuite } from '../../operator/src/api/v1alpha1/index.ts';
import { benchmarkSuiteType, jobType } from '../../operator/src/controllers/resources.ts';
import { observeAttempt, type JobView } from '../../operator/src/core/suite/observe.ts';
import type { KubeObject } from '../../operator/src/runtime/client/resource.ts';
import { Informer } from '../../operator/src/runtime/informer/informer.ts';
import { listerWatcherFor } from '../../operator/src/runtime/informer/lister-watcher.ts';
import { QUEUE_NAME_LABEL, startKueue, type KueueManager } from '../support/kueue.ts';
import { kubectlApply } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../support/operator.ts';
import { runtimeClient, testLogger } from '../support/runtime.ts';
import { waitForSuite } from '../support/suites.ts';

const namespace = useNamespace('kueue-interop');
let kueue: KueueManager | undefined;
beforeAll(async () => {
  kueue = await startKueue([namespace()]);
  startOperator({ namespaces: [namespace()] });
});
// Registered before the operator's: hooks after tests run last-registered first, so the operator
// stops before Kueue, and Kueue before the namespace goes.
afterAll(async () => {
  await kueue?.stop();
});
stopOperatorsAfterAll();
const informers: Array<{ stop(): Promise<void> }> = [];
afterAll(() => Promise.all(informers.map((i) => i.stop())));

const RUNS = 6;
// Long enough for a run to be seen waiting for Kueue while others hold the quota.
const RUN_TIME = '8s';
// Loaded shared machine: six runs in three waves, each through the operator and Kueue.
const TIMEOUT = 240_000;

/** A suite of RUNS runs on provider `<name>` (capped at `cap`) through LocalQueue `<name>`. */
function objects(name: string, cap: number) {
  return [
    {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'ProviderPolicy',
      metadata: { name },
      spec: {
        provider: 'openai-compatible',
        endpoint: 'http://healthy.kwok.invalid',
        maxConcurrentRuns: cap,
      },
    },
    {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'SchedulePolicy',
      metadata: { name },
      spec: { kueue: { localQueueName: name } },
    },
    {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'BenchmarkSuite',
      metadata: { name },
      spec: {
        runner: {
          image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
          podAnnotations: { 'pod-complete.stage.kwok.x-k8s.io/delay': RUN_TIME },
        },
        schedulePolicyRef: name,
        targets: [{ name: 't', providerRef: name, model: 'm' }],
        benchmarks: Array.from({ length: RUNS }, (_, i) => ({ name: `b${i}` })),
      },
    },
  ];
}

interface Seen {
  /** Jobs not finished, suspended or not: what the operator's caps count. */
  created: number;
  /** Jobs not finished and not suspended: what Kueue has admitted. */
  admitted: number;
  samples: number;
  /** Every Job of the suite was created in the LocalQueue. */
  allQueued: boolean;
  /** The messages of every WaitingForKueue run status the suite showed, by run. */
  waitingForKueue: Map<string, string>;
}

/** Watches from before the suite exists: samples its Jobs, and its run statuses, at every change. */
async function watch(suite: string): Promise<Seen> {
  const ns = namespace();
  const { client } = await runtimeClient();
  const informer = <T extends KubeObject>(type: typeof jobType, labelSelector?: string) => {
    const watcher = new Informer<T>({
      name: `kueue-interop-${suite}-${type.kind}`,
      logger: testLogger(),
      sources: [
        {
          namespace: ns,
          listerWatcher: listerWatcherFor(client, {
            type,
            namespace: ns,
            ...(labelSelector ? { labelSelector } : {}),
          }),
        },
      ],
    });
    informers.push(watcher);
    return watcher;
  };
  const seen: Seen = { created: 0, admitted: 0, samples: 0, allQueued: true, waitingForKueue: new Map() };

  const jobs = informer<KubeObject & JobView>(jobType, `bench.dev/suite=${suite}`);
  const sample = () => {
    seen.samples++;
    const active = jobs.store.list().filter((job) => observeAttempt(job, []).phase === 'Active');
    seen.created = Math.max(seen.created, active.length);
    seen.admitted = Math.max(seen.admitted, active.filter((job) => job.spec?.suspend !== true).length);
  };
  jobs.addEventHandler({
    onAdd: (job) => {
      if (job.metadata.labels?.[QUEUE_NAME_LABEL] !== suite) seen.allQueued = false;
      sample();
    },
    onUpdate: sample,
    onDelete: sample,
  });

  const suites = informer<KubeObject & BenchmarkSuite>(benchmarkSuiteType);
  const statuses = (object: KubeObject & BenchmarkSuite) => {
    if (object.metadata.name !== suite) return;
    for (const run of object.status?.runs ?? []) {
      if (run.reason === 'WaitingForKueue') seen.waitingForKueue.set(run.name, run.message ?? '');
    }
  };
  suites.addEventHandler({
    onAdd: statuses,
    onUpdate: (_old, object) => statuses(object),
    onDelete: () => {},
  });

  for (const watcher of [jobs, suites]) watcher.start();
  await Promise.all([jobs.waitForSync(), suites.waitForSync()]);
  return seen;
}

const apply = (objects: object[]) =>
  kubectlApply(objects.map((o) => stringify(o)).join('---\n'), { namespace: namespace() });

describe('a SchedulePolicy naming a Kueue LocalQueue', () => {
  it(
    "runs no more than Kueue's quota, the others waiting for Kueue with the LocalQueue named",
    async () => {
      const ns = namespace();
      await kueue!.queue(ns, 'tight', { pods: 2 });
      const seen = await watch('tight');
      await apply(objects('tight', 3));
      const done = await waitForSuite(ns, 'tight', (s) => s.phase === 'Succeeded', TIMEOUT);
      expect(done.summary?.succeeded).toBe(RUNS);
      expect(seen.allQueued).toBe(true);
      expect(seen.admitted, `peak of Jobs Kueue admitted over ${seen.samples} samples`).toBe(2);
      expect(seen.created, `peak of Jobs the operator created over ${seen.samples} samples`).toBe(3);
      expect(seen.waitingForKueue.size, 'runs seen waiting for Kueue').toBeGreaterThan(0);
      for (const message of seen.waitingForKueue.values()) expect(message).toContain('LocalQueue tight');
    },
    TIMEOUT + 30_000,
  );

  it(
    "creates no more Jobs than the provider's cap when Kueue's quota is larger",
    async () => {
      const ns = namespace();
      await kueue!.queue(ns, 'roomy', { pods: 5 });
      const seen = await watch('roomy');
      await apply(objects('roomy', 2));
      const done = await waitForSuite(ns, 'roomy', (s) => s.phase === 'Succeeded', TIMEOUT);
      expect(done.summary?.succeeded).toBe(RUNS);
      expect(seen.allQueued).toBe(true);
      expect(seen.created, `peak of Jobs the operator created over ${seen.samples} samples`).toBe(2);
      expect(seen.admitted, `peak of Jobs Kueue admitted over ${seen.samples} samples`).toBe(2);
    },
    TIMEOUT + 30_000,
  );
});
