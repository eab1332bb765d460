// Run artifacts end to end, in a real S3-compatible store (versitygw, test/support/s3.ts): the real
// bench-runner writes a two-shard run's items and lm-evaluation-harness results against the provider
// stand-in, a BenchmarkRound record points at them (applied with kubectl, as the operator writes
// it), and benchctl export reads them back in its three formats with the numbers of the runner's
// own result. benchctl results --compare --items compares two targets' runs item by item from
// them, paired across shardings and failed items. A failed upload keeps the run's result; a record
// whose artifacts are gone, or that has none, or credentials the store refuses, give their clear
// errors.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { combineResults, parseRunResult } from '../../operator/src/core/suite/result.ts';
import type { ComparisonRow } from '../../operator/src/cli/round-results.ts';
import { newcombePairedInterval } from '../../operator/src/core/stats/newcombe-paired.ts';
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

/** Nine questions "What is n + 1?". */
const ITEMS = Array.from({ length: 9 }, (_, n) => ({
  id: `q${n}`,
  prompt: `What is ${n} + 1?`,
  expected: n + 1,
  scorer: 'numeric',
}));
/** The stand-in answers right but for these n, by model. */
const WRONG: Record<string, number[]> = { 'llama-3-8b': [3, 7], 'llama-3-70b': [5] };
const questionOf = (prompt: FakePrompt) =>
  Number(/What is (\d+) \+ 1/.exec(prompt.messages.at(-1)!.content)![1]);
function answer(prompt: FakePrompt): string {
  const n = questionOf(prompt);
  return String(WRONG[prompt.model]!.includes(n) ? n : n + 1);
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

const runFolder = (ns: string, round: number, run = 'qa-local') => `evals/${ns}/nightly/${round}/${run}/`;

/** A run of benchmark `qa` in round 1 of suite `nightly`: its target, model, shards, runner flags. */
interface QaRun {
  target: string;
  model: string;
  shards: number;
  args?: string[];
}
const LOCAL: QaRun = { target: 'local', model: 'llama-3-8b', shards: 2 };

/** One shard of a run of suite `nightly` (by default `qa-local` of round 1), as its Job's pod runs it. */
async function runShard(
  ns: string,
  index: number,
  credentials: Record<string, string>,
  run = LOCAL,
  round = 1,
) {
  const name = `qa-${run.target}`;
  const termination = dir.file(`termination-${name}-${index}`);
  const exit = await runRunner(
    ['--dataset', dir.file('qa.jsonl', jsonl(ITEMS)), ...(run.args ?? [])],
    {
      BENCH_SUITE: 'nightly',
      BENCH_ROUND: String(round),
      BENCH_RUN: name,
      BENCH_BENCHMARK: 'qa',
      BENCH_TARGET: run.target,
      BENCH_PROVIDER: 'openai-compatible',
      BENCH_MODEL: run.model,
      BENCH_ENDPOINT: `${fake.url}/v1`,
      BENCH_SHARDS: String(run.shards),
      JOB_COMPLETION_INDEX: String(index),
      BENCH_ARTIFACTS_URL: `s3://${store.bucket}/${runFolder(ns, round, name)}`,
      BENCH_ARTIFACTS_S3_ENDPOINT: store.endpoint,
      ...credentials,
    },
    termination,
  );
  return { ...exit, result: readFileSync(termination, 'utf8') };
}

/** McNemar's exact two-sided p-value: the binomial(½) test of the b + c items only one run got right. */
function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  let coefficient = 1; // n choose k
  let tail = 0;
  for (let k = 0; k <= Math.min(b, c); k++) {
    tail += coefficient;
    coefficient = (coefficient * (n - k)) / (k + 1);
  }
  return Math.min(1, (2 * tail) / 2 ** n);
}

