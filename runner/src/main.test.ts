// bench-runner as a process against loopback fake providers: the requests it sends, the results and
// scores it reports, the exit code of each failure class, SIGTERM, and that the API key never shows.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRunResult } from '../../operator/src/core/suite/result.ts';
import type { FakePrompt, FakeProvider } from '../test/fakes/core.ts';
import { startFakeFor } from '../test/fakes/index.ts';
import { startOpenAICompatibleFake } from '../test/fakes/openai-compatible.ts';
import { PROVIDER_TYPES } from './config/env.ts';
import { jsonl, runRunner, startRunner, workDir } from '../test/runner-process.ts';
import { waitFor } from '../../test/support/wait.ts';

const KEY = 'sk-test-4c1f9e2d7b';

/** A small benchmark with one item of each scorer. */
const ITEMS = [
  { id: 'add', prompt: 'What is 17 + 25?', expected: 42, scorer: 'numeric', category: 'math' },
  {
    id: 'cap',
    system: 'Answer with a letter.',
    prompt: 'Capital of France? A) Rome B) Paris',
    expected: 'B',
    scorer: 'choice',
  },
  { id: 'hello', prompt: 'Say hello', expected: 'Hello!', scorer: 'exact', ignoreCase: true },
  { id: 'color', prompt: 'Name a primary color', expected: 'blue', scorer: 'contains' },
  { id: 'date', prompt: 'Today as ISO date', expected: '^\\d{4}-\\d{2}-\\d{2}$', scorer: 'regex' },
  {
    id: 'json',
    messages: [{ role: 'user', content: 'Give a person as JSON' }],
    expected: { type: 'object', required: ['name', 'age'], properties: { age: { type: 'integer' } } },
    scorer: 'json-schema',
  },
];

/** The model's answers: right for all but the regex item. */
function answer(prompt: FakePrompt): string {
  const asked = prompt.messages.at(-1)!.content;
  if (asked.includes('17 + 25')) return '17 + 25 = 42.\n#### 42';
  if (asked.includes('Capital')) return 'The answer is (B).';
  if (asked.includes('hello')) return '  hello!  ';
  if (asked.includes('primary')) return 'Blue, or rather blue.';
  if (asked.includes('ISO')) return 'It is the 3rd of December.';
  if (asked.includes('JSON')) return 'Here:\n```json\n{"name": "Ada", "age": 36}\n```';
  return 'ok';
}

let fake: FakeProvider;
let dir: ReturnType<typeof workDir>;
let termination: string;
let dataset: string;

beforeEach(async () => {
  dir = workDir();
  termination = dir.file('termination-log');
  dataset = dir.file('items.jsonl', jsonl(ITEMS));
  fake = await startOpenAICompatibleFake({ apiKey: KEY, answer });
});
afterEach(async () => {
  await fake.close();
  dir.remove();
});

function contract(extra: Record<string, string> = {}): Record<string, string> {
  return {
    BENCH_SUITE: 'smoke',
    BENCH_RUN: 'hello-local',
    BENCH_PROVIDER: 'openai-compatible',
    BENCH_MODEL: 'llama-3-8b',
    BENCH_ENDPOINT: `${fake.url}/v1`,
    BENCH_PARAMETERS: JSON.stringify({ temperature: '0', maxTokens: '64' }),
    BENCH_SHARDS: '1',
    BENCH_API_KEY: KEY,
    // The fakes listen on loopback over plain http: a ProviderPolicy with allowPlainHTTP.
    BENCH_ALLOW_PLAIN_HTTP: 'true',
    ...extra,
  };
}

const parse = (message: string) =>
  JSON.parse(message) as {
    score?: number;
    metrics: Record<string, number>;
    usage: { inputTokens: number; outputTokens: number };
    error?: string;
  };

