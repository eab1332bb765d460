/**
 * The pipeline against the real OpenAI-compatible adapter and its loopback fake, failures included.
 * Waits are asserted as lower bounds only: the machine may be slow, never fast.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../operator/src/runtime/time/fake-clock.ts';
import { waitFor } from '../../../test/support/wait.ts';
import type { FakeProvider, FakeProviderOptions } from '../../test/fakes/core.ts';
import { startOpenAICompatibleFake } from '../../test/fakes/openai-compatible.ts';
import { createProvider } from '../providers/index.ts';
import { ProviderError, type CompletionRequest } from '../providers/types.ts';
import { createPipeline, type PipelineOptions } from './pipeline.ts';

const API_KEY = 'sk-pipeline-test';
const request: CompletionRequest = { model: 'gpt-test', messages: [{ role: 'user', content: 'Say ok' }] };

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

interface Retry {
  attempt: number;
  delayMs: number;
  error: unknown;
}

/** A fake, and a pipeline to it with quick backoffs; `retries` lists every retry announced. */
async function setUp(options: Partial<PipelineOptions> = {}, fakeOptions: FakeProviderOptions = {}) {
  fake = await startOpenAICompatibleFake({ apiKey: API_KEY, ...fakeOptions });
  const provider = createProvider({
    type: 'openai-compatible',
    endpoint: `${fake.url}/v1`,
    apiKey: API_KEY,
    parameters: {},
  });
  const retries: Retry[] = [];
  let announced: (() => void) | undefined;
  const pipeline = createPipeline(provider, {
    concurrency: 4,
    requestTimeoutMs: 30_000,
    maxAttempts: 3,
    initialBackoffMs: 5,
    maxBackoffMs: 20,
    ...options,
    onRetry: (info) => {
      retries.push(info);
      announced?.();
    },
  });
  /** Resolves at the next retry announced (before its backoff). */
  const nextRetry = () => new Promise<void>((resolve) => (announced = resolve));
  return { fake, pipeline, retries, nextRetry };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: unknown) => error,
  );
}

