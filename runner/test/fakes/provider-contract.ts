/**
 * The failure behaviour every provider adapter must share, as one vitest suite each adapter's test
 * runs against its own fake: how 429/5xx/401/403/400, timeouts, aborts and dropped or refused
 * connections are classified, and that the API key never reaches an error.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError, type CompletionRequest, type ProviderAdapter } from '../../src/providers/types.ts';
import type { FakeProvider, FakeProviderOptions } from './core.ts';

export interface ProviderUnderTest {
  /** Starts the provider's fake with these options. */
  startFake(options: FakeProviderOptions): Promise<FakeProvider>;
  /** The adapter under test, pointed at `endpoint` (a fake's URL) with `apiKey`. */
  adapter(endpoint: string, apiKey: string): ProviderAdapter;
  /** A valid request for this provider. */
  request: CompletionRequest;
  /** The key the adapter sends and the fakes echo; it must never appear in an error. */
  apiKey: string;
}

/** Resolves with the ProviderError `promise` rejects with; fails the test otherwise. */
export async function providerError(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

/** A URL on 127.0.0.1 where nothing listens (a port just freed). */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** Everything an error carries that could end up in a log: message, stack, JSON, causes. */
function everythingPrinted(error: unknown): string {
  const parts: string[] = [];
  for (let current = error; current !== undefined && parts.length < 10;) {
    parts.push(String(current), (current as Error).stack ?? '', JSON.stringify(current) ?? '');
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join('\n');
}

export function describeFailureClassification(name: string, provider: ProviderUnderTest): void {
  describe(`${name}: failure classification`, () => {
    let fake: FakeProvider;
    let adapter: ProviderAdapter;
    afterEach(() => fake?.close());

    // Several words, so a streamed answer has enough chunks to be cut in the middle.
    const answer = () => 'one two three four five six';

    async function start() {
      fake = await provider.startFake({ apiKey: provider.apiKey, answer });
      adapter = provider.adapter(fake.url, provider.apiKey);
    }

    it('429 with Retry-After in seconds is rate_limited with retryAfterMs', async () => {
      await start();
      fake.inject({ type: 'rate-limit', retryAfter: '7' });
      const error = await providerError(adapter.complete(provider.request));
      expect(error).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 7000 });
    });

    it('429 with Retry-After as an HTTP-date waits until that date', async () => {
      await start();
      // HTTP-dates have whole seconds: 60 s ahead, at most 1 s earlier once truncated (and the
      // wide lower bound leaves room for a slow machine between sending and reading it).
      const until = new Date(Date.now() + 60_000);
      fake.inject({ type: 'rate-limit', retryAfter: until.toUTCString() });
      const error = await providerError(adapter.complete(provider.request));
      expect(error.kind).toBe('rate_limited');
      expect(error.retryAfterMs).toBeGreaterThan(30_000);
      expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
    });

    it('429 without Retry-After is rate_limited without retryAfterMs', async () => {
      await start();
      fake.inject({ type: 'rate-limit' });
      const error = await providerError(adapter.complete(provider.request));
      expect(error).toMatchObject({ kind: 'rate_limited', retryAfterMs: undefined });
    });

    it.each([500, 502, 503, 504])('%i is unavailable', async (status) => {
      await start();
      fake.inject({ type: 'error', status, headers: { 'retry-after': '1' } });
      const error = await providerError(adapter.complete(provider.request));
      expect(error).toMatchObject({ kind: 'unavailable', status });
    });

    it('a rejected key is auth, and the key the 401 echoes is nowhere in the error', async () => {
      fake = await provider.startFake({ apiKey: 'the-right-key', answer });
      adapter = provider.adapter(fake.url, provider.apiKey);
      const error = await providerError(adapter.complete(provider.request));
      expect(error.kind).toBe('auth');
      expect(JSON.stringify(fake.lastRequest().headers)).toContain(provider.apiKey.split(':')[0]);
      expect(everythingPrinted(error)).not.toContain(provider.apiKey);
      for (const part of provider.apiKey.split(':')) expect(everythingPrinted(error)).not.toContain(part);
    });

    it('403 is auth', async () => {
      await start();
      fake.inject({ type: 'error', status: 403 });
      expect(await providerError(adapter.complete(provider.request))).toMatchObject({
        kind: 'auth',
        status: 403,
      });
    });

    it('400 is invalid_request', async () => {
      await start();
      fake.inject({ type: 'error', status: 400 });
      const error = await providerError(adapter.complete(provider.request));
      expect(error).toMatchObject({ kind: 'invalid_request', status: 400 });
    });

    it('no answer before the timeout signal is unavailable', async () => {
      await start();
      fake.inject({ type: 'hang' });
      const error = await providerError(
        adapter.complete({ ...provider.request, signal: AbortSignal.timeout(100) }),
      );
      expect(error.kind).toBe('unavailable');
      expect(error.message).toMatch(/timed out/);
    });

    it('a stream that stops answering before the timeout signal is unavailable', async () => {
      await start();
      fake.inject({ type: 'cut-stream', after: 2, then: 'hang' });
      const request = { ...provider.request, stream: true, signal: AbortSignal.timeout(200) };
      const error = await providerError(adapter.complete(request));
      expect(error.kind).toBe('unavailable');
      expect(error.message).toMatch(/timed out/);
    });

    it('a stream cut short by a dropped connection is unavailable', async () => {
      await start();
      fake.inject({ type: 'cut-stream', after: 2, then: 'disconnect' });
      const error = await providerError(adapter.complete({ ...provider.request, stream: true }));
      expect(error.kind).toBe('unavailable');
    });

    it("an abort that is not a timeout rejects with the caller's reason", async () => {
      await start();
      fake.inject({ type: 'hang' });
      const controller = new AbortController();
      const pending = adapter.complete({ ...provider.request, signal: controller.signal });
      await expect.poll(() => fake.requests.length, { timeout: 10_000 }).toBe(1);
      const reason = new Error('shutting down');
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
    });

    it('a dropped connection is unavailable', async () => {
      await start();
      fake.inject({ type: 'disconnect' });
      expect((await providerError(adapter.complete(provider.request))).kind).toBe('unavailable');
    });

    it('a refused connection is unavailable', async () => {
      const error = await providerError(
        provider.adapter(await refusedUrl(), provider.apiKey).complete(provider.request),
      );
      expect(error.kind).toBe('unavailable');
      expect(everythingPrinted(error)).not.toContain(provider.apiKey);
    });

    it('errors of every kind never carry the key, even when the provider echoes it', async () => {
      await start();
      for (const status of [400, 404, 429, 500, 503]) {
        fake.inject({
          type: 'raw',
          status,
          body: JSON.stringify({
            error: { message: `bad key ${provider.apiKey}` },
            message: `bad key ${provider.apiKey}`,
          }),
        });
        const error = await providerError(adapter.complete(provider.request));
        expect(everythingPrinted(error)).not.toContain(provider.apiKey);
      }
    });
  });
}
