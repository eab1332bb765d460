// bench-runner as a process, resuming: a run stopped by SIGTERM halfway keeps what it answered in
// its checkpoint directory, and the retry asks the provider only for the rest and ends with the
// results and score of an uninterrupted run.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakePrompt, FakeProvider } from '../../test/fakes/core.ts';
import { startOpenAICompatibleFake } from '../../test/fakes/openai-compatible.ts';
import { jsonl, runRunner, startRunner, workDir } from '../../test/runner-process.ts';
import type { RunResult } from '../contract/result.ts';

const ITEMS = Array.from({ length: 12 }, (_, i) => ({
  id: `q${i}`,
  prompt: `What is ${i} + ${i}?`,
  expected: 2 * i,
}));
/** Right for all but the items whose number is a multiple of 5. */
const answer = (prompt: FakePrompt) => {
  const n = Number(/What is (\d+)/.exec(prompt.messages.at(-1)!.content)![1]);
  return String(n % 5 === 0 ? 2 * n + 1 : 2 * n);
};

let fake: FakeProvider;
let dir: ReturnType<typeof workDir>;
beforeEach(async () => {
  dir = workDir();
  // Slow enough answers for the SIGTERM to arrive with items left.
  fake = await startOpenAICompatibleFake({ answer, delayMs: 100 });
});
afterEach(async () => {
  await fake.close();
  dir.remove();
});

const env = (extra: Record<string, string>) => ({
  BENCH_RUN: 'sums-local',
  BENCH_PROVIDER: 'openai-compatible',
  BENCH_MODEL: 'llama-3-8b',
  BENCH_ENDPOINT: `${fake.url}/v1`,
  BENCH_PARAMETERS: JSON.stringify({ temperature: '0', maxTokens: '16' }),
  ...extra,
});
const args = () => [
  '--dataset',
  dir.file('items.jsonl', jsonl(ITEMS)),
  '--scorer',
  'numeric',
  '--concurrency',
  '2',
];
const parse = (message: string) => JSON.parse(message) as Required<RunResult>;
const perItem = (results: Record<string, unknown>[]) =>
  results
    .map(({ id, status, correct, answer, output }) => ({ id, status, correct, answer, output }))
    .sort((a, b) => String(a.id).localeCompare(String(b.id)));

describe('bench-runner resume (process)', () => {
  it('asks a retried attempt only for the items the stopped one did not answer', async () => {
    const checkpoint = { BENCH_CHECKPOINT_DIR: dir.file('checkpoint') };
    const first = startRunner(args(), env(checkpoint), dir.file('first'));
    await first.waitForResults(4, 30_000);
    first.child.kill('SIGTERM');
    const stopped = await first.exited;
    expect(stopped.code, stopped.stderr).toBe(143);
    const kept = stopped.results.length;
    expect(kept).toBeLessThan(ITEMS.length);
    const asked = fake.requests.length;
    expect(asked).toBe(kept);

    const retry = await runRunner(args(), env(checkpoint), dir.file('retry'));
    expect(retry.code, retry.stderr).toBe(0);
    expect(fake.requests.length - asked).toBe(ITEMS.length - kept);
    expect(retry.stderr).toContain(`resume: ${kept} of ${ITEMS.length} items reused from `);

    const alone = await runRunner(args(), env({ BENCH_RESUME: 'off' }), dir.file('alone'));
    expect(alone.code, alone.stderr).toBe(0);
    expect(perItem(retry.results)).toEqual(perItem(alone.results));
    const [partial, resumed, uninterrupted] = [stopped, retry, alone].map((run) => parse(run.message)) as [
      Required<RunResult>,
      Required<RunResult>,
      Required<RunResult>,
    ];
    expect(resumed.score).toBe(uninterrupted.score);
    expect(resumed.metrics).toMatchObject({ items: 12, answeredItems: 12, reusedItems: kept });
    expect(uninterrupted.metrics.reusedItems).toBeUndefined();
    // Each request charged once: the stopped attempt's and the retry's usage make the uninterrupted run's.
    expect(partial.usage.inputTokens! + resumed.usage.inputTokens!).toBe(uninterrupted.usage.inputTokens);
    expect(partial.usage.outputTokens! + resumed.usage.outputTokens!).toBe(uninterrupted.usage.outputTokens);
    expect(resumed.metrics.reusedInputTokens).toBe(partial.usage.inputTokens);
  });
});
