// The judge scorer against a loopback OpenAI-compatible fake playing the judge: the verdicts it
// gives, the ones it botches (malformed, off the scale), its failures, and its own rate limits.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../operator/src/runtime/time/fake-clock.ts';
import { waitFor } from '../../../test/support/wait.ts';
import type { FakePrompt, FakeProvider } from '../../test/fakes/core.ts';
import { startOpenAICompatibleFake } from '../../test/fakes/openai-compatible.ts';
import { parseArguments, type BenchmarkOptions } from '../config/args.ts';
import { readEnvironment } from '../config/env.ts';
import { ConfigError } from '../config/errors.ts';
import { parseDataset, type DatasetItem } from '../dataset/items.ts';
import { answeredResult, failedResult } from '../evaluate/item-result.ts';
import type { CompletionResponse } from '../providers/types.ts';
import { createJudge, judgeRubric } from './create-judge.ts';
import { JudgeFailure } from './judgement.ts';

const JUDGE_KEY = 'sk-judge-7f3a9c1e5d';

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** The judge's replies in turn (the last one repeats). */
async function startJudge(...replies: string[]): Promise<FakeProvider> {
  let asked = 0;
  fake = await startOpenAICompatibleFake({
    apiKey: JUDGE_KEY,
    answer: () => ({
      text: replies[Math.min(asked++, replies.length - 1)]!,
      inputTokens: 100,
      outputTokens: 10,
    }),
  });
  return fake;
}

function contract(judge: FakeProvider, extra: Record<string, string> = {}) {
  return {
    BENCH_PROVIDER: 'openai',
    BENCH_MODEL: 'target-model',
    BENCH_API_KEY: 'sk-target-0b1c2d3e4f',
    BENCH_JUDGE_PROVIDER: 'openai-compatible',
    BENCH_JUDGE_MODEL: 'judge-model',
    BENCH_JUDGE_ENDPOINT: `${judge.url}/v1`,
    BENCH_JUDGE_API_KEY: JUDGE_KEY,
    BENCH_JUDGE_ALLOW_PLAIN_HTTP: 'true',
    BENCH_JUDGE_PARAMETERS: JSON.stringify({ temperature: '0', maxTokens: '200' }),
    ...extra,
  };
}

const ITEM = {
  id: 'q1',
  prompt: 'Explain why the sky is blue.',
  reference: 'Rayleigh scattering of sunlight.',
  rubric: 'Names Rayleigh scattering.',
};

function setUp(
  judge: FakeProvider,
  {
    args = [] as string[],
    env = {},
    items = [ITEM] as object[],
    clock = undefined as FakeClock | undefined,
  } = {},
) {
  const options = parseArguments(
    ['--dataset', 'x', '--scorer', 'judge', '--max-attempts', '1', ...args],
    () => {},
  ) as BenchmarkOptions;
  const runner = readEnvironment(contract(judge, env));
  const dataset = parseDataset(items.map((item) => JSON.stringify(item)).join('\n'), {
    mode: 'accuracy',
    defaultScorer: options.scorer,
    judge: { ...options.judge, rubric: options.judge.rubric !== undefined },
  });
  const cancel = new AbortController();
  const grade = createJudge({
    items: dataset,
    runner,
    options,
    rubric: judgeRubric(dataset, options, { RUBRIC: 'Is polite.' }),
    signal: cancel.signal,
    onRetry: () => {},
    log: () => {},
    ...(clock ? { clock } : {}),
  })!;
  return { grade, items: dataset, cancel };
}

const answer = (text: string): CompletionResponse => ({
  text,
  usage: { inputTokens: 12, outputTokens: 34 },
  finishReason: 'stop',
  latencyMs: 5,
});

const lastUser = (prompt: FakePrompt | undefined) => prompt!.messages.at(-1)!.content;

