import { describe, expect, it } from 'vitest';
import type { Judge } from '../../api/v1alpha1/index.ts';
import { renderJob } from './job.ts';
import { jobInput } from './test-input.ts';

const graders = {
  metadata: { name: 'graders' },
  spec: {
    provider: 'openai-compatible' as const,
    endpoint: 'http://judge.local/v1',
    allowPlainHTTP: true,
    maxConcurrentRuns: 4,
    rateLimit: { requestsPerMinute: 600, tokensPerMinute: 100_000 },
    credentialsSecretRef: { name: 'graders-key', key: 'token' },
  },
};

function judged(judge: Judge) {
  const input = jobInput({ args: ['--dataset=/data/qa.jsonl'] }, { judge });
  return renderJob({ ...input, judge: { spec: judge, provider: graders } });
}

describe('a benchmark with a judge', () => {
  it('tells the run how to reach the judge’s provider, its key by reference, its share of the limits', () => {
    const job = judged({
      providerRef: 'graders',
      model: 'judge-1',
      parameters: { temperature: '0' },
      rubric: 'Grade factual accuracy against the reference.',
      scale: '1-5',
      passAt: 4,
    });
    const env = job.spec!.template.spec!.containers[0]!.env!;
    const judgeVariables = env.filter((v) => v.name.startsWith('BENCH_JUDGE_'));
    expect(judgeVariables).toEqual([
      { name: 'BENCH_JUDGE_PROVIDER', value: 'openai-compatible' },
      { name: 'BENCH_JUDGE_MODEL', value: 'judge-1' },
      { name: 'BENCH_JUDGE_ENDPOINT', value: 'http://judge.local/v1' },
      { name: 'BENCH_JUDGE_ALLOW_PLAIN_HTTP', value: 'true' },
      { name: 'BENCH_JUDGE_PARAMETERS', value: '{"temperature":"0"}' },
      // 600 requests and 100,000 tokens a minute over 4 concurrent runs.
      { name: 'BENCH_JUDGE_RATE_LIMIT_RPM', value: '150' },
      { name: 'BENCH_JUDGE_RATE_LIMIT_TPM', value: '25000' },
      { name: 'BENCH_JUDGE_API_KEY', valueFrom: { secretKeyRef: { name: 'graders-key', key: 'token' } } },
      { name: 'BENCH_JUDGE_RUBRIC', value: 'Grade factual accuracy against the reference.' },
    ]);
    expect(job.metadata!.labels!['bench.dev/judge-provider']).toBe('graders');
    // The judge's arguments first: the suite's own may still override them.
    expect(job.spec!.template.spec!.containers[0]!.args).toEqual([
      '--scorer=judge',
      '--judge-scale=1-5',
      '--judge-pass=4',
      '--judge-rubric=env:BENCH_JUDGE_RUBRIC',
      '--dataset=/data/qa.jsonl',
    ]);
  });

  it('grades pass-fail without a rubric variable when the spec gives none; a run without a judge has none of it', () => {
    const job = judged({ providerRef: 'graders', model: 'judge-1' });
    expect(job.spec!.template.spec!.containers[0]!.args).toEqual([
      '--scorer=judge',
      '--judge-scale=pass-fail',
      '--dataset=/data/qa.jsonl',
    ]);
    expect(job.spec!.template.spec!.containers[0]!.env!.map((v) => v.name)).not.toContain(
      'BENCH_JUDGE_RUBRIC',
    );
    const plain = renderJob(jobInput({}));
    expect(
      plain.spec!.template.spec!.containers[0]!.env!.some((v) => v.name.startsWith('BENCH_JUDGE_')),
    ).toBe(false);
    expect(plain.metadata!.labels).not.toHaveProperty('bench.dev/judge-provider');
  });
});
