// The Jobs of suites at the extremes of what the CRD admits (the longest dotted and undotted suite
// names, the longest benchmark and target names, the most shards, huge rounds and attempts), made by
// the operator's own renderer, are accepted by the real API server, and so are the pods the Job
// controller would make of them: the API server refuses an Indexed Job whose pod hostname
// `<job>-<last index>` is not a DNS label, and a Job name that is not a DNS label only draws a warning
// on create, while its pods' names and hostnames would carry the dots.
import pLimit from 'p-limit';
import { beforeAll, describe, expect, it } from 'vitest';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import type { BenchmarkSuite, ProviderPolicy } from '../../operator/src/api/index.ts';
import { renderJob } from '../../operator/src/core/render/job.ts';
import { MAX_JOB_NAME_LENGTH, MAX_SHARDS } from '../../operator/src/core/render/names.ts';
import { applyDefaults } from '../../operator/src/validation/validate.ts';
import { dryRun, serverErrors } from '../support/dry-run.ts';
import { kubectl } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { waitFor } from '../support/wait.ts';

const namespace = useNamespace('names');

/** The CRD's limits (crds/bench.dev_benchmarksuites.yaml): suite names by a CEL rule, the rest by maxLength. */
const SUITE_NAME = 63;
const BENCHMARK_NAME = 40;
const TARGET_NAME = 20;
const INT32_MAX = 2 ** 31 - 1;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `<stem>` padded with `fill` to `length` characters, ending in an alphanumeric. */
const padded = (stem: string, length: number, fill = 'x') => `${stem}${fill.repeat(length - stem.length)}`;

const provider: ProviderPolicy = applyDefaults({
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'ProviderPolicy',
  metadata: { name: padded('provider-', 63) },
  spec: { provider: 'openai-compatible', endpoint: 'http://models.example:8000/v1' },
});

const longestBenchmark = padded('sharded-', BENCHMARK_NAME);
const longestTarget = padded('target-', TARGET_NAME);

function suite(name: string, benchmarks: BenchmarkSuite['spec']['benchmarks'], target = longestTarget) {
  return applyDefaults<BenchmarkSuite>({
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkSuite',
    metadata: { name, uid: '00000000-0000-0000-0000-000000000001', generation: 1 },
    spec: {
      runner: { image: 'ghcr.io/bench-operator/bench-runner:0.1.0' },
      targets: [{ name: target, providerRef: provider.metadata.name!, model: 'gpt-4o-mini' }],
      benchmarks,
    },
  });
}

const benchmarks: BenchmarkSuite['spec']['benchmarks'] = [
  { name: longestBenchmark, shards: MAX_SHARDS },
  { name: padded('single-', BENCHMARK_NAME), shards: 1 },
  { name: 'two-shards', shards: 2 },
];

/** A readable Job name of exactly MAX_JOB_NAME_LENGTH: the longest that is not cut. */
const fullTarget = 't'.repeat(MAX_JOB_NAME_LENGTH - `s-1-${longestBenchmark}-`.length);

const suites = [
  suite(padded('team-a.nightly.evals.example.com.', SUITE_NAME, 'a'), benchmarks),
  suite(padded('a-suite-name-as-long-as-the-crd-allows-', SUITE_NAME), benchmarks),
  suite('s', [{ name: longestBenchmark, shards: MAX_SHARDS }], fullTarget),
];

const ATTEMPTS: Array<{ round: number; attempt: number }> = [
  { round: 1, attempt: 1 },
  { round: 1, attempt: 2 },
  { round: Number.MAX_SAFE_INTEGER, attempt: INT32_MAX },
];

const jobs: V1Job[] = suites.flatMap((s) =>
  s.spec.benchmarks.flatMap((benchmark) =>
    ATTEMPTS.map(({ round, attempt }) =>
      renderJob({
        suite: { ...s, metadata: { ...s.metadata, namespace: 'ignored' } },
        round,
        benchmark,
        target: s.spec.targets[0],
        attempt,
        provider,
        model: s.spec.targets[0].model,
      }),
    ),
  ),
);

const json = (object: object, ns: string) =>
  JSON.stringify({ ...object, metadata: { ...(object as V1Job).metadata, namespace: ns } });

/**
 * The pod the Job controller makes for one index of an Indexed Job (pkg/controller/job, v1.36):
 * the template with the index, the hostname `<job>-<index>` and the generateName of
 * podGenerateNameWithIndex; the API server adds the job-name labels to the template.
 */
