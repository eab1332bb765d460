import { PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { RunnerEnvironment } from '../config/env.ts';
import type { LmEvalResults } from '../contract/artifacts.ts';
import type { ItemResult } from '../evaluate/item-result.ts';
import type { ArtifactsDestination } from './destination.ts';
import { withArtifacts, type RunArtifactsContext } from './run-artifacts.ts';
import { ARTIFACTS_FAILED_METRIC, itemsJsonl, writeArtifacts } from './write-artifacts.ts';

const SECRET = 'sk-item-echoed-secret';
const clean = (text: string) => text.replaceAll(SECRET, '[REDACTED]');

const destination: ArtifactsDestination = {
  url: 's3://bench-artifacts/evals/team-a/nightly/3/mmlu-gpt/',
  bucket: 'bench-artifacts',
  prefix: 'evals/team-a/nightly/3/mmlu-gpt/',
  endpoint: 'http://store.internal:7070',
  region: 'us-east-1',
  hasCredentials: true,
};

const items: ItemResult[] = [
  { index: 2, line: 3, status: 'answered', correct: false, output: `it is ${SECRET}` },
  { index: 0, line: 1, status: 'answered', correct: true, output: 'B' },
];

/** A store that keeps what is put, or fails every request with `error`. */
function fakeStore(error?: Error) {
  const objects = new Map<string, { body: string; type: string | undefined }>();
  return {
    objects,
    send: (command: unknown) =>
      Promise.resolve().then(() => {
        if (!(command instanceof PutObjectCommand)) throw new Error('only PutObject is expected');
        if (error) throw error;
        const { Bucket, Key, Body, ContentType } = command.input;
        objects.set(`${Bucket}/${Key}`, { body: String(Body), type: ContentType });
        return {};
      }),
  };
}

function runner(
  shard = { index: 1, count: 2 },
  artifacts: ArtifactsDestination = destination,
): RunnerEnvironment {
  return {
    run: 'nightly/mmlu-gpt',
    provider: { type: 'openai', endpoint: undefined, apiKey: undefined, parameters: {} },
    model: 'gpt-4o',
    requestsPerMinute: undefined,
    tokensPerMinute: undefined,
    shard,
    terminationMessagePath: '/dev/null',
    identity: { suite: 'nightly', round: '3', run: 'mmlu-gpt', benchmark: 'mmlu', target: 'gpt' },
    artifacts,
  };
}

function context(
  env: RunnerEnvironment,
  store: ReturnType<typeof fakeStore>,
  lines: string[],
): RunArtifactsContext {
  return {
    runner: env,
    mode: 'accuracy',
    items: 3,
    results: items,
    startedAt: new Date('2026-12-07T10:00:00Z'),
    finishedAt: new Date('2026-12-07T10:00:10Z'),
    interrupted: false,
    clean,
    log: (line) => lines.push(line),
    client: store,
  };
}

const result = { score: 0.5, metrics: { accuracy: 0.5 }, usage: { inputTokens: 1, outputTokens: 1 } };

describe('withArtifacts', () => {
  it("writes the shard's items and results into shard-<i>/ of the run's folder, the result unchanged", async () => {
    const store = fakeStore();
    const lines: string[] = [];
    const withOutcomes = {
      ...result,
      outcomes: { shard: 1, shards: 2, items: 2, digest: '0123456789abcdef', correct: 'AQ==' },
    };
    expect(await withArtifacts(context(runner(), store, lines), withOutcomes)).toEqual(withOutcomes);
    expect([...store.objects.keys()]).toEqual([
      'bench-artifacts/evals/team-a/nightly/3/mmlu-gpt/shard-1/items.jsonl',
      'bench-artifacts/evals/team-a/nightly/3/mmlu-gpt/shard-1/results.json',
    ]);
    const jsonl = store.objects.get('bench-artifacts/evals/team-a/nightly/3/mmlu-gpt/shard-1/items.jsonl')!;
    expect(
      jsonl.body
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as ItemResult).index),
    ).toEqual([0, 2]);
    expect(jsonl.body).not.toContain(SECRET);
    const results = JSON.parse(
      store.objects.get('bench-artifacts/evals/team-a/nightly/3/mmlu-gpt/shard-1/results.json')!.body,
    ) as LmEvalResults;
    expect(results.results.mmlu?.['acc,none']).toBe(0.5);
    expect(results.bench_runner.shard).toEqual({ index: 1, count: 2 });
    expect(lines).toEqual([
      'artifacts written to s3://bench-artifacts/evals/team-a/nightly/3/mmlu-gpt/shard-1/ (2 objects)',
    ]);
  });

  it("writes a run of one shard into the run's folder itself", async () => {
    const store = fakeStore();
    await withArtifacts(context(runner({ index: 0, count: 1 }), store, []), result);
    expect([...store.objects.keys()]).toEqual([
      'bench-artifacts/evals/team-a/nightly/3/mmlu-gpt/items.jsonl',
      'bench-artifacts/evals/team-a/nightly/3/mmlu-gpt/results.json',
    ]);
  });

  it('leaves the result as it is without a store', async () => {
    const store = fakeStore();
    expect(await withArtifacts(context({ ...runner(), artifacts: undefined }, store, []), result)).toBe(
      result,
    );
    expect(store.objects.size).toBe(0);
  });

  it('writes nothing and says why when the namespace has no credentials Secret', async () => {
    const store = fakeStore();
    const lines: string[] = [];
    const env = runner(undefined, { ...destination, hasCredentials: false });
    expect(await withArtifacts(context(env, store, lines), result)).toEqual(result);
    expect(store.objects.size).toBe(0);
    expect(lines).toEqual([
      expect.stringMatching(/^no artifacts written: no credentials .*AWS_ACCESS_KEY_ID is not set/),
    ]);
  });

  it('keeps the result when the store refuses, adding artifactsFailed and logging the refusal without secrets', async () => {
    const denied = new S3ServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
      message: `Access Denied for ${SECRET}`,
    });
    const lines: string[] = [];
    const written = await withArtifacts(context(runner(), fakeStore(denied), lines), result);
    expect(written).toEqual({ ...result, metrics: { accuracy: 0.5, [ARTIFACTS_FAILED_METRIC]: 1 } });
    expect(lines).toEqual([
      'artifacts not written to s3://bench-artifacts/evals/team-a/nightly/3/mmlu-gpt/shard-1/: AccessDenied: Access Denied for [REDACTED] (HTTP 403)',
    ]);
  });
});

describe('writeArtifacts', () => {
  it('gives up when the store does not answer in time', async () => {
    const lines: string[] = [];
    const hanging = {
      send: (_command: unknown, options?: { abortSignal?: AbortSignal }) =>
        new Promise((_resolve, reject) =>
          options?.abortSignal?.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
    };
    const added = await writeArtifacts({
      destination,
      shard: { index: 0, count: 1 },
      items,
      results: {} as never,
      clean,
      log: (line) => lines.push(line),
      timeoutMs: 20,
      client: hanging as never,
    });
    expect(added).toEqual({ [ARTIFACTS_FAILED_METRIC]: 1 });
    expect(lines).toEqual([expect.stringMatching(/: no answer within 0.02 s$/)]);
  });
});

describe('itemsJsonl', () => {
  it('is one line per item in dataset order', () => {
    expect(itemsJsonl(items, clean)).toBe(
      `${JSON.stringify({ ...items[1] })}\n${JSON.stringify({ ...items[0], output: 'it is [REDACTED]' })}\n`,
    );
  });
});
