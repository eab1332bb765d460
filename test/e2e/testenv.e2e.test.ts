// Proves the local control plane is real: the scheduler places pods by resources, priority,
// tolerations and node affinity, and the Job controller drives Jobs to Complete or Failed.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kubectl, kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { waitFor } from '../support/wait.ts';

interface Condition {
  type: string;
  status: string;
}
interface Job {
  status?: { conditions?: Condition[] };
}
interface Pod {
  metadata: { name: string };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    containerStatuses?: Array<{ state?: { terminated?: { exitCode: number; message?: string } } }>;
  };
}
interface List<T> {
  items: T[];
}

const namespace = useNamespace('testenv');

function gpuJob(name: string, podLabels: Record<string, string>, podAnnotations: Record<string, string>) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: podLabels, annotations: podAnnotations },
        spec: {
          restartPolicy: 'Never',
          priorityClassName: 'testenv-high',
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  {
                    matchExpressions: [
                      { key: 'bench.dev/accelerator', operator: 'In', values: ['nvidia-a100'] },
                    ],
                  },
                ],
              },
            },
          },
          containers: [
            {
              name: 'bench',
              image: 'registry.example/bench-runner:test',
              resources: {
                // No GPU request on purpose: only the required node affinity keeps this pod off the
                // CPU nodes, which the bin-packing scheduler (MostAllocated) would otherwise prefer.
                requests: { cpu: '2', memory: '4Gi' },
                limits: { cpu: '2', memory: '4Gi' },
              },
            },
          ],
        },
      },
    },
  };
}

async function jobCondition(name: string): Promise<{ done: boolean; value?: string; seen: unknown }> {
  const job = await kubectlGetJson<Job>(['job', name], { namespace: namespace() });
  const finished = job.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  return { done: finished !== undefined, value: finished?.type, seen: job.status ?? {} };
}

async function podsOf(job: string): Promise<Pod[]> {
  const list = await kubectlGetJson<List<Pod>>(['pods', '-l', `batch.kubernetes.io/job-name=${job}`], {
    namespace: namespace(),
  });
  return list.items;
}

describe('the local control plane', () => {
  it('schedules a Job pod onto a GPU node by affinity and toleration, and completes the Job', async () => {
    await kubectlApply(
      stringify({
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: 'testenv-high' },
        value: 1000,
      }),
    );
    await kubectlApply(stringify(gpuJob('gpu-ok', {}, {})), { namespace: namespace() });

    const outcome = await waitFor('Job gpu-ok to finish', () => jobCondition('gpu-ok'), {
      timeoutMs: 60_000,
    });
    expect(outcome).toBe('Complete');

    const [pod] = await podsOf('gpu-ok');
    expect(pod?.spec.nodeName, 'the scheduler bound the pod to a node').toBeTruthy();
    const node = await kubectlGetJson<{ metadata: { labels: Record<string, string> } }>([
      'node',
      pod!.spec.nodeName!,
    ]);
    expect(
      node.metadata.labels['bench.dev/accelerator'],
      `accelerator label of node ${pod!.spec.nodeName}`,
    ).toBe('nvidia-a100');
    expect(pod?.status.phase).toBe('Succeeded');
    const message = pod?.status.containerStatuses?.[0]?.state?.terminated?.message ?? '';
    expect(JSON.parse(message)).toMatchObject({
      score: expect.any(Number) as unknown,
      usage: expect.any(Object) as unknown,
    });

    const { stdout } = await kubectl(['get', 'pod', pod!.metadata.name, '-o', 'jsonpath={.spec.priority}'], {
      namespace: namespace(),
    });
    expect(stdout).toBe('1000');
  });

  it('fails a Job whose pod is told to exit with code 3, with the exit code in the pod status', async () => {
    await kubectlApply(
      stringify({
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: 'testenv-high' },
        value: 1000,
      }),
    );
    const job = gpuJob(
      'gpu-fail',
      { 'pod-container-running-failed.stage.kwok.x-k8s.io': 'true' },
      {
        'pod-container-running-failed.stage.kwok.x-k8s.io/exit-code': '3',
        'pod-container-running-failed.stage.kwok.x-k8s.io/message': 'provider said no',
      },
    );
    await kubectlApply(stringify(job), { namespace: namespace() });

    const outcome = await waitFor('Job gpu-fail to finish', () => jobCondition('gpu-fail'), {
      timeoutMs: 60_000,
    });
    expect(outcome).toBe('Failed');
    const [pod] = await podsOf('gpu-fail');
    expect(pod?.status.phase).toBe('Failed');
    expect(pod?.status.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 3,
      message: 'provider said no',
    });
  });
});