function indexedPod(job: V1Job, index: number): V1Pod {
  const name = job.metadata!.name!;
  const appendIndex = `-${index}-`;
  const generateName =
    `${name}${appendIndex}`.length > 58
      ? name.slice(0, 58 - appendIndex.length) + appendIndex
      : `${name}${appendIndex}`;
  const template = job.spec!.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName,
      labels: {
        ...template.metadata!.labels,
        'job-name': name,
        'batch.kubernetes.io/job-name': name,
        'batch.kubernetes.io/job-completion-index': String(index),
      },
      annotations: {
        ...template.metadata!.annotations,
        'batch.kubernetes.io/job-completion-index': String(index),
      },
    },
    spec: { ...template.spec!, hostname: `${name}-${index}` },
  };
}

beforeAll(async () => {
  // Pods are refused until the namespace's default ServiceAccount exists.
  await waitFor('the namespace to have its default ServiceAccount', async () => {
    const { code, stderr } = await kubectl(['get', 'serviceaccount', 'default'], {
      namespace: namespace(),
      allowFailure: true,
    });
    return { done: code === 0, seen: stderr.trim() };
  });
});

describe('Job names at the CRD’s extremes', () => {
  it('come from suites, a ProviderPolicy and names the API server admits', async () => {
    for (const object of [provider, ...suites]) {
      const result = await dryRun(json(object, namespace()), namespace());
      expect(
        result.code === 0 ? [] : serverErrors(result.stderr),
        `${object.kind} ${object.metadata.name}`,
      ).toEqual([]);
    }
    expect(suites[0]!.metadata.name).toHaveLength(SUITE_NAME);
    expect(suites[0]!.metadata.name).toContain('.');
    expect(suites[1]!.metadata.name).toHaveLength(SUITE_NAME);
  });

  it('are DNS labels that leave room for the last shard’s hostname, and readable when they fit', () => {
    for (const job of jobs) {
      const name = job.metadata!.name!;
      expect(name, name).toMatch(DNS_LABEL);
      expect(name.length, name).toBeLessThanOrEqual(MAX_JOB_NAME_LENGTH);
      const shards = job.spec!.completions!;
      if (shards > 1) expect(`${name}-${shards - 1}`.length, name).toBeLessThanOrEqual(63);
    }
    expect(jobs.map((j) => j.metadata!.name)).toContain(`s-1-${longestBenchmark}-${fullTarget}`);
    expect(new Set(jobs.map((j) => j.metadata!.name)).size).toBe(jobs.length);
  });

  it('are accepted by the API server, without a warning, Indexed Jobs of the most shards included', async () => {
    expect(jobs.some((j) => j.spec!.completionMode === 'Indexed' && j.spec!.completions === MAX_SHARDS)).toBe(
      true,
    );
    const answers = await pLimit(4).map(jobs, async (job) => {
      const result = await dryRun(json(job, namespace()), namespace());
      return { job: job.metadata!.name!, code: result.code, stderr: result.stderr.trim() };
    });
    expect(answers.filter((a) => a.code !== 0 || a.stderr !== '')).toEqual([]);
  });

  it('give the pods of every index a name and hostname the API server accepts', async () => {
    const pods = jobs
      .filter((job) => job.spec!.completionMode === 'Indexed')
      .flatMap((job) => [0, job.spec!.completions! - 1].map((index) => indexedPod(job, index)));
    for (const pod of pods) expect(pod.spec!.hostname!, pod.spec!.hostname).toMatch(DNS_LABEL);
    const answers = await pLimit(4).map(pods, async (pod) => {
      const result = await kubectl(
        ['create', '--dry-run=server', '-o', 'jsonpath={.metadata.name}', '-f', '-'],
        {
          input: json(pod, namespace()),
          namespace: namespace(),
          allowFailure: true,
        },
      );
      return {
        hostname: pod.spec!.hostname!,
        code: result.code,
        name: result.stdout,
        stderr: result.stderr.trim(),
      };
    });
    expect(answers.filter((a) => a.code !== 0 || a.stderr !== '')).toEqual([]);
    for (const answer of answers) {
      expect(answer.name, answer.hostname).toMatch(DNS_LABEL);
      expect(answer.name.length, answer.hostname).toBeLessThanOrEqual(63);
    }
  });
});
