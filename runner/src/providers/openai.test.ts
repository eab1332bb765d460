import { afterEach, describe, expect, it } from 'vitest';
import type { FakeProvider } from '../../test/fakes/core.ts';
import { startOpenAICompatibleFake } from '../../test/fakes/openai-compatible.ts';
import { describeFailureClassification, providerError } from '../../test/fakes/provider-contract.ts';
import { createProvider } from './index.ts';
import { DEFAULT_AZURE_API_VERSION } from './openai.ts';
import type { CompletionRequest, ProviderConfig, ProviderType } from './types.ts';

const request: CompletionRequest = {
  model: 'gpt-test',
  messages: [
    { role: 'system', content: 'Answer briefly.' },
    { role: 'user', content: 'What is two plus two?' },
  ],
};

function config(
  type: ProviderType,
  endpoint: string | undefined,
  extra: Partial<ProviderConfig> = {},
): ProviderConfig {
  return { type, endpoint, apiKey: 'sk-test-key', parameters: {}, ...extra };
}

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('openai adapter', () => {
  it('sends a chat completion to {endpoint}/chat/completions and normalizes the reply', async () => {
    fake = await startOpenAICompatibleFake({ apiKey: 'sk-test-key', answer: () => 'It is 4.' });
    const adapter = createProvider(config('openai', `${fake.url}/v1/`));
    const response = await adapter.complete({
      ...request,
      maxOutputTokens: 50,
      temperature: 0,
      topP: 0.5,
      stop: ['\n\n'],
    });

    const sent = fake.lastRequest();
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/chat/completions', query: {} });
    expect(sent.headers.authorization).toBe('Bearer sk-test-key');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.body).toEqual({
      model: 'gpt-test',
      messages: request.messages,
      max_completion_tokens: 50,
      temperature: 0,
      top_p: 0.5,
      stop: ['\n\n'],
    });
    expect(response).toMatchObject({
      text: 'It is 4.',
      usage: { inputTokens: 7, outputTokens: 3 },
      finishReason: 'stop',
    });
    expect(response.latencyMs).toBeGreaterThan(0);
    expect(response.timeToFirstTokenMs).toBeUndefined();
  });

  it('streams: asks for usage, reassembles the text, measures time to first token', async () => {
    fake = await startOpenAICompatibleFake({ answer: () => 'one two three four', chunkDelayMs: 5 });
    const adapter = createProvider(config('openai', `${fake.url}/v1`));
    const response = await adapter.complete({ ...request, stream: true });

    expect(fake.lastRequest().body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(response).toMatchObject({
      text: 'one two three four',
      usage: { inputTokens: 7, outputTokens: 4 },
      finishReason: 'stop',
    });
    expect(response.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(response.timeToFirstTokenMs).toBeLessThan(response.latencyMs);
  });

  it.each([
    ['length', 'length'],
    ['content_filter', 'content_filter'],
    ['tool_calls', 'tool_calls'],
    ['model_length', 'length'],
    ['something_new', 'other'],
  ] as const)('maps finish_reason %s to %s, streamed or not', async (wireReason, normalized) => {
    fake = await startOpenAICompatibleFake({ answer: () => ({ text: 'x', finishReason: wireReason }) });
    const adapter = createProvider(config('openai', fake.url));
    expect((await adapter.complete(request)).finishReason).toBe(normalized);
    expect((await adapter.complete({ ...request, stream: true })).finishReason).toBe(normalized);
  });

  it('reports a truncated answer as length', async () => {
    fake = await startOpenAICompatibleFake({ answer: () => 'a b c d e f' });
    const response = await createProvider(config('openai', fake.url)).complete({
      ...request,
      maxOutputTokens: 2,
    });
    expect(response).toMatchObject({ text: 'a b ', finishReason: 'length', usage: { outputTokens: 2 } });
  });

  it('takes the wait from retry-after-ms, or from the exhausted limit reset headers', async () => {
    fake = await startOpenAICompatibleFake();
    const adapter = createProvider(config('openai', fake.url));
    fake.inject({ type: 'rate-limit', headers: { 'retry-after-ms': '1500' } });
    expect((await providerError(adapter.complete(request))).retryAfterMs).toBe(1500);
    fake.inject({
      type: 'rate-limit',
      headers: {
        'x-ratelimit-remaining-requests': '10',
        'x-ratelimit-reset-requests': '59s',
        'x-ratelimit-remaining-tokens': '0',
        'x-ratelimit-reset-tokens': '1m6.5s',
      },
    });
    expect((await providerError(adapter.complete(request))).retryAfterMs).toBe(66_500);
  });

  it('classifies an error event in the stream and a stream without its end as unavailable', async () => {
    fake = await startOpenAICompatibleFake();
    const adapter = createProvider(config('openai', fake.url));
    const stream = (body: string) => ({
      type: 'raw' as const,
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body,
    });
    fake.inject(stream('data: {"error":{"message":"overloaded"}}\n\n'));
    const midStream = await providerError(adapter.complete({ ...request, stream: true }));
    expect(midStream).toMatchObject({
      kind: 'unavailable',
      message: expect.stringMatching(/overloaded/) as unknown,
    });
    fake.inject(stream('data: {"choices":[{"delta":{"content":"half"},"finish_reason":null}]}\n\n'));
    const cut = await providerError(adapter.complete({ ...request, stream: true }));
    expect(cut).toMatchObject({
      kind: 'unavailable',
      message: expect.stringMatching(/ended before/) as unknown,
    });
  });

  it('takes a JSON reply from a server that ignores the stream flag', async () => {
    fake = await startOpenAICompatibleFake();
    fake.inject({
      type: 'raw',
      status: 200,
      body: JSON.stringify({ choices: [{ message: { content: 'plain' }, finish_reason: 'stop' }] }),
    });
    const response = await createProvider(config('openai', fake.url)).complete({ ...request, stream: true });
    expect(response).toMatchObject({ text: 'plain', finishReason: 'stop' });
  });

  it('rejects a success reply that is not JSON or has no choices as unavailable', async () => {
    fake = await startOpenAICompatibleFake();
    const adapter = createProvider(config('openai', fake.url));
    fake.inject({ type: 'raw', status: 200, body: '<html>proxy</html>' });
    expect((await providerError(adapter.complete(request))).kind).toBe('unavailable');
    fake.inject({ type: 'raw', status: 200, body: '{"choices":[]}' });
    expect((await providerError(adapter.complete(request))).message).toMatch(/no choices/);
  });

  it('needs a key', () => {
    expect(() => createProvider(config('openai', undefined, { apiKey: '' }))).toThrow(
      expect.objectContaining({ kind: 'auth', message: expect.stringMatching(/BENCH_API_KEY/) as unknown }),
    );
  });
});

describe('openai-compatible adapter (vLLM, Ollama, llama.cpp)', () => {
  it('needs an endpoint, sends no authorization without a key, and uses max_tokens', async () => {
    expect(() => createProvider(config('openai-compatible', undefined))).toThrow(
      expect.objectContaining({
        kind: 'invalid_request',
        message: expect.stringMatching(/BENCH_ENDPOINT/) as unknown,
      }),
    );
    fake = await startOpenAICompatibleFake({ answer: () => 'hi' });
    const adapter = createProvider(config('openai-compatible', `${fake.url}/v1`, { apiKey: undefined }));
    const response = await adapter.complete({ ...request, maxOutputTokens: 10, model: 'Qwen/Qwen2.5-0.5B' });
    const sent = fake.lastRequest();
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({ model: 'Qwen/Qwen2.5-0.5B', messages: request.messages, max_tokens: 10 });
    expect(response.text).toBe('hi');
  });
});

describe('groq, together and mistral adapters', () => {
  it.each([
    ['groq', 'max_completion_tokens', true],
    ['together', 'max_tokens', true],
    ['mistral', 'max_tokens', false],
  ] as const)('%s: bearer key, %s, stream_options %s', async (type, maxField, streamOptions) => {
    fake = await startOpenAICompatibleFake({ apiKey: 'sk-test-key', answer: () => 'fine' });
    const adapter = createProvider(config(type, fake.url));
    const response = await adapter.complete({ ...request, maxOutputTokens: 8, stream: true });
    const sent = fake.lastRequest();
    expect(sent.headers.authorization).toBe('Bearer sk-test-key');
    expect(sent.body).toMatchObject({ model: 'gpt-test', [maxField]: 8, stream: true });
    expect('stream_options' in (sent.body as object)).toBe(streamOptions);
    expect(response.text).toBe('fine');
  });

  it('groq: reads usage from x_groq in the last chunk', async () => {
    fake = await startOpenAICompatibleFake();
    const chunk = (body: object) => `data: ${JSON.stringify(body)}\n\n`;
    fake.inject({
      type: 'raw',
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body:
        chunk({ choices: [{ delta: { content: 'hey' }, finish_reason: null }] }) +
        chunk({
          choices: [{ delta: {}, finish_reason: 'stop' }],
          x_groq: { usage: { prompt_tokens: 12, completion_tokens: 1 } },
        }) +
        'data: [DONE]\n\n',
    });
    const response = await createProvider(config('groq', fake.url)).complete({ ...request, stream: true });
    expect(response).toMatchObject({
      text: 'hey',
      usage: { inputTokens: 12, outputTokens: 1 },
      finishReason: 'stop',
    });
  });
});

describe('azure-openai adapter', () => {
  it('posts to the deployment URL with api-version and the api-key header, without a model in the body', async () => {
    fake = await startOpenAICompatibleFake({ apiKey: 'azure-key', auth: 'api-key', answer: () => 'ok then' });
    const adapter = createProvider(config('azure-openai', `${fake.url}/`, { apiKey: 'azure-key' }));
    const response = await adapter.complete({ ...request, model: 'gpt-4o', maxOutputTokens: 5 });
    const sent = fake.lastRequest();
    expect(sent.path).toBe('/openai/deployments/gpt-4o/chat/completions');
    expect(sent.query).toEqual({ 'api-version': DEFAULT_AZURE_API_VERSION });
    expect(sent.headers['api-key']).toBe('azure-key');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({ messages: request.messages, max_completion_tokens: 5 });
    expect(response).toMatchObject({ text: 'ok then', finishReason: 'stop' });
  });

  it('takes the deployment and api-version from the parameters, and streams', async () => {
    fake = await startOpenAICompatibleFake({ auth: 'api-key', answer: () => 'streamed reply' });
    const parameters = { deployment: 'prod-gpt', 'api-version': '2025-01-01-preview' };
    const adapter = createProvider(config('azure-openai', fake.url, { parameters }));
    const response = await adapter.complete({ ...request, stream: true });
    expect(fake.lastRequest()).toMatchObject({
      path: '/openai/deployments/prod-gpt/chat/completions',
      query: { 'api-version': '2025-01-01-preview' },
    });
    expect(response).toMatchObject({ text: 'streamed reply', usage: { outputTokens: 2 } });
    expect(response.timeToFirstTokenMs).toBeDefined();
  });

  it('needs an endpoint', () => {
    expect(() => createProvider(config('azure-openai', ''))).toThrow(/BENCH_ENDPOINT/);
  });
});

describeFailureClassification('openai', {
  startFake: (options) => startOpenAICompatibleFake(options),
  adapter: (endpoint, apiKey) => createProvider({ type: 'openai', endpoint, apiKey, parameters: {} }),
  request,
  apiKey: 'sk-proj-SECRET0123456789',
});

describeFailureClassification('azure-openai', {
  startFake: (options) => startOpenAICompatibleFake({ ...options, auth: 'api-key' }),
  adapter: (endpoint, apiKey) => createProvider({ type: 'azure-openai', endpoint, apiKey, parameters: {} }),
  request,
  apiKey: 'azure0123456789SECRET',
});

describe('redirects', () => {
  it('are never followed: the key stays with the endpoint, and the run is told to fix it', async () => {
    const { createServer } = await import('node:http');
    const seen: Array<Record<string, unknown>> = [];
    const elsewhere = createServer((req, res) => {
      seen.push(req.headers);
      res.end('{}');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const { port: away } = elsewhere.address() as { port: number };
    const redirecting = createServer((_req, res) => {
      res.writeHead(307, { location: `http://127.0.0.1:${away}/v1/chat/completions` });
      res.end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const { port } = redirecting.address() as { port: number };
    try {
      for (const type of ['openai', 'azure-openai', 'anthropic'] as const) {
        const adapter = createProvider(
          config(type, `http://127.0.0.1:${port}/v1`, type === 'azure-openai' ? { parameters: {} } : {}),
        );
        const error = await adapter.complete(request).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, type).toMatchObject({ kind: 'invalid_request', status: 307 });
        expect((error as Error).message).toContain(`a redirect to http://127.0.0.1:${away}`);
        expect((error as Error).message).not.toContain('sk-test-key');
      }
      expect(seen, 'requests that reached the redirect target').toEqual([]);
    } finally {
      await new Promise((resolve) => redirecting.close(resolve));
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });
});
