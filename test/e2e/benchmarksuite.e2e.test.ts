// The BenchmarkSuite reconciler against the real control plane: Jobs with the policies' placement,
// pods placed by the scheduler, results in status, new rounds, Stalled references.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kubectl, kubectlApply, kubectlGetJson } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { startOperator, stopOperatorsAfterAll } from '../support/operator.ts';
import { waitForSuite, type JobList } from '../support/suites.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('bs');
stopOperatorsAfterAll();

const providerPolicy = (name: string) => ({
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'ProviderPolicy',
  metadata: { name },
  spec: { provider: 'openai', credentialsSecretRef: { name: 'openai-credentials' }, maxConcurrentRuns: 4 },
});

const gpuPolicy = {
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'SchedulePolicy',
  metadata: { name: 'gpu' },
  spec: {
    priorityClassName: 'bench-e2e',
    placement: {
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              {
                matchExpressions: [{ key: 'bench.dev/accelerator', operator: 'In', values: ['nvidia-a100'] }],
              },
            ],
          },
        },
      },
    },
    resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '4Gi' } },
    history: { succeededRounds: 1 },
  },
};

function suite(name: string, providerRef: string, extraBenchmarkArgs: string[] = []) {
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name },
    spec: {
      schedulePolicyRef: 'gpu',
      runner: {
        image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
        resources: { requests: { memory: '3Gi' } },
      },
      targets: [
        { name: 'gpt4o', providerRef, model: 'gpt-4o' },
        { name: 'mini', providerRef, model: 'gpt-4o-mini', parameters: { temperature: '0' } },
      ],
      benchmarks: [
        { name: 'warmup', args: extraBenchmarkArgs },
        { name: 'mmlu', dependsOn: ['warmup'], shards: 2, resources: { requests: { cpu: '2' } } },
        { name: 'gsm8k', timeout: '10m' },
      ],
    },
  };
}