const storeCredentials = () => ({
  AWS_ACCESS_KEY_ID: store.accessKeyId,
  AWS_SECRET_ACCESS_KEY: store.secretAccessKey,
});

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await store.client.send(new ListObjectsV2Command({ Bucket: store.bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!.slice(prefix.length)).sort();
}

/** The operator's combined result of a run's shards. */
function runResult(shards: Array<{ result: string }>) {
  return combineResults(
    shards.map((s) => {
      const parsed = parseRunResult(s.result);
      if (!parsed.ok) throw new Error(`a shard's result is not readable: ${parsed.error}`);
      return parsed.result;
    }),
  );
}

/** A run as the operator records it, pointing at the run's folder, without per-item outcomes. */
function recordedRun(run: QaRun, result: ReturnType<typeof combineResults>, artifacts?: string) {
  const { outcomes: _outcomes, ...recorded } = result;
  return {
    name: `qa-${run.target}`,
    benchmark: 'qa',
    target: run.target,
    provider: run.target,
    model: run.model,
    state: 'Succeeded',
    attempt: 1,
    result: recorded,
    ...(artifacts ? { artifacts } : {}),
  };
}

/** The record the operator writes for the finished round. */
function roundRecord(ns: string, round: number, runs: ReturnType<typeof recordedRun>[]) {
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
      progress: `${runs.length}/${runs.length}`,
      runs,
    },
  };
}