describe('the judge scorer', () => {
  it('asks the judge model with its own key and parameters, and scores the item by the verdict', async () => {
    const judge = await startJudge('{"score": 1, "reason": "It names Rayleigh scattering."}');
    const { grade, items } = setUp(judge);
    const judgement = await grade(items[0]!, answer('Because of Rayleigh scattering.'));
    expect(judgement).toEqual({
      correct: true,
      record: {
        score: 1,
        reason: 'It names Rayleigh scattering.',
        usage: { inputTokens: 100, outputTokens: 10 },
      },
    });
    expect(judge.requests).toHaveLength(1);
    const request = judge.lastRequest();
    expect(request.headers.authorization).toBe(`Bearer ${JUDGE_KEY}`);
    expect(request.body).toMatchObject({ model: 'judge-model', temperature: 0, max_tokens: 200 });
    const asked = lastUser(request.prompt);
    for (const text of [ITEM.prompt, ITEM.rubric, ITEM.reference, 'Because of Rayleigh scattering.']) {
      expect(asked).toContain(text);
    }
    expect(request.prompt!.messages[0]!.content).toContain(
      '{"score": <0-1>, "reason": "<one or two sentences>"}',
    );

    // The item's result: correct by the verdict, the answer's usage apart from the judge's.
    expect(answeredResult(items[0]!, answer('x'), judgement)).toMatchObject({
      correct: true,
      usage: { inputTokens: 12, outputTokens: 34 },
      judge: { score: 1, usage: { inputTokens: 100, outputTokens: 10 } },
    });
  });

  it('passes an item at --judge-pass or above on an ordinal scale, with --judge-rubric for items without a rubric', async () => {
    const judge = await startJudge('```json\n{"score": 3, "reason": "Partly."}\n```');
    const item = { id: 'q2', prompt: 'Say hi' };
    const { grade, items } = setUp(judge, {
      args: ['--judge-scale', '1-5', '--judge-pass', '3', '--judge-rubric', 'env:RUBRIC'],
      items: [item],
    });
    expect(await grade(items[0]!, answer('hi'))).toMatchObject({ correct: true, record: { score: 3 } });
    expect(lastUser(judge.lastRequest().prompt)).toContain('Is polite.');
    const strict = setUp(judge, {
      args: ['--judge-scale', '1-5', '--judge-rubric', 'Is polite.'],
      items: [item],
    });
    expect(await strict.grade(strict.items[0]!, answer('hi'))).toMatchObject({
      correct: false,
      record: { score: 3 },
    });
  });

  it('asks once more, saying what was wrong, when the reply is not a verdict', async () => {
    const judge = await startJudge('The answer is good. Score: 1', '{"score": 1, "reason": "Good."}');
    const { grade, items } = setUp(judge);
    const judgement = await grade(items[0]!, answer('Rayleigh.'));
    expect(judgement).toMatchObject({
      correct: true,
      record: { score: 1, usage: { inputTokens: 200, outputTokens: 20 } },
    });
    expect(judge.requests).toHaveLength(2);
    const retry = judge.requests[1]!.prompt!.messages;
    expect(retry.at(-2)).toEqual({ role: 'assistant', content: 'The answer is good. Score: 1' });
    expect(retry.at(-1)!.content).toContain('That reply is not a valid verdict: it is not JSON.');
  });

  it.each([
    ['malformed JSON', '{"score": 1, "reason": "ok"', 'it is not JSON'],
    ['a score off the scale', '{"score": 6, "reason": "great"}', '"score" must be <= 5'],
    ['a score between the scale’s steps', '{"score": 3.5, "reason": "fine"}', '"score" must be integer'],
    [
      'a field besides score and reason',
      '{"score": 4, "reason": "ok", "confidence": 0.9}',
      'the verdict has a field "confidence" besides "score" and "reason"',
    ],
    ['no reason', '{"score": 4}', "the verdict must have required property 'reason'"],
  ])('counts an item as not scored after two replies with %s', async (_, reply, problem) => {
    const judge = await startJudge(reply);
    const { grade, items } = setUp(judge, { args: ['--judge-scale', '1-5'] });
    const judgement = await grade(items[0]!, answer('Rayleigh.'));
    expect(judgement).toEqual({
      correct: undefined,
      record: { unparseable: problem, usage: { inputTokens: 200, outputTokens: 20 } },
    });
    expect(judge.requests).toHaveLength(2);
    // Answered, but neither right nor wrong.
    const result = answeredResult(items[0]!, answer('Rayleigh.'), judgement);
    expect(result.status).toBe('answered');
    expect(result).not.toHaveProperty('correct');
  });

  it('fails the item with the judge provider’s failure, keeping what the answer cost', async () => {
    const judge = await startJudge('{"score": 1, "reason": "ok"}');
    judge.failAlways({ type: 'error', status: 503 });
    const { grade, items } = setUp(judge);
    const error = await grade(items[0]!, answer('Rayleigh.')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JudgeFailure);
    expect(error).toMatchObject({ kind: 'unavailable', answerUsage: { inputTokens: 12, outputTokens: 34 } });
    expect((error as Error).message).toMatch(/^the judge: /);
    expect(failedResult(items[0]!, error)).toMatchObject({
      status: 'failed',
      usage: { inputTokens: 12, outputTokens: 34 },
      judge: { usage: { inputTokens: 0, outputTokens: 0 } },
      error: { kind: 'unavailable' },
    });
  });

  it('stops the judge’s requests with the run’s cancellation, rejecting with its reason', async () => {
    const judge = await startJudge('{"score": 1, "reason": "ok"}');
    judge.failAlways({ type: 'hang' });
    const { grade, items, cancel } = setUp(judge);
    const graded = grade(items[0]!, answer('Rayleigh.'));
    await waitFor('the judge to be asked', () => ({
      done: judge.requests.length === 1,
      seen: judge.requests.length,
    }));
    const reason = new Error('the run stopped');
    cancel.abort(reason);
    await expect(graded).rejects.toBe(reason);
  });

  it('keeps to the judge’s own rate limits, not the target’s', async () => {
    const judge = await startJudge('{"score": 1, "reason": "ok"}');
    const items = [1, 2, 3].map((n) => ({ ...ITEM, id: `q${n}` }));
    // The target's limit of one request a minute does not hold the judge back...
    const unlimited = setUp(judge, { env: { BENCH_RATE_LIMIT_RPM: '1' }, items, clock: new FakeClock() });
    await Promise.all(unlimited.items.map((item) => unlimited.grade(item, answer('Rayleigh.'))));
    expect(judge.requests).toHaveLength(3);

    // ...while the judge's own two a minute does, whatever the target's.
    const clock = new FakeClock();
    const limited = setUp(judge, {
      env: { BENCH_RATE_LIMIT_RPM: '1000', BENCH_JUDGE_RATE_LIMIT_RPM: '2' },
      items,
      clock,
    });
    const graded = limited.items.map((item) => limited.grade(item, answer('Rayleigh.')));
    await waitFor('two judge requests sent and the third waiting for the judge’s budget', () => ({
      done: judge.requests.length === 5 && clock.pendingTimers() === 1,
      seen: `${judge.requests.length} requests, ${clock.pendingTimers()} timers`,
    }));
    clock.advance(60_000);
    await Promise.all(graded);
    expect(judge.requests).toHaveLength(6);
  });

  it('is not made when no item is judged, and refuses judged items without a judge', async () => {
    const judge = await startJudge('{"score": 1, "reason": "ok"}');
    const options = parseArguments(['--dataset', 'x'], () => {}) as BenchmarkOptions;
    const common = {
      options,
      rubric: undefined,
      signal: new AbortController().signal,
      onRetry: () => {},
      log: () => {},
    };
    const plain = parseDataset('{"prompt": "2+2?", "expected": 4, "scorer": "numeric"}', {
      mode: 'accuracy',
      defaultScorer: undefined,
    });
    const judged: DatasetItem[] = parseDataset(JSON.stringify({ ...ITEM, scorer: 'judge' }), {
      mode: 'accuracy',
      defaultScorer: undefined,
    });
    expect(
      createJudge({ ...common, items: plain, runner: readEnvironment(contract(judge)) }),
    ).toBeUndefined();
    const { BENCH_JUDGE_PROVIDER: _, ...noJudge } = contract(judge);
    expect(() => createJudge({ ...common, items: judged, runner: readEnvironment(noJudge) })).toThrow(
      ConfigError,
    );
    expect(() => createJudge({ ...common, items: judged, runner: readEnvironment(noJudge) })).toThrow(
      'items are scored by the judge, but BENCH_JUDGE_PROVIDER is not set',
    );
  });
});