describe('the request pipeline against a loopback provider', () => {
  it('retries a 429 once its Retry-After has passed, with exactly one more request', async () => {
    const { fake, pipeline, retries } = await setUp();
    fake.inject({ type: 'rate-limit', retryAfter: '1' });
    const started = performance.now();
    const response = await pipeline.complete(request, 10);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    expect(response.text).toBe('ok');
    expect(fake.requests).toHaveLength(2);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ attempt: 1, delayMs: 1000 });
    expect((retries[0]!.error as ProviderError).kind).toBe('rate_limited');
  });

  it('holds back every other request until a 429 Retry-After has passed', async () => {
    const { fake, pipeline, nextRetry } = await setUp();
    fake.inject({ type: 'rate-limit', retryAfter: '1' });
    const retried = nextRetry();
    const first = pipeline.complete(request, 10);
    await retried;
    const pausedAt = performance.now();
    await pipeline.complete(request, 10);
    expect(performance.now() - pausedAt).toBeGreaterThanOrEqual(950);
    await first;
    expect(fake.requests).toHaveLength(3);
  });

  it('retries 500 and 503 and succeeds', async () => {
    const { fake, pipeline, retries } = await setUp();
    fake.inject({ type: 'error', status: 500 });
    fake.inject({ type: 'error', status: 503 });
    const response = await pipeline.complete(request, 10);
    expect(response.text).toBe('ok');
    expect(fake.requests).toHaveLength(3);
    expect(retries.map((r) => (r.error as ProviderError).status)).toEqual([500, 503]);
  });

  it('gives up after maxAttempts with the kind of the last failure', async () => {
    const { fake, pipeline } = await setUp({ maxAttempts: 3 });
    fake.failAlways({ type: 'error', status: 503 });
    const unavailable = await rejection(pipeline.complete(request, 10));
    expect(unavailable).toBeInstanceOf(ProviderError);
    expect(unavailable).toMatchObject({ kind: 'unavailable', status: 503 });
    expect(fake.requests).toHaveLength(3);

    fake.failAlways({ type: 'rate-limit' });
    const rateLimited = await rejection(pipeline.complete(request, 10));
    expect(rateLimited).toMatchObject({ kind: 'rate_limited', status: 429 });
    expect(fake.requests).toHaveLength(6);
  });

  it('does not retry rejected credentials or a rejected request', async () => {
    const { fake, pipeline, retries } = await setUp({}, { apiKey: 'sk-another-key' });
    expect(await rejection(pipeline.complete(request, 10))).toMatchObject({ kind: 'auth', status: 401 });
    expect(fake.requests).toHaveLength(1);
    fake.inject({ type: 'error', status: 400 });
    expect(await rejection(pipeline.complete(request, 10))).toMatchObject({
      kind: 'invalid_request',
      status: 400,
    });
    expect(fake.requests).toHaveLength(2);
    expect(retries).toEqual([]);
  });

  it('does not wait for a Retry-After longer than maxRetryAfterMs', async () => {
    const { fake, pipeline } = await setUp({ maxRetryAfterMs: 60_000 });
    fake.inject({ type: 'rate-limit', retryAfter: '3600' });
    const error = await rejection(pipeline.complete(request, 10));
    expect(error).toMatchObject({ kind: 'rate_limited', retryAfterMs: 3_600_000 });
    expect(fake.requests).toHaveLength(1);
  });

  it('times out a provider that never answers as unavailable, and retries it', async () => {
    const { fake, pipeline } = await setUp({ requestTimeoutMs: 200, maxAttempts: 2 });
    fake.failAlways({ type: 'hang' });
    const error = await rejection(pipeline.complete(request, 10));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'unavailable' });
    expect((error as Error).message).toMatch(/timed out/);
    expect(fake.requests).toHaveLength(2);
  });

  it('stops at once when aborted during a backoff, with the abort reason and no further request', async () => {
    const controller = new AbortController();
    const { fake, pipeline, retries, nextRetry } = await setUp({ signal: controller.signal, maxAttempts: 5 });
    fake.failAlways({ type: 'error', status: 503, headers: { 'retry-after': '50' } });
    const retried = nextRetry();
    const pending = pipeline.complete(request, 10);
    await retried;
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(50_000);
    const reason = new Error('SIGTERM');
    controller.abort(reason);
    expect(await rejection(pending)).toBe(reason);
    expect(fake.requests).toHaveLength(1);
  });

  it('stops in-flight and queued requests at once when aborted, and refuses new ones', async () => {
    const controller = new AbortController();
    const { fake, pipeline } = await setUp({ signal: controller.signal, concurrency: 1 });
    fake.failAlways({ type: 'hang' });
    const inFlight = pipeline.complete(request, 10);
    const queued = pipeline.complete(request, 10);
    await waitFor('the first request to reach the provider', () => ({
      done: fake.requests.length === 1,
      seen: `${fake.requests.length} requests`,
    }));
    const reason = new Error('SIGTERM');
    controller.abort(reason);
    expect(await rejection(inFlight)).toBe(reason);
    expect(await rejection(queued)).toBe(reason);
    expect(await rejection(pipeline.complete(request, 10))).toBe(reason);
    expect(fake.requests).toHaveLength(1);
  });

  it("stops one request on its own signal's abort, leaving the others", async () => {
    const { pipeline } = await setUp({}, { delayMs: 300 });
    const controller = new AbortController();
    const reason = new Error('item skipped');
    const stopped = pipeline.complete({ ...request, signal: controller.signal }, 10);
    const other = pipeline.complete(request, 10);
    controller.abort(reason);
    expect(await rejection(stopped)).toBe(reason);
    expect((await other).text).toBe('ok');
  });

  it('never has more than `concurrency` requests at the provider at once', async () => {
    let answered = 0;
    let mostInFlight = 0;
    const { fake, pipeline } = await setUp(
      { concurrency: 3 },
      {
        delayMs: 200,
        // Called as the fake answers: every request it received and has not answered is in flight.
        answer: () => {
          mostInFlight = Math.max(mostInFlight, fake.requests.length - answered);
          answered++;
          return 'ok';
        },
      },
    );
    await Promise.all(Array.from({ length: 12 }, () => pipeline.complete(request, 10)));
    expect(fake.requests).toHaveLength(12);
    expect(mostInFlight).toBeLessThanOrEqual(3);
    expect(mostInFlight).toBeGreaterThan(1);
  });

  it('sends no more requests per minute than its budget, and charges the tokens actually used', async () => {
    const clock = new FakeClock();
    const { fake, pipeline } = await setUp({ requestsPerMinute: 2, tokensPerMinute: 20, clock });
    // 18 + 10 estimated tokens do not fit 20: the second request waits for the first one's usage,
    // 3 tokens at the fake ('Say ok' in, 'ok' out), and then fits without the clock moving.
    const first = pipeline.complete(request, 18);
    const second = pipeline.complete(request, 10);
    await Promise.all([first, second]);
    expect(fake.requests).toHaveLength(2);
    // A third request is over the 2 per minute: it waits on the clock until the minute has passed.
    const third = pipeline.complete(request, 1);
    await waitFor('the third request to wait for its rate budget', () => ({
      done: clock.pendingTimers() === 1,
      seen: `${clock.pendingTimers()} timers, ${fake.requests.length} requests`,
    }));
    expect(fake.requests).toHaveLength(2);
    clock.advance(60_000);
    expect((await third).text).toBe('ok');
    expect(fake.requests).toHaveLength(3);
  });

  it('refuses options it cannot work with', () => {
    const provider = createProvider({
      type: 'openai-compatible',
      endpoint: 'http://127.0.0.1:1/v1',
      apiKey: API_KEY,
      parameters: {},
    });
    const valid = { concurrency: 1, requestTimeoutMs: 1000, maxAttempts: 1 };
    expect(() => createPipeline(provider, { ...valid, concurrency: 0 })).toThrow(
      'concurrency must be a whole number of at least 1, not 0',
    );
    expect(() => createPipeline(provider, { ...valid, maxAttempts: 2.5 })).toThrow(/maxAttempts/);
    expect(() => createPipeline(provider, { ...valid, requestTimeoutMs: Number.NaN })).toThrow(
      'requestTimeoutMs must be a positive number of milliseconds, not NaN',
    );
    expect(() => createPipeline(provider, { ...valid, requestsPerMinute: -5 })).toThrow(/requestsPerMinute/);
    expect(() => createPipeline(provider, { ...valid, maxBackoffMs: -1 })).toThrow(
      'maxBackoffMs must be a positive number of milliseconds, not -1',
    );
  });
});