describe('bench-runner', { timeout: 120_000 }, () => {
  it('sends each item as a chat completion with the target’s parameters, scores it, reports it and exits 0', async () => {
    const resultsFile = dir.file('results.jsonl');
    const run = await runRunner(
      ['--dataset', dataset, '--concurrency', '1', '--results-file', resultsFile],
      contract(),
      termination,
    );
    expect(run.code, run.stderr).toBe(0);

    expect(fake.requests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual(
      ITEMS.map(() => ['POST', '/v1/chat/completions', `Bearer ${KEY}`]),
    );
    expect(fake.requests[1]!.body).toEqual({
      model: 'llama-3-8b',
      messages: [
        { role: 'system', content: 'Answer with a letter.' },
        { role: 'user', content: 'Capital of France? A) Rome B) Paris' },
      ],
      max_tokens: 64,
      temperature: 0,
    });

    expect(run.results.map((r) => [r.id, r.status, r.correct])).toEqual([
      ['add', 'answered', true],
      ['cap', 'answered', true],
      ['hello', 'answered', true],
      ['color', 'answered', true],
      ['date', 'answered', false],
      ['json', 'answered', true],
    ]);
    expect(run.results[0]).toMatchObject({ index: 0, line: 1, category: 'math', answer: '42', expected: 42 });
    expect(run.results[1]).toMatchObject({ answer: 'B', output: 'The answer is (B).', finishReason: 'stop' });
    expect(readFileSync(resultsFile, 'utf8')).toBe(run.stdout);

    const result = parse(run.message);
    expect(result.score).toBe(0.8333);
    expect(result.metrics).toMatchObject({
      items: 6,
      answeredItems: 6,
      failedItems: 0,
      correctItems: 5,
      accuracy: 0.8333,
      'accuracy/math': 1,
      retries: 0,
    });
    expect(result.metrics.latencyP50Ms).toBeGreaterThan(0);
    const usage = run.results.reduce((sum, r) => sum + (r.usage as { inputTokens: number }).inputTokens, 0);
    expect(result.usage.inputTokens).toBe(usage);
    expect(result.error).toBeUndefined();
    expect(run.stderr).toMatch(/progress: 6\/6 items, 0 failed, accuracy 0\.8333/);
  });

  it('in latency mode streams every item and reports time to first token and output tokens per second', async () => {
    await fake.close();
    fake = await startOpenAICompatibleFake({
      apiKey: KEY,
      answer: () => 'one two three four five',
      chunkDelayMs: 5,
    });
    const run = await runRunner(
      ['--dataset', dataset, '--mode', 'latency'],
      contract({ BENCH_ENDPOINT: `${fake.url}/v1` }),
      termination,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(fake.requests.every((r) => (r.body as { stream?: boolean }).stream === true)).toBe(true);
    const result = parse(run.message);
    expect(result.metrics.timeToFirstTokenP50Ms).toBeGreaterThan(0);
    expect(result.metrics.timeToFirstTokenP50Ms).toBeLessThan(result.metrics.latencyP50Ms!);
    expect(result.metrics.outputTokensPerSecond).toBeGreaterThan(0);
    expect(result.score).toBe(result.metrics.outputTokensPerSecond);
    // Items that name a scorer are scored in latency mode too; the score stays the speed.
    expect(result.metrics.accuracy).toBe(0);
    expect(result.usage.outputTokens).toBe(5 * ITEMS.length);
  });

  it('takes only its shard’s items: JOB_COMPLETION_INDEX of BENCH_SHARDS', async () => {
    const run = await runRunner(
      ['--dataset', dataset],
      contract({ BENCH_SHARDS: '4', JOB_COMPLETION_INDEX: '1' }),
      termination,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.results.map((r) => r.index).sort()).toEqual([1, 5]);
    expect(parse(run.message).metrics.items).toBe(2);
  });

  it('fails with exit 2 before any request for a dataset with invalid lines, naming each line', async () => {
    const bad = dir.file(
      'bad.jsonl',
      `${JSON.stringify(ITEMS[0])}\n{"prompt": "x", "expected": "y", "scorer": "fuzzy"}\nnot json\n{"expected": "1", "scorer": "exact"}\n`,
    );
    const run = await runRunner(['--dataset', bad], contract(), termination);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the dataset has 3 invalid lines');
    expect(run.stderr).toContain(
      'line 2: scorer must be one of exact, contains, regex, choice, numeric, json-schema',
    );
    expect(run.stderr).toMatch(/line 3: not JSON/);
    expect(run.stderr).toContain('line 4: give either "prompt" (with an optional "system") or "messages"');
    expect(parse(run.message).error).toContain('line 2');
    expect(fake.requests).toEqual([]);
  });

  it('exits 2 before any request rather than send a key over plain http without BENCH_ALLOW_PLAIN_HTTP', async () => {
    const refused = await runRunner(
      ['--dataset', dataset],
      contract({ BENCH_ALLOW_PLAIN_HTTP: '' }),
      termination,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`BENCH_ENDPOINT ${fake.url} is plain http and BENCH_API_KEY is set`);
    expect(parse(refused.message).error).toContain('BENCH_ALLOW_PLAIN_HTTP=true');
    expect(refused.stderr + refused.message).not.toContain(KEY);
    expect(fake.requests).toEqual([]);

    // Without a key (a local model without auth) plain http needs no permission.
    await fake.close();
    fake = await startOpenAICompatibleFake({ answer });
    const keyless = await runRunner(
      ['--dataset', dataset],
      contract({ BENCH_ALLOW_PLAIN_HTTP: '', BENCH_API_KEY: '', BENCH_ENDPOINT: `${fake.url}/v1` }),
      termination,
    );
    expect(keyless.code, keyless.stderr).toBe(0);
    expect(fake.requests[0]!.headers.authorization).toBeUndefined();
  });

  it.each([
    ['an unknown option', ['--dataset', 'x', '--shots', '5'], {}, "unknown option '--shots'"],
    ['a missing dataset file', ['--dataset', '/nonexistent/items.jsonl'], {}, 'cannot be read (ENOENT)'],
    ['an unknown provider', ['--dataset', 'x'], { BENCH_PROVIDER: 'openia' }, 'BENCH_PROVIDER "openia"'],
    [
      'a bad target parameter',
      ['--dataset', 'x'],
      { BENCH_PARAMETERS: '{"temperature":"hot"}' },
      'temperature',
    ],
  ])('exits 2 for %s', async (_what, args, env, message) => {
    const run = await runRunner(args, contract(env), termination);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(parse(run.message).error).toContain(message);
  });

  describe('exit codes of provider failures', () => {
    it.each([
      ['503', { type: 'error', status: 503 } as const, 10, /HTTP 503/],
      ['500', { type: 'error', status: 500 } as const, 10, /HTTP 500/],
      ['429 with Retry-After', { type: 'rate-limit', retryAfter: '0' } as const, 11, /HTTP 429/],
    ])(
      '%s after every retry: the run stops at the first failed item, exit %i',
      async (_what, fault, code, error) => {
        fake.failAlways(fault);
        const run = await runRunner(
          ['--dataset', dataset, '--concurrency', '1', '--max-attempts', '2'],
          contract(),
          termination,
        );
        expect(run.code, run.stderr).toBe(code);
        // One item, tried twice; the others are not sent: the run can no longer succeed.
        expect(fake.requests).toHaveLength(2);
        expect(run.results).toEqual([expect.objectContaining({ id: 'add', status: 'failed' })]);
        const result = parse(run.message);
        expect(result.error).toMatch(/1 of 6 items failed after retries \(at most 0 may\)/);
        expect(result.metrics).toMatchObject({ failedItems: 1, answeredItems: 0, retries: 1 });
        expect((run.results[0]!.error as { message: string }).message).toMatch(error);
      },
    );

    it('timeouts: a provider that never answers is unavailable (exit 10)', async () => {
      fake.failAlways({ type: 'hang' });
      const run = await runRunner(
        ['--dataset', dataset, '--concurrency', '1', '--max-attempts', '1', '--request-timeout', '0.5'],
        contract(),
        termination,
      );
      expect(run.code, run.stderr).toBe(10);
      expect(run.results[0]!.error).toEqual({
        kind: 'unavailable',
        message: 'openai-compatible: no answer before the request timed out',
      });
    });

    it('401: credentials rejected (exit 12) at once, without retries', async () => {
      const run = await runRunner(
        ['--dataset', dataset, '--concurrency', '1'],
        contract({ BENCH_API_KEY: 'sk-wrong' }),
        termination,
      );
      expect(run.code, run.stderr).toBe(12);
      expect(fake.requests).toHaveLength(1);
      expect(parse(run.message).error).toBe('the provider rejected the credentials');
    });

    it('a 429 that Retry-After resolves is retried and the item counts', async () => {
      fake.inject({ type: 'rate-limit', retryAfter: '1' });
      const run = await runRunner(['--dataset', dataset, '--concurrency', '1'], contract(), termination);
      expect(run.code, run.stderr).toBe(0);
      expect(fake.requests).toHaveLength(ITEMS.length + 1);
      expect(parse(run.message).metrics).toMatchObject({ retries: 1, answeredItems: 6, failedItems: 0 });
    });

    it('a few failed items within --max-failed-fraction still give a score, over the items answered (exit 0)', async () => {
      const many = dir.file(
        'many.jsonl',
        jsonl(
          Array.from({ length: 20 }, (_, i) => ({
            prompt: `What is 17 + 25? (${i})`,
            expected: '42',
            scorer: 'numeric',
          })),
        ),
      );
      fake.inject({ type: 'error', status: 503 }, 2);
      const run = await runRunner(
        ['--dataset', many, '--concurrency', '1', '--max-attempts', '1', '--max-failed-fraction', '0.1'],
        contract(),
        termination,
      );
      expect(run.code, run.stderr).toBe(0);
      const result = parse(run.message);
      expect(result.metrics).toMatchObject({ items: 20, answeredItems: 18, failedItems: 2, accuracy: 1 });
      expect(result.score).toBe(1);
      expect(result.error).toBeUndefined();
    });
  });

  describe('SIGTERM', () => {
    const slowItems = () =>
      dir.file('slow.jsonl', jsonl(Array.from({ length: 40 }, (_, i) => ({ prompt: `item ${i}` }))));

    it('lets the requests in flight finish, sends no new ones, and writes a partial result (exit 143)', async () => {
      await fake.close();
      // Answers take 3 s: time enough for the SIGTERM to arrive while both requests are in flight.
      fake = await startOpenAICompatibleFake({ apiKey: KEY, delayMs: 3_000 });
      const runner = startRunner(
        ['--dataset', slowItems(), '--mode', 'latency', '--concurrency', '2', '--drain-timeout', '30'],
        contract({ BENCH_ENDPOINT: `${fake.url}/v1` }),
        termination,
      );
      await waitFor(
        '2 requests at the fake',
        () => ({ done: fake.requests.length >= 2, seen: fake.requests.length }),
        {
          timeoutMs: 30_000,
          intervalMs: 20,
        },
      );
      runner.child.kill('SIGTERM');
      const run = await runner.exited;
      expect(run.code, run.stderr).toBe(143);
      expect(fake.requests).toHaveLength(2);
      expect(run.results.map((r) => r.status)).toEqual(['answered', 'answered']);
      const result = parse(run.message);
      expect(result.metrics).toMatchObject({ partial: 1, items: 40, answeredItems: 2, failedItems: 0 });
      expect(result.error).toBe('interrupted by SIGTERM: the result is partial');
      expect(run.stderr).toContain('SIGTERM: no new requests');
    });

    it('during the download of the dataset: stops it and exits 143', async () => {
      fake.failAlways({ type: 'hang' });
      const runner = startRunner(['--dataset', `${fake.url}/datasets/items.jsonl`], contract(), termination);
      await waitFor('the dataset requested', () => ({
        done: fake.requests.length === 1,
        seen: fake.requests.length,
      }));
      runner.child.kill('SIGTERM');
      const run = await runner.exited;
      expect(run.code, run.stderr).toBe(143);
      expect(parse(run.message)).toEqual({
        error: 'interrupted by SIGTERM before the items ran',
        metrics: {},
        usage: { inputTokens: 0, outputTokens: 0 },
      });
    });

    it('cancels requests still in flight after --drain-timeout and exits, even when the provider never answers', async () => {
      fake.inject({ type: 'delay', ms: 0 }, 3);
      fake.failAlways({ type: 'hang' });
      const runner = startRunner(
        [
          '--dataset',
          slowItems(),
          '--mode',
          'latency',
          '--concurrency',
          '2',
          '--drain-timeout',
          '0.2',
          '--request-timeout',
          '600',
        ],
        contract(),
        termination,
      );
      await runner.waitForResults(3);
      await waitFor('5 requests at the fake', () => ({
        done: fake.requests.length >= 5,
        seen: fake.requests.length,
      }));
      runner.child.kill('SIGTERM');
      const run = await runner.exited;
      expect(run.code, run.stderr).toBe(143);
      expect(run.results).toHaveLength(3);
      expect(parse(run.message).metrics).toMatchObject({ partial: 1, answeredItems: 3, failedItems: 0 });
    });
  });

  it('never shows the API key: not in results, progress, errors, the results file or the termination message', async () => {
    const resultsFile = dir.file('results.jsonl');
    const secret = 'sk-LEAKCHECK-9f8e7d6c5b4a';
    await fake.close();
    // A provider that echoes the key in its answers and in its error bodies.
    fake = await startOpenAICompatibleFake({ answer: () => `your key is ${secret}, and the answer is 42` });
    fake.inject({
      type: 'raw',
      status: 500,
      body: JSON.stringify({ error: { message: `bad key ${secret}` } }),
    });
    const env = contract({ BENCH_API_KEY: secret, BENCH_ENDPOINT: `${fake.url}/v1` });
    const many = dir.file(
      'many.jsonl',
      jsonl(
        Array.from({ length: 10 }, () => ({ prompt: 'What is 17 + 25?', expected: 42, scorer: 'numeric' })),
      ),
    );
    const answered = await runRunner(
      [
        '--dataset',
        many,
        '--concurrency',
        '1',
        '--max-attempts',
        '1',
        '--max-failed-fraction',
        '0.5',
        '--results-file',
        resultsFile,
      ],
      env,
      termination,
    );
    expect(answered.code, answered.stderr).toBe(0);
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${secret}`);
    expect(answered.results[0]!.error).toMatchObject({
      message: expect.stringContaining('[redacted]') as unknown,
    });
    expect(answered.results[1]!.output).toBe('your key is [redacted], and the answer is 42');

    await fake.close();
    // A provider that rejects the key and echoes it, like OpenAI's 401.
    fake = await startOpenAICompatibleFake({ apiKey: 'sk-another' });
    const rejected = await runRunner(
      ['--dataset', many],
      { ...env, BENCH_ENDPOINT: `${fake.url}/v1` },
      termination,
    );
    expect(rejected.code).toBe(12);

    for (const run of [answered, rejected]) {
      for (const output of [run.stdout, run.stderr, run.message]) expect(output).not.toContain(secret);
    }
    expect(readFileSync(resultsFile, 'utf8')).not.toContain(secret);
  });

  it('keeps the termination message within 4 KiB with huge answers and a hundred categories', async () => {
    await fake.close();
    fake = await startOpenAICompatibleFake({
      apiKey: KEY,
      answer: () => `${'forty-two '.repeat(5_000)}#### 42`,
    });
    const items = Array.from({ length: 100 }, (_, i) => ({
      prompt: 'What is 17 + 25?',
      expected: 42,
      scorer: 'numeric',
      category: `category-${i}-${'x'.repeat(80)}`,
    }));
    const run = await runRunner(
      ['--dataset', dir.file('many.jsonl', jsonl(items)), '--concurrency', '16'],
      // No output limit: answers of 50 kB each.
      contract({ BENCH_ENDPOINT: `${fake.url}/v1`, BENCH_PARAMETERS: '{}' }),
      termination,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.results).toHaveLength(100);
    expect(Buffer.byteLength(run.message)).toBeLessThanOrEqual(4096);
    expect(parseRunResult(run.message)).toMatchObject({ ok: true, result: { score: 1 } });
    expect(parse(run.message).metrics).toMatchObject({
      items: 100,
      accuracy: 1,
      metricsDropped: expect.any(Number) as unknown,
    });
  });

  describe('speaks to every provider type', () => {
    const connection: Record<
      string,
      { endpoint: (url: string) => string; key: string; parameters?: object }
    > = {
      'aws-bedrock': {
        endpoint: (url) => url,
        key: 'AKIDEXAMPLE:wJalrXUtnFEMIEXAMPLEKEY',
        parameters: { region: 'us-west-2' },
      },
      'google-vertex': {
        endpoint: (url) => url,
        key: 'ya29.token',
        parameters: { project: 'p', location: 'us-central1' },
      },
      anthropic: { endpoint: (url) => url, key: KEY },
      cohere: { endpoint: (url) => url, key: KEY },
      'azure-openai': { endpoint: (url) => url, key: KEY },
    };

    it.each(PROVIDER_TYPES)('%s: a streamed, scored item', async (type) => {
      const { endpoint, key, parameters } = connection[type] ?? {
        endpoint: (url: string) => `${url}/v1`,
        key: KEY,
      };
      const provider = await startFakeFor(type, { apiKey: key, answer: () => 'So: #### 42' });
      try {
        const run = await runRunner(
          ['--dataset', dataset, '--max-items', '1', '--mode', 'latency'],
          contract({
            BENCH_PROVIDER: type,
            BENCH_ENDPOINT: endpoint(provider.url),
            BENCH_API_KEY: key,
            BENCH_PARAMETERS: JSON.stringify(parameters ?? {}),
          }),
          termination,
        );
        expect(run.code, run.stderr).toBe(0);
        expect(provider.requests).toHaveLength(1);
        expect(run.results[0]).toMatchObject({ status: 'answered', correct: true, output: 'So: #### 42' });
        expect(parse(run.message).metrics).toMatchObject({
          accuracy: 1,
          timeToFirstTokenP50Ms: expect.any(Number) as unknown,
        });
      } finally {
        await provider.close();
      }
    });
  });
});
