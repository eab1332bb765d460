import { describe, expect, it } from 'vitest';
import type { BenchmarkSuite } from '../../api/v1alpha1/index.ts';
import type { ArtifactStore } from './artifact-store.ts';
import { resumeEnv } from './resume.ts';

const store: ArtifactStore = { bucket: 'bench', prefix: 'evals/', secret: 's' };
const suite = (resume?: BenchmarkSuite['spec']['resume']): Pick<BenchmarkSuite, 'metadata' | 'spec'> => ({
  metadata: { name: 'nightly', namespace: 'team-a' },
  spec: {
    runner: { image: 'runner' },
    targets: [{ name: 't', providerRef: 'p', model: 'm' }],
    benchmarks: [{ name: 'mmlu' }],
    ...(resume ? { resume } : {}),
  },
});
const env = (resume: BenchmarkSuite['spec']['resume'], artifacts?: ArtifactStore) =>
  Object.fromEntries(
    resumeEnv({ suite: suite(resume), round: 3, run: 'mmlu-t', artifacts }).map((v) => [v.name, v.value]),
  );

describe('resumeEnv', () => {
  it('keeps a run’s checkpoint in its round’s folder of the store by default: attempts of the run reuse it', () => {
    expect(env(undefined, store)).toEqual({
      BENCH_RESUME: 'attempts',
      BENCH_CHECKPOINT_URL: 's3://bench/evals/team-a/nightly/3/mmlu-t/checkpoint/',
    });
  });

  it('shares one folder between rounds with reuse: Rounds', () => {
    expect(env({ reuse: 'Rounds' }, store)).toEqual({
      BENCH_RESUME: 'rounds',
      BENCH_CHECKPOINT_URL: 's3://bench/evals/team-a/nightly/checkpoints/mmlu-t/',
    });
  });

  it('uses the suite’s directory rather than the store when it names one', () => {
    expect(env({ directory: '/checkpoints/' }, store)).toEqual({
      BENCH_RESUME: 'attempts',
      BENCH_CHECKPOINT_DIR: '/checkpoints/nightly/3/mmlu-t',
    });
    expect(env({ reuse: 'Rounds', directory: '/checkpoints' })).toEqual({
      BENCH_RESUME: 'rounds',
      BENCH_CHECKPOINT_DIR: '/checkpoints/nightly/rounds/mmlu-t',
    });
  });

  it('says off with reuse: Never, and names no folder where there is none', () => {
    expect(env({ reuse: 'Never' }, store)).toEqual({ BENCH_RESUME: 'off' });
    expect(env(undefined)).toEqual({ BENCH_RESUME: 'attempts' });
  });
});
