// bench-runner as a process with two loopback fakes, the target and the judge: the judge's verdicts
// in the results, its usage apart in the result, its key never shown, calibration's kappa as the score.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakePrompt, FakeProvider } from '../../test/fakes/core.ts';
import { startOpenAICompatibleFake } from '../../test/fakes/openai-compatible.ts';
import { jsonl, runRunner, workDir } from '../../test/runner-process.ts';

const TARGET_KEY = 'sk-target-5e6f7a8b9c';
const JUDGE_KEY = 'sk-judge-1a2b3c4d5e';

const ITEMS = [
  { id: 'sky', prompt: 'Why is the sky blue?', reference: 'Rayleigh scattering', label: 5 },
  { id: 'sea', prompt: 'Why is the sea salty?', reference: 'Dissolved minerals', label: 4 },
  { id: 'sun', prompt: 'What is the sun?', reference: 'A star', label: 1 },
];

/** The judge rates the answer about the sky 5, the sea 4, the sun a verdict it never gets right. */
function verdict(prompt: FakePrompt) {
  const asked = prompt.messages[1]!.content;
  // The judge echoes the key it was given back: it must not reach the output.
  if (asked.includes('sky'))
    return {
      text: `{"score": 5, "reason": "Right (key ${JUDGE_KEY})."}`,
      inputTokens: 200,
      outputTokens: 20,
    };
  if (asked.includes('sea'))
    return { text: '{"score": 4, "reason": "Mostly right."}', inputTokens: 200, outputTokens: 20 };
  return { text: 'I would say 3 out of 5.', inputTokens: 200, outputTokens: 20 };
}

let target: FakeProvider;
let judge: FakeProvider;
let dir: ReturnType<typeof workDir>;

beforeEach(async () => {
  dir = workDir();
  target = await startOpenAICompatibleFake({
    apiKey: TARGET_KEY,
    answer: () => ({ text: 'An answer.', inputTokens: 10, outputTokens: 3 }),
  });
  judge = await startOpenAICompatibleFake({ apiKey: JUDGE_KEY, answer: verdict });
});
afterEach(async () => {
  await Promise.all([target.close(), judge.close()]);
  dir.remove();
});

function contract(): Record<string, string> {
  return {
    BENCH_PROVIDER: 'openai-compatible',
    BENCH_MODEL: 'target-model',
    BENCH_ENDPOINT: `${target.url}/v1`,
    BENCH_API_KEY: TARGET_KEY,
    BENCH_ALLOW_PLAIN_HTTP: 'true',
    BENCH_JUDGE_PROVIDER: 'openai-compatible',
    BENCH_JUDGE_MODEL: 'judge-model',
    BENCH_JUDGE_ENDPOINT: `${judge.url}/v1`,
    BENCH_JUDGE_API_KEY: JUDGE_KEY,
    BENCH_JUDGE_ALLOW_PLAIN_HTTP: 'true',
    BENCH_JUDGE_RUBRIC: 'Agrees with the reference.',
  };
}

describe('bench-runner with a judge', { timeout: 120_000 }, () => {
  it('scores each answer by the judge’s verdict and reports the judge’s usage apart', async () => {
    const dataset = dir.file('items.jsonl', jsonl(ITEMS));
    const termination = dir.file('termination-log');
    const run = await runRunner(
      [
        '--dataset',
        dataset,
        '--scorer=judge',
        '--judge-scale=1-5',
        '--judge-rubric=env:BENCH_JUDGE_RUBRIC',
        '--judge-calibration',
      ],
      contract(),
      termination,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(target.requests).toHaveLength(3);
    // One verdict each for sky and sea; the sun's reply is no verdict, asked again once.
    expect(judge.requests).toHaveLength(4);
    expect(judge.requests.every((r) => r.headers.authorization === `Bearer ${JUDGE_KEY}`)).toBe(true);
    expect(judge.requests[0]!.prompt!.messages[1]!.content).toContain('Agrees with the reference.');

    const byId = Object.fromEntries(run.results.map((r) => [String(r.id), r]));
    expect(byId.sky).toMatchObject({ status: 'answered', correct: true, judge: { score: 5, label: 5 } });
    expect(byId.sea).toMatchObject({ correct: true, judge: { score: 4, reason: 'Mostly right.', label: 4 } });
    expect(byId.sun).toMatchObject({
      status: 'answered',
      judge: { unparseable: 'it is not JSON', label: 1 },
    });
    expect(byId.sun).not.toHaveProperty('correct');

    const result = JSON.parse(run.message) as Record<string, unknown>;
    expect(result).toMatchObject({
      usage: { inputTokens: 30, outputTokens: 9 },
      judgeUsage: { inputTokens: 800, outputTokens: 80 },
      metrics: { judgeItems: 3, judgeUnparseable: 1, judgeScoreMean: 4.5, judgeAgreement: 1, judgeKappa: 1 },
      score: 1,
    });
    expect(run.stdout + run.stderr + run.message).not.toContain(JUDGE_KEY);
    expect(run.stderr).toContain('judge: openai-compatible judge-model, 1-5 scale, passing from 4');
  });

  it("exits 22, not the target's 12, when the judge's provider rejects its key", async () => {
    const dataset = dir.file('items.jsonl', jsonl(ITEMS));
    const run = await runRunner(
      ['--dataset', dataset, '--scorer=judge', '--judge-scale=1-5', '--concurrency=1'],
      { ...contract(), BENCH_JUDGE_API_KEY: 'sk-judge-wrong' },
      dir.file('termination-log'),
    );
    expect(run.code, run.stderr).toBe(22);
    expect(run.message).toContain("the judge's provider rejected the credentials");
    // The first answer was asked for; its judge's refusal stopped the run.
    expect(target.requests).toHaveLength(1);
    expect(run.results[0]).toMatchObject({ status: 'failed', error: { kind: 'auth', judge: true } });
  });

  it('exits 2 when items are to be judged but the run has no judge', async () => {
    const dataset = dir.file('items.jsonl', jsonl(ITEMS));
    const { BENCH_JUDGE_PROVIDER: _, ...noJudge } = contract();
    const run = await runRunner(
      ['--dataset', dataset, '--scorer=judge', '--judge-scale=1-5'],
      noJudge,
      dir.file('termination-log'),
    );
    expect(run.code).toBe(2);
    expect(run.message).toContain('items are scored by the judge, but BENCH_JUDGE_PROVIDER is not set');
    expect(target.requests).toHaveLength(0);
  });
});
