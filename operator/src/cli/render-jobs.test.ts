import { describe, expect, it } from 'vitest';
import { loadExamples } from '../../../test/support/crd-fixtures.ts';
import type { BenchmarkSuite, ProviderPolicy, SchedulePolicy } from '../api/index.ts';
import { RenderError, renderSuiteJobs, renderSuites } from './render-jobs.ts';
import type { Manifest } from './manifests.ts';

const examples: Manifest[] = loadExamples().flatMap((f) =>
  f.manifests.map((object, index) => ({ file: f.file, index, object })),
);
const of = <T>(kind: string) => examples.filter((m) => m.object.kind === kind).map((m) => m.object as T);
const smoke = of<BenchmarkSuite>('BenchmarkSuite').find((s) => s.metadata.name === 'smoke')!;
const input = {
  suite: smoke,
  providerPolicies: of<ProviderPolicy>('ProviderPolicy'),
  schedulePolicies: of<SchedulePolicy>('SchedulePolicy'),
  namespace: 'team-a',
  round: 1,
};

describe('renderSuiteJobs', () => {
  it('renders one Job per run, on each target’s provider, with the policy and the CRD defaults applied', () => {
    const jobs = renderSuiteJobs(input);
    expect(jobs.map((j) => j.metadata!.name)).toEqual([
      'smoke-1-hello-gpt-4o-mini',
      'smoke-1-hello-claude-haiku',
    ]);
    const [job] = jobs;
    expect(job!.metadata!.namespace).toBe('team-a');
    expect(job!.metadata!.labels).toMatchObject({ 'bench.dev/provider': 'openai', 'bench.dev/round': '1' });
    // As created: generation 1; no uid is known offline.
    expect(job!.metadata!.annotations).toEqual({
      'bench.dev/generation': '1',
      'bench.dev/model': 'gpt-4o-mini',
    });
    expect(job!.metadata!.ownerReferences![0]!.uid).toBeUndefined();
    // From the SchedulePolicy adhoc-cpu.
    expect(job!.spec!.template.spec!.priorityClassName).toBe('bench-adhoc');
    expect(job!.spec!.ttlSecondsAfterFinished).toBe(3600);
    // The benchmark's timeout (5m) wins over the policy's runTimeout.
    expect(job!.spec!.activeDeadlineSeconds).toBe(300);
    // shards defaulted to 1 by the CRD.
    expect(job!.spec!.completions).toBe(1);
  });

  it('stamps the suite’s source revision, or the one given', () => {
    const annotated = {
      ...smoke,
      metadata: { ...smoke.metadata, annotations: { 'bench.dev/source-revision': 'main@sha1:abc1234' } },
    };
    const [fromSuite] = renderSuiteJobs({ ...input, suite: annotated });
    expect(fromSuite!.metadata!.annotations!['bench.dev/source-revision']).toBe('main@sha1:abc1234');
    const [given] = renderSuiteJobs({ ...input, suite: annotated, sourceRevision: 'v2', round: 3 });
    expect(given!.metadata!.annotations!['bench.dev/source-revision']).toBe('v2');
    expect(given!.metadata!.name).toBe('smoke-3-hello-gpt-4o-mini');
  });

  it('refuses what the operator would never see: missing policies, duplicates, manifests the API server rejects', () => {
    expect(() => renderSuiteJobs({ ...input, schedulePolicies: [] })).toThrow(
      new RenderError('BenchmarkSuite smoke uses SchedulePolicy adhoc-cpu, which is not given'),
    );
    expect(() => renderSuiteJobs({ ...input, providerPolicies: [] })).toThrow(
      /uses ProviderPolicy openai, which is not given/,
    );
    expect(() =>
      renderSuiteJobs({
        ...input,
        providerPolicies: [...input.providerPolicies, input.providerPolicies[0]!],
      }),
    ).toThrow(/ProviderPolicy openai is given more than once/);
    const reserved = {
      ...smoke,
      spec: { ...smoke.spec, runner: { image: 'x', env: [{ name: 'BENCH_X', value: '1' }] } },
    };
    expect(() => renderSuiteJobs({ ...input, suite: reserved })).toThrow(
      /the API server would reject BenchmarkSuite smoke:\n {2}spec\.runner\.env\[0\]\.name: Invalid value: env BENCH_X is reserved/,
    );
  });

  it('renders every suite of a set of manifests with the policies among them', () => {
    const rendered = renderSuites(
      examples.filter((m) => m.object.kind === 'BenchmarkSuite'),
      examples,
      { namespace: 'default', round: 1 },
    );
    expect(rendered.map((r) => [r.suite.metadata.name, r.jobs.length])).toEqual([
      ['smoke', 2],
      ['nightly-eval', 6],
    ]);
  });
});
