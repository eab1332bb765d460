// Kueue itself on the local cluster (test/support/kueue.ts): its manager as a local process, its
// webhooks reached by url with the test's CA. A suspended Job in a LocalQueue with room is
// admitted, unsuspended and its pod runs on a KWOK node; a second one over the quota stays
// suspended, and its Workload says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KUEUE_GROUP, QUEUE_NAME_LABEL, startKueue, type KueueManager } from '../support/kueue.ts';
import { kubectl, kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('kueue');
const QUEUE = 'smoke';
// Long enough for the second Job to be seen waiting while the first one holds the quota.
const RUN_TIME = '120s';
// The machine is shared and loaded: Kueue's start and each admission may take a while.
const TIMEOUT = 120_000;

let kueue: KueueManager | undefined;

beforeAll(async () => {
  kueue = await startKueue([namespace()]);
  await kueue.queue(namespace(), QUEUE, { pods: 1 });
});

afterAll(async () => {
  await kueue?.stop();
});

/** A Job as Kueue expects it: suspended, in the LocalQueue, its pod completing on a KWOK node. */
const queuedJob = (name: string) =>
  stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels: { [QUEUE_NAME_LABEL]: QUEUE } },
    spec: {
      suspend: true,
      backoffLimit: 0,
      template: {
        metadata: { annotations: { 'pod-complete.stage.kwok.x-k8s.io/delay': RUN_TIME } },
        spec: {
          restartPolicy: 'Never',
          nodeSelector: { 'bench.dev/node-pool': 'cpu' },
          containers: [{ name: 'main', image: 'registry.invalid/sleep:1' }],
        },
      },
    },
  });

interface JobView {
  spec: { suspend?: boolean };
}

interface PodList {
  items: Array<{ spec: { nodeName?: string }; status: { phase?: string } }>;
}

interface WorkloadList {
  items: Array<{
    metadata: { ownerReferences?: Array<{ name: string }> };
    status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
  }>;
}

async function workloadOf(job: string) {
  const list = await kubectlGetJson<WorkloadList>([`workloads.${KUEUE_GROUP}`], { namespace: namespace() });
  return list.items.find((w) => w.metadata.ownerReferences?.some((owner) => owner.name === job));
}

describe('Kueue on the local cluster', () => {
  it('admits a Job within quota and runs its pod on a KWOK node', async () => {
    await kubectlApply(queuedJob('first'), { namespace: namespace() });
    await waitFor(
      'Job first to be unsuspended by Kueue and its pod to run on a KWOK node',
      async () => {
        const job = await kubectlGetJson<JobView>(['job', 'first'], { namespace: namespace() });
        const pods = await kubectlGetJson<PodList>(['pods', '-l', 'job-name=first'], {
          namespace: namespace(),
        });
        const running = pods.items.find((pod) => pod.status.phase === 'Running');
        return {
          done: job.spec.suspend === false && running?.spec.nodeName?.startsWith('kwok-') === true,
          seen: {
            suspend: job.spec.suspend,
            pods: pods.items.map((p) => `${p.spec.nodeName} ${p.status.phase}`),
          },
        };
      },
      { timeoutMs: TIMEOUT },
    );
    const workload = await workloadOf('first');
    expect(workload?.status?.conditions?.find((c) => c.type === 'Admitted')?.status).toBe('True');
  });

  it('keeps a Job over quota suspended, with the reason on its Workload', async () => {
    await kubectlApply(queuedJob('second'), { namespace: namespace() });
    const pending = await waitFor(
      "Job second's Workload to say it waits for quota",
      async () => {
        const workload = await workloadOf('second');
        const quota = workload?.status?.conditions?.find((c) => c.type === 'QuotaReserved');
        return {
          done: quota?.status === 'False' && quota.reason === 'Pending',
          value: quota,
          seen: workload?.status?.conditions ?? 'no Workload yet',
        };
      },
      { timeoutMs: TIMEOUT },
    );
    expect(pending?.message).toMatch(/insufficient.*pods/i);
    const job = await kubectlGetJson<JobView>(['job', 'second'], { namespace: namespace() });
    expect(job.spec.suspend).toBe(true);
    const { stdout } = await kubectl(['get', 'pods', '-l', 'job-name=second', '-o', 'name'], {
      namespace: namespace(),
    });
    expect(stdout.trim()).toBe('');
  });
});
