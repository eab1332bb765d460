// Benchmark: what caching pending pods costs the operator's memory. To explain runs whose pods
// cannot start (docs/run-failures.md) the operator caches its pods while they are pending, as well
// as once they have finished; this measures that cache at make bench scale (200 suites × 10 runs:
// 2,000 pods, all pending at once, the worst case) with the operator's own informer:
//
//   BENCH_KUBECONFIG=.cache/testenv/perf-kubeconfig node test/bench/pending-pod-cache.ts
//
// The pods are the operator's run pods (renderJob's pod template) with a node selector no node
// matches, so the scheduler marks each Unschedulable with its message, as it would for a GPU no
// node has. The heap held by three informers is measured one after the other, after a full GC:
// the finished-pods-only selection the operator used before (none of these pods), every pod not
// running with whole objects (managedFields dropped), and the same with only the fields the
// operator reads (controllers/caches.ts podView), which is what it runs with.
// Environment: BENCH_PODS (2000). Writes .cache/bench/pending-pod-cache.json.
import pLimit from 'p-limit';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { NOT_RUNNING_PODS, podView, type PodObject } from '../../operator/src/controllers/caches.ts';
import { podType } from '../../operator/src/controllers/resources.ts';
import { MANAGED_SELECTOR } from '../../operator/src/core/render/labels.ts';
import { renderJob } from '../../operator/src/core/render/job.ts';
import { expandRuns } from '../../operator/src/core/suite/runs.ts';
import type { KubeClient } from '../../operator/src/runtime/client/kube-client.ts';
import { Informer, stripApplyBookkeeping } from '../../operator/src/runtime/informer/informer.ts';
import { listerWatcherFor } from '../../operator/src/runtime/informer/lister-watcher.ts';
import { createLogger } from '../../operator/src/runtime/log/logger.ts';
import {
  benchClient,
  createFixtures,
  log,
  namespaceType,
  resultsDir,
  RUNS_PER_SUITE,
  suiteManifest,
  table,
  waitUntil,
} from './support.ts';

const PODS = Number(process.env.BENCH_PODS ?? 200 * RUNS_PER_SUITE);
const NAMESPACE = 'bench-pending-pods';
/** The selection the operator's pod informer had before it read pending pods. */
const FINISHED_PODS = 'status.phase!=Pending,status.phase!=Running,status.phase!=Unknown';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

async function createPendingPods(client: KubeClient): Promise<void> {
  const { providers, policy } = await createFixtures(client, NAMESPACE);
  const pods = [];
  for (let s = 0; pods.length < PODS; s++) {
    const suite = {
      ...suiteManifest(NAMESPACE, s),
      metadata: { name: `suite-${s}`, namespace: NAMESPACE, uid: `uid-${s}`, generation: 1 },
    };
    for (const run of expandRuns(suite.spec)) {
      if (pods.length >= PODS) break;
      const job = renderJob({
        suite,
        round: 1,
        benchmark: run.benchmark,
        target: run.target,
        attempt: 1,
        provider: providers.get(run.target.providerRef)!,
        model: run.target.model,
        schedulePolicy: policy,
      });
      const template = job.spec!.template;
      pods.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...template.metadata, name: `${job.metadata!.name}-x`, namespace: NAMESPACE },
        spec: { ...template.spec, nodeSelector: { 'bench.dev/no-such-pool': 'none' } },
      });
    }
  }
  log(`creating ${pods.length} pending run pods`);
  await pLimit(16).map(pods, async (pod) => {
    await client.create(podType, pod as never);
  });
}

async function unschedulable(client: KubeClient): Promise<number> {
  const list = await client.list<PodObject>(podType, {
    namespace: NAMESPACE,
    labelSelector: MANAGED_SELECTOR,
  });
  return list.items.filter((pod) =>
    pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable'),
  ).length;
}

/** Heap held by an informer's cache of the namespace's run pods, and how many it holds. */
async function cacheCost(
  client: KubeClient,
  fieldSelector: string,
  transform: (pod: PodObject) => PodObject,
): Promise<{ pods: number; heapMiB: number; bytesPerPod: number }> {
  const before = heapUsed();
  const informer = new Informer<PodObject>({
    name: 'pods',
    logger: createLogger({ level: 'silent', identity: 'pending-pod-cache' }),
    sources: [
      {
        namespace: NAMESPACE,
        listerWatcher: listerWatcherFor<PodObject>(client, {
          type: podType,
          namespace: NAMESPACE,
          labelSelector: MANAGED_SELECTOR,
          fieldSelector,
        }),
      },
    ],
    transform,
  });
  informer.start();
  await informer.waitForSync();
  const held = heapUsed() - before;
  const pods = informer.store.list().length;
  await informer.stop();
  return {
    pods,
    heapMiB: Math.round((held / 2 ** 20) * 10) / 10,
    bytesPerPod: pods ? Math.round(held / pods) : 0,
  };
}

async function main(): Promise<void> {
  const { client } = await benchClient();
  await createPendingPods(client);
  await waitUntil(
    `${PODS} pods marked Unschedulable by the scheduler`,
    300_000,
    async () => (await unschedulable(client)) >= PODS,
    2000,
  );
  const finishedOnly = await cacheCost(client, FINISHED_PODS, stripApplyBookkeeping);
  const wholePods = await cacheCost(client, NOT_RUNNING_PODS, stripApplyBookkeeping);
  const podViews = await cacheCost(client, NOT_RUNNING_PODS, podView);
  const output = {
    benchmark: 'pending-pod-cache',
    date: new Date().toISOString(),
    node: process.version,
    pendingPods: PODS,
    finishedPodsOnly: finishedOnly,
    notRunningWholePods: wholePods,
    notRunningPodViews: podViews,
    extraForPendingPodsMiB: Math.round((podViews.heapMiB - finishedOnly.heapMiB) * 10) / 10,
  };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'pending-pod-cache.json'), `${JSON.stringify(output, null, 2)}\n`);
  console.log(
    table([
      ['pending run pods (all Unschedulable)', String(PODS)],
      ['finished pods only (before): pods / heap', `${finishedOnly.pods} / ${finishedOnly.heapMiB} MiB`],
      ['not running, whole pods: pods / heap', `${wholePods.pods} / ${wholePods.heapMiB} MiB`],
      ['not running, whole pods: bytes per pod', String(wholePods.bytesPerPod)],
      ['not running, pod views (the operator): pods / heap', `${podViews.pods} / ${podViews.heapMiB} MiB`],
      ['not running, pod views: bytes per pod', String(podViews.bytesPerPod)],
    ]),
  );
  await client.delete(namespaceType, undefined, NAMESPACE);
}

await main();