/** benchctl <command> nightly, with the store's endpoint and (by default) its credentials. */
function withStore(
  ns: string,
  command: string,
  args: string[],
  env: Record<string, string> = storeCredentials(),
) {
  return benchctl([command, 'nightly', '-n', ns, ...args], {
    env: { KUBECONFIG: kubeconfigPath, AWS_ENDPOINT_URL_S3: store.endpoint, AWS_PROFILE: undefined, ...env },
  });
}
const exportRound = (ns: string, args: string[], env?: Record<string, string>) =>
  withStore(ns, 'export', args, env);

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
      // Beside the artifacts, each shard's checkpoint of answered items (docs/results.md#resume).
      const artifacts = (await keysUnder(runFolder(ns, 1))).filter((key) => !key.startsWith('checkpoint/'));
      expect(artifacts).toEqual([
        'shard-0/items.jsonl',
        'shard-0/results.json',
        'shard-1/items.jsonl',
        'shard-1/results.json',
      ]);
      // The run's result as the operator combines its shards' termination messages.
      const result = runResult(shards);
      expect(result.score).toBeCloseTo(7 / 9, 4);
      const url = `s3://${store.bucket}/${runFolder(ns, 1)}`;
      await kubectlApply(stringify(roundRecord(ns, 1, [recordedRun(LOCAL, result, url)])), { namespace: ns });

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
      await kubectlApply(stringify(roundRecord(ns, 2, [recordedRun(LOCAL, result)])), { namespace: ns });
      const none = await exportRound(ns, ['--round', '2', '--format', 'csv']);
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('BenchmarkRound nightly-2 records no artifacts for run qa-local');
    },
  );

  it(
    "benchctl results --compare --items pairs two targets' runs on the items both answered, across shardings and failed items",
    { timeout: 120_000 },
    async () => {
      // Rounds 3 and 4 of the file's namespace: the first test records rounds 1 and 2.
      const ns = namespace();
      const local = await Promise.all(
        [0, 1].map((index) => runShard(ns, index, storeCredentials(), LOCAL, 3)),
      );
      // The other target: one shard, one request at a time, and the provider refuses its first (HTTP
      // 400, not retried): that item fails, within the run's allowance of failed items.
      const remote: QaRun = {
        target: 'remote',
        model: 'llama-3-70b',
        shards: 1,
        args: ['--concurrency', '1', '--max-failed-fraction', '0.2'],
      };
      const before = fake.requests.length;
      fake.inject({ type: 'error', status: 400 });
      const remoteShard = await runShard(ns, 0, storeCredentials(), remote, 3);
      for (const shard of [...local, remoteShard]) expect(shard.code, shard.stderr).toBe(0);
      const refused = questionOf(fake.requests[before]!.prompt!);
      const remoteResult = runResult([remoteShard]);
      expect(remoteResult.metrics).toMatchObject({ failedItems: 1, answeredItems: 8 });

      const urlOf = (run: string) => `s3://${store.bucket}/${runFolder(ns, 3, run)}`;
      await kubectlApply(
        stringify(
          roundRecord(ns, 3, [
            recordedRun(LOCAL, runResult(local), urlOf('qa-local')),
            recordedRun(remote, remoteResult, urlOf('qa-remote')),
          ]),
        ),
        { namespace: ns },
      );

      // What to expect, from what the stand-in answered: the items both answered are all but the
      // refused one; each model is right but for its WRONG answers.
      const both = ITEMS.map((_, n) => n).filter((n) => n !== refused);
      const right = (model: string, n: number) => !WRONG[model]!.includes(n);
      const count = (test: (n: number) => boolean) => both.filter(test).length;
      const pairs = {
        bothRight: count((n) => right(LOCAL.model, n) && right(remote.model, n)),
        onlyA: count((n) => right(LOCAL.model, n) && !right(remote.model, n)),
        onlyB: count((n) => !right(LOCAL.model, n) && right(remote.model, n)),
        bothWrong: count((n) => !right(LOCAL.model, n) && !right(remote.model, n)),
      };
      const meanLocal = (pairs.bothRight + pairs.onlyA) / both.length;
      const meanRemote = (pairs.bothRight + pairs.onlyB) / both.length;
      const pValue = mcnemarExact(pairs.onlyA, pairs.onlyB);
      const interval = newcombePairedInterval(pairs, 0.95);

      const json = await withStore(ns, 'results', [
        '--round',
        '3',
        '--compare',
        'local',
        'remote',
        '--items',
        '-o',
        'json',
      ]);
      expect(json.stderr).toBe('');
      const [comparison] = parseJson<{ comparisons: ComparisonRow[] }>(json).comparisons;
      expect(comparison, json.stdout).toMatchObject({
        benchmark: 'qa',
        a: 'local',
        b: 'remote',
        possible: true,
        paired: true,
        method: 'mcnemar-exact',
      });
      expect(comparison!.difference).toBeCloseTo(meanLocal - meanRemote, 12);
      expect(comparison!.low).toBeCloseTo(interval.low, 12);
      expect(comparison!.high).toBeCloseTo(interval.high, 12);
      expect(comparison!.pValue).toBeCloseTo(pValue, 12);

      const table = await withStore(ns, 'results', [
        '--round',
        '3',
        '--compare',
        'local',
        'remote',
        '--items',
      ]);
      expect(table.code, table.stderr).toBe(0);
      const line = table.stdout.split('\n').find((l) => l.startsWith('qa: local'));
      expect(line).toMatch(
        new RegExp(
          `^qa: local ${meanLocal.toFixed(3)} vs remote ${meanRemote.toFixed(3)}, .* McNemar p = ${pValue.toFixed(3)}; ` +
            `paired on the ${both.length} items both have \\(1 item only in local, 0 items only in remote left out\\)$`,
        ),
      );

      // The record kept no per-item outcomes: from it alone the runs are compared unpaired.
      const recorded = await withStore(ns, 'results', [
        '--round',
        '3',
        '--compare',
        'local',
        'remote',
        '-o',
        'json',
      ]);
      expect(parseJson<{ comparisons: ComparisonRow[] }>(recorded).comparisons[0]).toMatchObject({
        method: 'unpaired',
      });

      // A round recorded without an artifact store cannot be compared from its items.
      await kubectlApply(
        stringify(
          roundRecord(ns, 4, [recordedRun(LOCAL, runResult(local)), recordedRun(remote, remoteResult)]),
        ),
        { namespace: ns },
      );
      const none = await withStore(ns, 'results', [
        '--round',
        '4',
        '--compare',
        'local',
        'remote',
        '--items',
      ]);
      expect(none.code).toBe(1);
      expect(none.stderr).toContain('BenchmarkRound nightly-4 records no artifacts for run qa-local');
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
