// benchctl run-local, run as a process: the real bench-runner started with the Job's environment,
// against a loopback OpenAI-compatible provider.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startOpenAICompatibleFake } from '../../../../runner/test/fakes/openai-compatible.ts';
import type { FakeProvider } from '../../../../runner/test/fakes/core.ts';
import { benchctl } from '../../../../test/support/benchctl.ts';
import { createRepo, type TempRepo } from '../../../../test/support/git-repo.ts';

const KEY = 'sk-run-local-5e6f';
let fake: FakeProvider;
let dir: TempRepo;

const items = Array.from({ length: 5 }, (_, i) =>
  JSON.stringify({ id: `q${i}`, prompt: `What is ${i} + ${i}?`, expected: 2 * i }),
);

function manifests(endpoint: string): string {
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'datasets' },
      data: { 'sums.jsonl': `${items.join('\n')}\n` },
    },
    {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'ProviderPolicy',
      metadata: { name: 'local-llm' },
      spec: {
        provider: 'openai-compatible',
        endpoint,
        credentialsSecretRef: { name: 'llm-credentials' },
        // The fake provider listens on loopback over plain http.
        allowPlainHTTP: true,
        rateLimit: { requestsPerMinute: 600 },
      },
    },
    {
      apiVersion: 'bench.dev/v1alpha1',
      kind: 'BenchmarkSuite',
      metadata: { name: 'local' },
      spec: {
        runner: {
          image: 'ghcr.io/bench-operator/bench-runner:0.1.0',
          args: ['--dataset=env:DATASET'],
          env: [{ name: 'SCORER', value: 'numeric' }],
        },
        targets: [
          {
            name: 'llama',
            providerRef: 'local-llm',
            model: 'llama-3.1-8b',
            parameters: { temperature: '0.5' },
          },
        ],
        benchmarks: [
          {
            name: 'sums',
            shards: 2,
            args: ['--scorer=$(SCORER)', '--max-output-tokens=$(MAX_TOKENS)'],
            env: [
              { name: 'MAX_TOKENS', value: '32' },
              { name: 'DATASET', valueFrom: { configMapKeyRef: { name: 'datasets', key: 'sums.jsonl' } } },
            ],
          },
          {
            name: 'secretive',
            env: [{ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf', key: 'token' } } }],
          },
        ],
      },
    },
  ]
    .map((m) => stringify(m))
    .join('---\n');
}

beforeEach(async () => {
  fake = await startOpenAICompatibleFake({
    apiKey: KEY,
    answer: (prompt) => {
      const [, a, b] = /What is (\d+) \+ (\d+)/.exec(prompt.messages[0]!.content)!;
      return `#### ${Number(a) + Number(b)}`;
    },
  });
  dir = await createRepo('benchctl-run-local-');
  dir.write('suite.yaml', manifests(`${fake.url}/v1`));
});
afterEach(async () => {
  await fake.close();
  dir.remove();
});

describe('benchctl run-local', { timeout: 120_000 }, () => {
  it('runs bench-runner with the run’s Job environment: provider, model, parameters, ConfigMap dataset, shard, args, key from here', async () => {
    const result = await benchctl(
      ['run-local', 'local', 'sums', 'llama', '--path', 'suite.yaml', '--index', '1'],
      {
        cwd: dir.dir,
        env: { BENCH_API_KEY: KEY },
      },
    );
    expect(result.code, result.stderr).toBe(0);
    // Shard 1 of 2: the items at odd positions, sent as the Job's runner would send them.
    expect(fake.requests.map((r) => r.body)).toEqual(
      [1, 3].map((i) => ({
        model: 'llama-3.1-8b',
        messages: [{ role: 'user', content: `What is ${i} + ${i}?` }],
        max_tokens: 32,
        temperature: 0.5,
      })),
    );
    expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    const results = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; correct: boolean });
    expect(results.map((r) => [r.id, r.correct])).toEqual([
      ['q1', true],
      ['q3', true],
    ]);
    expect(result.stderr).toContain("running shard 1 of sums's 2 (--index)");
    expect(result.stderr).toMatch(
      /bench-runner: local\/sums-llama: 2 items \(shard 2 of 2, 5 in the dataset\)/,
    );
    expect(result.stderr).toMatch(
      /bench-runner exited with code 0; termination message: \{"score":1,"metrics":\{"items":2,/,
    );
    expect(result.stderr).not.toContain(KEY);
  });

  it('takes the key from --api-key-env, and exits with bench-runner’s code (12: the provider rejected it)', async () => {
    const ok = await benchctl(
      ['run-local', 'local', 'sums', 'llama', '--path', 'suite.yaml', '--api-key-env', 'MY_KEY'],
      {
        cwd: dir.dir,
        env: { MY_KEY: KEY, BENCH_API_KEY: 'sk-not-this-one' },
      },
    );
    expect(ok.code, ok.stderr).toBe(0);
    const rejected = await benchctl(['run-local', 'local', 'sums', 'llama', '--path', 'suite.yaml'], {
      cwd: dir.dir,
      env: { BENCH_API_KEY: 'sk-wrong' },
    });
    expect(rejected.code).toBe(12);
    expect(rejected.stderr).toContain('"error":"the provider rejected the credentials"');
  });

  it('--env replaces a variable of the Job (here the endpoint) and stands in for a Secret it cannot read', async () => {
    const unread = await benchctl(['run-local', 'local', 'secretive', 'llama', '--path', 'suite.yaml'], {
      cwd: dir.dir,
    });
    expect(unread.code).toBe(1);
    expect(unread.stderr).toContain(
      'HF_TOKEN comes from Secret hf (key token), which benchctl does not read',
    );

    const elsewhere = await benchctl(
      [
        'run-local',
        'local',
        'sums',
        'llama',
        '--path',
        'suite.yaml',
        '--env',
        'BENCH_ENDPOINT=http://127.0.0.1:9/v1',
        '--env',
        'BENCH_API_KEY',
      ],
      { cwd: dir.dir, env: { BENCH_API_KEY: KEY } },
    );
    // Nothing listens on the discard port: the provider is unavailable.
    expect(elsewhere.code).toBe(10);
    expect(fake.requests).toEqual([]);
  });

  it('names the benchmarks and targets when the run is not there (exit 1), and checks --index', async () => {
    const missing = await benchctl(['run-local', 'local', 'mmlu', 'llama', '--path', 'suite.yaml'], {
      cwd: dir.dir,
    });
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toContain(
      'BenchmarkSuite local has no run mmlu × llama: its benchmarks are sums, secretive; its targets llama',
    );
    const index = await benchctl(
      ['run-local', 'local', 'sums', 'llama', '--path', 'suite.yaml', '--index', '2'],
      { cwd: dir.dir },
    );
    expect(index.code).toBe(1);
    expect(index.stderr).toContain('--index 2: sums has 2 shard(s), 0 to 1');
  });
});