describe('BenchmarkSuite reconciler', () => {
  it('runs a suite to Succeeded with Jobs placed by the policies, results in status, and a new round on a spec change', async () => {
    const ns = namespace();
    await kubectlApply(
      stringify({
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: 'bench-e2e' },
        value: 500,
      }),
    );
    await kubectlApply([providerPolicy('openai'), gpuPolicy].map((o) => stringify(o)).join('---\n'), {
      namespace: ns,
    });
    startOperator({ namespaces: [ns] });
    await kubectlApply(stringify(suite('matrix', 'openai')), { namespace: ns });

    const done = await waitForSuite(ns, 'matrix', (s) => s.phase === 'Succeeded' && s.round === 1, 90_000);
    expect(done.progress).toBe('6/6');
    expect(done.summary).toMatchObject({ total: 6, succeeded: 6, failed: 0 });
    expect(done.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
      reason: 'RoundSucceeded',
    });
    for (const run of done.runs ?? []) {
      expect(run.result?.score, `score of run ${run.name}`).toEqual(expect.any(Number));
      expect(run.job).toMatch(/^matrix-1-/);
    }

    const jobs = await kubectlGetJson<JobList>(['jobs', '-l', 'bench.dev/suite=matrix'], { namespace: ns });
    expect(jobs.items).toHaveLength(6);
    const mmlu = jobs.items.find((j) => j.metadata.name === 'matrix-1-mmlu-mini')!;
    expect(mmlu.spec.completions).toBe(2);
    expect(mmlu.spec.completionMode).toBe('Indexed');
    const pod = mmlu.spec.template.spec;
    expect(pod.priorityClassName).toBe('bench-e2e');
    expect(pod.tolerations).toContainEqual({
      key: 'nvidia.com/gpu',
      operator: 'Exists',
      effect: 'NoSchedule',
    });
    expect(pod.affinity?.nodeAffinity).toBeDefined();
    // benchmark > runner > policy, per resource name
    expect(pod.containers[0]!.resources).toEqual({
      requests: { cpu: '2', memory: '3Gi' },
      limits: { memory: '4Gi' },
    });
    const env = Object.fromEntries(pod.containers[0]!.env!.map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      BENCH_SUITE: 'matrix',
      BENCH_ROUND: '1',
      BENCH_RUN: 'mmlu-mini',
      BENCH_MODEL: 'gpt-4o-mini',
      BENCH_PARAMETERS: '{"temperature":"0"}',
      BENCH_SHARDS: '2',
      BENCH_API_KEY: { secretKeyRef: { name: 'openai-credentials', key: 'apiKey' } },
    });
    // mmlu depends on warmup: its Job was created only after warmup succeeded for the same target.
    const created = (name: string) =>
      Date.parse(jobs.items.find((j) => j.metadata.name === name)!.metadata.creationTimestamp);
    const warmupDone = Date.parse(done.runs!.find((r) => r.name === 'warmup-mini')!.completionTime!);
    expect(created('matrix-1-mmlu-mini')).toBeGreaterThanOrEqual(warmupDone);

    const pods = await kubectlGetJson<{ items: Array<{ spec: { nodeName: string } }> }>(
      ['pods', '-l', 'bench.dev/suite=matrix'],
      {
        namespace: ns,
      },
    );
    expect(pods.items.length).toBe(8); // 2 shards of mmlu per target
    for (const p of pods.items) expect(p.spec.nodeName, 'pods land on GPU nodes only').toMatch(/^kwok-gpu-/);

    const table = await kubectl(['get', 'bs', 'matrix'], { namespace: ns });
    expect(table.stdout).toMatch(/PHASE\s+PROGRESS\s+READY\s+GATES\s+NEXT RUN\s+AGE/);
    expect(table.stdout).toMatch(/matrix\s+Succeeded\s+6\/6\s+True/);

    // The operator caches objects without managedFields; its status writes must keep everyone's.
    const managed = await kubectlGetJson<{
      metadata: {
        managedFields?: Array<{ manager: string; subresource?: string; fieldsV1: Record<string, unknown> }>;
      };
    }>(['bs', 'matrix', '--show-managed-fields'], { namespace: ns });
    const fields = managed.metadata.managedFields ?? [];
    expect(fields.map((f) => [f.manager, f.subresource ?? ''])).toEqual(
      expect.arrayContaining([
        ['kubectl-client-side-apply', ''],
        ['bench-operator', 'status'],
      ]),
    );
    // status.runs is an atomic list: one field in managedFields, not one per field of every run.
    const statusFields = fields.find((f) => f.subresource === 'status')!.fieldsV1['f:status'] as
      Record<string, unknown> | undefined;
    expect(statusFields?.['f:runs']).toEqual({});

    // A spec edit starts round 2; round 1's finished Jobs are kept up to the history limit.
    await kubectlApply(stringify(suite('matrix', 'openai', ['--limit=10'])), { namespace: ns });
    const second = await waitForSuite(ns, 'matrix', (s) => s.phase === 'Succeeded' && s.round === 2, 90_000);
    expect(second.runs?.every((r) => r.job?.startsWith('matrix-2-'))).toBe(true);
    const events = await kubectl(['events', '--for', 'benchmarksuite/matrix'], { namespace: ns });
    expect(events.stdout).toContain('round 2 started: the spec changed (generation 2)');
  });

  it('is Stalled while its ProviderPolicy is missing, and proceeds once it exists', async () => {
    const ns = namespace();
    startOperator({ namespaces: [ns] });
    const lonely = suite('lonely', 'later');
    delete (lonely.spec as { schedulePolicyRef?: string }).schedulePolicyRef;
    await kubectlApply(stringify(lonely), { namespace: ns });

    const stalled = await waitForSuite(
      ns,
      'lonely',
      (s) => s.conditions?.some((c) => c.type === 'Stalled' && c.status === 'True') ?? false,
    );
    expect(stalled.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      reason: 'ReferenceMissing',
      message: expect.stringContaining('ProviderPolicy later does not exist') as unknown,
    });
    expect(stalled.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ReferenceMissing',
    });
    const jobs = await kubectlGetJson<JobList>(['jobs', '-l', 'bench.dev/suite=lonely'], { namespace: ns });
    expect(jobs.items).toHaveLength(0);

    await kubectlApply(stringify(providerPolicy('later')), { namespace: ns });
    const done = await waitForSuite(ns, 'lonely', (s) => s.phase === 'Succeeded', 90_000);
    expect(done.conditions?.some((c) => c.type === 'Stalled')).toBe(false);
  });

  it('deletes its Jobs and pods through owner references when the suite is deleted', async () => {
    const ns = namespace();
    await kubectlApply(stringify(providerPolicy('gone')), { namespace: ns });
    startOperator({ namespaces: [ns] });
    const doomed = suite('doomed', 'gone');
    delete (doomed.spec as { schedulePolicyRef?: string }).schedulePolicyRef;
    await kubectlApply(stringify(doomed), { namespace: ns });
    await waitForSuite(ns, 'doomed', (s) => (s.summary?.running ?? 0) + (s.summary?.succeeded ?? 0) > 0);
    await kubectl(['delete', 'bs', 'doomed', '--wait=true'], { namespace: ns });
    await waitFor("the garbage collector to delete the suite's Jobs", async () => {
      const jobs = await kubectlGetJson<JobList>(['jobs', '-l', 'bench.dev/suite=doomed'], { namespace: ns });
      return { done: jobs.items.length === 0, seen: jobs.items.map((j) => j.metadata.name) };
    });
  });
});
