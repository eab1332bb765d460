// benchctl run-local on a suite that mounts its dataset (the smoke example as it is), run as a
// process: the real bench-runner reads the ConfigMap's key from the volume made here, or a folder
// given with --mount, and sends its items to a loopback OpenAI-compatible provider.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOpenAICompatibleFake } from '../../../../runner/test/fakes/openai-compatible.ts';
import type { FakeProvider } from '../../../../runner/test/fakes/core.ts';
import { benchctl } from '../../../../test/support/benchctl.ts';
import { examplesDir, loadExamples } from '../../../../test/support/crd-fixtures.ts';

const KEY = 'sk-run-local-volumes-7a1b';
const example = (file: string) => path.join(examplesDir, file);
// The smoke run and what it needs: its ProviderPolicy, SchedulePolicy and the datasets ConfigMap.
const smoke = (endpoint: string, ...more: string[]) => [
  'run-local',
  'smoke',
  'hello',
  'gpt-4o-mini',
  '--path',
  example('30-benchmarksuite-smoke.yaml'),
  '--policies',
  example('10-providerpolicy-openai.yaml'),
  example('11-providerpolicy-anthropic.yaml'),
  example('21-schedulepolicy-adhoc-cpu.yaml'),
  example('25-datasets.yaml'),
  '--env',
  `BENCH_ENDPOINT=${endpoint}/v1`,
  // The fake provider listens on loopback over plain http, and the example's policy expects https.
  '--env',
  'BENCH_ALLOW_PLAIN_HTTP=true',
  ...more,
];

const helloItems = (
  loadExamples()
    .flatMap((f) => f.manifests)
    .find((m) => m.kind === 'ConfigMap' && (m.metadata as { name: string }).name === 'bench-datasets')!
    .data as Record<string, string>
)['hello.jsonl']!;
const prompts = (jsonl: string) =>
  jsonl
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { prompt: string }).prompt);
const sent = (fake: FakeProvider) =>
  fake.requests.map((r) => (r.body as { messages: Array<{ content: string }> }).messages.at(-1)!.content);

let fake: FakeProvider;
let dir: string;
beforeEach(async () => {
  fake = await startOpenAICompatibleFake({ apiKey: KEY });
  dir = mkdtempSync(path.join(tmpdir(), 'run-local-volumes-'));
});
afterEach(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('benchctl run-local with volumes', { timeout: 120_000 }, () => {
  it('runs the smoke example as it is: the mounted ConfigMap’s key is the dataset, and the folder is removed after', async () => {
    const result = await benchctl(smoke(fake.url), { cwd: dir, env: { BENCH_API_KEY: KEY } });
    expect(result.code, result.stderr).toBe(0);
    const mounted = /^mounting ConfigMap bench-datasets at \/datasets: (.+)$/m.exec(result.stderr);
    expect(mounted, result.stderr).not.toBeNull();
    expect(existsSync(mounted![1]!)).toBe(false);
    expect(sent(fake).toSorted()).toEqual(prompts(helloItems).toSorted());
    expect(result.stderr).toMatch(/termination message: \{"score":[0-9.]+,"metrics":\{"items":6,/);
  });

  it('reads the dataset from a folder given with --mount instead', async () => {
    const mine = [
      { id: 'a', prompt: 'Say a', expected: 'a', scorer: 'exact' },
      { id: 'b', prompt: 'Say b', expected: 'b', scorer: 'exact' },
    ]
      .map((item) => JSON.stringify(item))
      .join('\n');
    mkdirSync(path.join(dir, 'mine'));
    writeFileSync(path.join(dir, 'mine/hello.jsonl'), mine);
    const result = await benchctl(smoke(fake.url, '--mount', '/datasets=mine'), {
      cwd: dir,
      env: { BENCH_API_KEY: KEY },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`mounting --mount at /datasets: ${path.join(dir, 'mine')}`);
    expect(sent(fake).toSorted()).toEqual(['Say a', 'Say b']);
  });

  it('refuses a --mount that is not <mount path>=<local path> (exit 2)', async () => {
    const result = await benchctl(smoke(fake.url, '--mount', 'datasets=mine'), { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '"datasets=mine" is not <mount path>=<local path>, e.g. /data=./datasets',
    );
    expect(fake.requests).toEqual([]);
  });
});
