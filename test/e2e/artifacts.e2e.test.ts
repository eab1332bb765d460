// Run artifacts end to end, in a real S3-compatible store (versitygw, test/support/s3.ts): the real
// bench-runner writes a two-shard run's items and lm-evaluation-harness results against the provider
// stand-in, a BenchmarkRound record points at them (applied with kubectl, as the operator writes
// it), and benchctl export reads them back in its three formats with the numbers of the runner's
// own result. A failed upload keeps the run's result; a record whose artifacts are gone, or that
// has none, or credentials the store refuses, give their clear errors.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { combineResults, parseRunResult } from '../../operator/src/core/suite/result.ts';
import type { LmEvalResults } from '../../runner/src/contract/artifacts.ts';
import type { FakePrompt, FakeProvider } from '../../runner/test/fakes/core.ts';
import { startOpenAICompatibleFake } from '../../runner/test/fakes/openai-compatible.ts';
import { jsonl, runRunner, workDir } from '../../runner/test/runner-process.ts';
import { benchctl, parseJson } from '../support/benchctl.ts';
import { kubectlApply } from '../support/kubectl.ts';
import { useNamespace } from '../support/namespace.ts';
import { kubeconfigPath } from '../support/paths.ts';
import { startS3Server, type S3Server } from '../support/s3.ts';

const namespace = useNamespace('artifacts');

/** Nine questions "What is n + 1?": the stand-in answers right but for n = 3 and n = 7. */
const ITEMS = Array.from({ length: 9 }, (_, n) => ({
  id: `q${n}`,
  prompt: `What is ${n} + 1?`,
  expected: n + 1,
  scorer: 'numeric',
}));
function answer(prompt: FakePrompt): string {
  const n = Number(/What is (\d+) \+ 1/.exec(prompt.messages.at(-1)!.content)![1]);
  return String(n === 3 || n === 7 ? n : n + 1);
}

let store: S3Server;
let fake: FakeProvider;
let dir: ReturnType<typeof workDir>;
beforeAll(async () => {
  [store, fake] = await Promise.all([startS3Server(), startOpenAICompatibleFake({ answer })]);
  dir = workDir();
});
afterAll(async () => {
  await Promise.all([store?.stop(), fake?.close()]);
  dir?.remove();
});

const runFolder = (ns: string, round: number) => `evals/${ns}/nightly/${round}/qa-local/`;

/** One shard of the run `qa-local` of suite `nightly`, as its Job's pod runs it. */
async function runShard(ns: string, index: number, credentials: Record<string, string>) {
  const termination = dir.file(`termination-${index}`);
  const exit = await runRunner(
    ['--dataset', dir.file('qa.jsonl', jsonl(ITEMS))],
    {
      BENCH_SUITE: 'nightly',
      BENCH_ROUND: '1',
      BENCH_RUN: 'qa-local',
      BENCH_BENCHMARK: 'qa',
      BENCH_TARGET: 'local',
      BENCH_PROVIDER: 'openai-compatible',
      BENCH_MODEL: 'llama-3-8b',
      BENCH_ENDPOINT: `${fake.url}/v1`,
      BENCH_SHARDS: '2',
      JOB_COMPLETION_INDEX: String(index),
      BENCH_ARTIFACTS_URL: `s3://${store.bucket}/${runFolder(ns, 1)}`,
      BENCH_ARTIFACTS_S3_ENDPOINT: store.endpoint,
      ...credentials,
    },
    termination,
  );
  return { ...exit, result: readFileSync(termination, 'utf8') };
}

