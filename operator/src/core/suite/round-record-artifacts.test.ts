// The artifacts URL of each run in a round's record: the folder its Jobs were told (core/render/artifact-store.ts).
import { describe, expect, it } from 'vitest';
import type { BenchmarkSuite, RunStatus } from '../../api/v1alpha1/index.ts';
import { renderJob } from '../render/job.ts';
import { jobInput } from '../render/test-input.ts';
import type { SuiteStatus } from '../status/suite-status.ts';
import { roundRecordToCreate } from './round-record.ts';

const suite: BenchmarkSuite = {
  apiVersion: 'bench.dev/v1alpha1',
  kind: 'BenchmarkSuite',
  metadata: { name: 'smoke', namespace: 'team-a', uid: 'u-1' },
  spec: {
    runner: { image: 'runner' },
    targets: [{ name: 'gpt', providerRef: 'openai', model: 'gpt-4o-mini' }],
    benchmarks: [{ name: 'hello', shards: 2 }],
  },
};
const runs: RunStatus[] = [
  { name: 'hello-gpt', benchmark: 'hello', target: 'gpt', state: 'Succeeded', attempt: 1 },
];
const status: SuiteStatus = { round: 4, completionTime: '2026-12-07T10:20:00Z', runs };
const store = { bucket: 'bench-artifacts', prefix: 'evals/', secret: 'bench-artifacts' };

describe('roundRecordToCreate artifacts', () => {
  it("gives each run its folder in the store, without a shard: the shards' folders are below it", () => {
    const record = roundRecordToCreate(suite, status, [], store)!;
    expect(record.spec.runs?.map((r) => r.artifacts)).toEqual([
      's3://bench-artifacts/evals/team-a/smoke/4/hello-gpt/',
    ]);
  });

  it("is the URL the run's Job was given", () => {
    const record = roundRecordToCreate(suite, status, [], store)!;
    const job = renderJob({ ...jobInput({}), round: 4, artifacts: store });
    const env = job.spec!.template.spec!.containers[0]!.env!;
    expect(env.find((v) => v.name === 'BENCH_ARTIFACTS_URL')?.value).toBe(record.spec.runs?.[0]?.artifacts);
  });

  it('has no artifacts without a store', () => {
    expect(roundRecordToCreate(suite, status, [])!.spec.runs?.[0]).not.toHaveProperty('artifacts');
  });
});