const storeCredentials = () => ({
  AWS_ACCESS_KEY_ID: store.accessKeyId,
  AWS_SECRET_ACCESS_KEY: store.secretAccessKey,
});

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await store.client.send(new ListObjectsV2Command({ Bucket: store.bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!.slice(prefix.length)).sort();
}

/** The record the operator writes for the finished round, pointing at the run's folder. */
function roundRecord(
  ns: string,
  round: number,
  result: ReturnType<typeof combineResults>,
  artifacts?: string,
) {
  const { outcomes: _outcomes, ...recorded } = result;
  return {
    apiVersion: 'bench.dev/v1alpha1',
    kind: 'BenchmarkRound',
    metadata: {
      name: `nightly-${round}`,
      namespace: ns,
      labels: { 'bench.dev/suite': 'nightly', 'bench.dev/round': String(round) },
    },
    spec: {
      suite: 'nightly',
      round,
      phase: 'Succeeded',
      progress: '1/1',
      runs: [
        {
          name: 'qa-local',
          benchmark: 'qa',
          target: 'local',
          provider: 'local',
          model: 'llama-3-8b',
          state: 'Succeeded',
          attempt: 1,
          result: recorded,
          ...(artifacts ? { artifacts } : {}),
        },
      ],
    },
  };
}

function exportRound(ns: string, args: string[], env: Record<string, string> = storeCredentials()) {
  return benchctl(['export', 'nightly', '-n', ns, ...args], {
    env: { KUBECONFIG: kubeconfigPath, AWS_ENDPOINT_URL_S3: store.endpoint, AWS_PROFILE: undefined, ...env },
  });
}

describe('run artifacts', () => {
  it(
    "bench-runner writes each shard's artifacts; benchctl export reads them back with the runner's numbers",
    { timeout: 120_000 },
    async () => {
      const ns = namespace();
      const shards = await Promise.all([0, 1].map((index) => runShard(ns, index, storeCredentials())));
      for (const shard of shards) {
        expect(shard.code, shard.stderr).toBe(0);
        expect(shard.stderr).toMatch(
          /artifacts written to s3:\/\/bench-artifacts\/evals\/.*\/shard-\d\/ \(2 objects\)/,
        );
        expect(shard.stderr).not.toContain(store.secretAccessKey);
      }
      expect(await keysUnder(runFolder(ns, 1))).toEqual([
        'shard-0/items.jsonl',
        'shard-0/results.json',
        'shard-1/items.jsonl',
        'shard-1/results.json',
      ]);
      // The run's result as the operator combines its shards' termination messages.
      const result = combineResults(
        shards.map((s) => {
          const parsed = parseRunResult(s.result);
          if (!parsed.ok) throw new Error(`a shard's result is not readable: ${parsed.error}`);
          return parsed.result;
        }),
      );
      expect(result.score).toBeCloseTo(7 / 9, 4);
      const url = `s3://${store.bucket}/${runFolder(ns, 1)}`;
      await kubectlApply(stringify(roundRecord(ns, 1, result, url)), { namespace: ns });

      const lmEval = await exportRound(ns, ['--format', 'lm-eval']);
      expect(lmEval.stderr).toBe('');
      const merged = parseJson<Record<string, LmEvalResults>>(lmEval)['qa-local']!;
      expect(merged.results.qa!['acc,none']).toBeCloseTo(result.score!, 4);
      expect(merged['n-samples'].qa).toEqual({ original: 9, effective: result.metrics!.answeredItems });
      expect(merged).toMatchObject({
        model_name: 'llama-3-8b',
        bench_runner: { run: 'qa-local', shards: 2 },
      });

      const out = path.join(dir.dir, 'export');
      expect((await exportRound(ns, ['--format', 'lm-eval', '--output', out])).code).toBe(0);
      expect(JSON.parse(readFileSync(path.join(out, 'qa-local', 'results.json'), 'utf8'))).toEqual(merged);

      const lines = (await exportRound(ns, ['--format', 'jsonl'])).stdout.trimEnd().split('\n');
      const items = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(items).toHaveLength(9);
      expect(items.map((i) => i.id).sort()).toEqual(ITEMS.map((i) => i.id).sort());
      for (const item of items) {
        expect(item).toMatchObject({
          run: 'qa-local',
          benchmark: 'qa',
          target: 'local',
          model: 'llama-3-8b',
        });
        expect(item.shard).toBe(ITEMS.findIndex((i) => i.id === item.id) % 2);
      }
      expect(items.filter((i) => i.correct === true)).toHaveLength(result.metrics!.correctItems!);

      const csv = (await exportRound(ns, ['--format', 'csv'])).stdout.split('\r\n').filter(Boolean);
      expect(csv[0]).toBe('run,benchmark,target,model,shard,index,id,status,correct,latencyMs');
      expect(csv.slice(1)).toHaveLength(9);
      expect(csv.filter((row) => row.includes(',answered,true,'))).toHaveLength(7);

      // The store refuses other credentials: a failure (3) that says so.
      const denied = await exportRound(ns, ['--format', 'jsonl'], {
        AWS_ACCESS_KEY_ID: store.accessKeyId,
        AWS_SECRET_ACCESS_KEY: 'not-the-secret',
      });
      expect(denied.code).toBe(3);
      expect(denied.stderr).toMatch(
        /access denied reading s3:\/\/bench-artifacts\/evals\/.* check the credentials/,
      );

      // Retention is the bucket's: the record outlives its artifacts.
      const keys = await keysUnder(runFolder(ns, 1));
      await store.client.send(
        new DeleteObjectsCommand({
          Bucket: store.bucket,
          Delete: { Objects: keys.map((key) => ({ Key: `${runFolder(ns, 1)}${key}` })) },
        }),
      );
      const gone = await exportRound(ns, ['--format', 'lm-eval']);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain(
        `run qa-local: no artifacts at ${url} (deleted, e.g. by the bucket's lifecycle rules`,
      );

      // A round recorded without an artifact store.
      await kubectlApply(stringify(roundRecord(ns, 2, result)), { namespace: ns });
      const none = await exportRound(ns, ['--round', '2', '--format', 'csv']);
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('BenchmarkRound nightly-2 records no artifacts for run qa-local');
    },
  );

  it(
    "keeps the run's result and exit code when the store refuses the upload, and says so",
    { timeout: 60_000 },
    async () => {
      const ns = namespace();
      const refused = await runShard(ns, 0, {
        AWS_ACCESS_KEY_ID: store.accessKeyId,
        AWS_SECRET_ACCESS_KEY: 'wrong-secret-123',
      });
      expect(refused.code, refused.stderr).toBe(0);
      const parsed = parseRunResult(refused.result);
      expect(parsed.ok && parsed.result.metrics).toMatchObject({ artifactsFailed: 1, answeredItems: 5 });
      expect(refused.stderr).toMatch(
        /artifacts not written to s3:\/\/bench-artifacts\/.*\/shard-0\/: .*\(HTTP 403\)/,
      );
      expect(refused.stderr).not.toContain('wrong-secret-123');

      const without = await runShard(ns, 1, {});
      expect(without.code, without.stderr).toBe(0);
      expect(without.stderr).toContain('no artifacts written: no credentials for s3://bench-artifacts/');
      const metrics = parseRunResult(without.result);
      expect(metrics.ok && metrics.result.metrics).not.toHaveProperty('artifactsFailed');
    },
  );
});
