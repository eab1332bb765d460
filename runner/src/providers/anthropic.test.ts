import { afterEach, describe, expect, it } from 'vitest';
import { startAnthropicFake } from '../../test/fakes/anthropic.ts';
import type { FakeProvider } from '../../test/fakes/core.ts';
import { describeFailureClassification, providerError } from '../../test/fakes/provider-contract.ts';
import { ANTHROPIC_DEFAULT_MAX_TOKENS, ANTHROPIC_DEFAULT_VERSION } from './anthropic.ts';
import { createProvider } from './index.ts';
import type { CompletionRequest, ProviderConfig } from './types.ts';

const request: CompletionRequest = {
  model: 'claude-test',
  messages: [
    { role: 'system', content: 'Answer briefly.' },
    { role: 'user', content: 'What is two plus two?' },
    { role: 'assistant', content: 'Four.' },
    { role: 'user', content: 'And three plus three?' },
  ],
};

function config(endpoint: string, extra: Partial<ProviderConfig> = {}): ProviderConfig {
  return { type: 'anthropic', endpoint, apiKey: 'sk-ant-test', parameters: {}, ...extra };
}

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('anthropic adapter', () => {
  it('sends a Messages request with the system prompt apart and normalizes the reply', async () => {
    fake = await startAnthropicFake({ apiKey: 'sk-ant-test', answer: () => 'Six.' });
    const adapter = createProvider(config(fake.url));
    const response = await adapter.complete({ ...request, temperature: 0.2, topP: 0.9, stop: ['END'] });

    const sent = fake.lastRequest();
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/messages', query: {} });
    expect(sent.headers['x-api-key']).toBe('sk-ant-test');
    expect(sent.headers['anthropic-version']).toBe(ANTHROPIC_DEFAULT_VERSION);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      model: 'claude-test',
      max_tokens: ANTHROPIC_DEFAULT_MAX_TOKENS,
      system: 'Answer briefly.',
      messages: request.messages.slice(1),
      temperature: 0.2,
      top_p: 0.9,
      stop_sequences: ['END'],
    });
    expect(response).toMatchObject({
      text: 'Six.',
      usage: { inputTokens: 12, outputTokens: 1 },
      finishReason: 'stop',
    });
    expect(response.timeToFirstTokenMs).toBeUndefined();
  });

  it('sends max_tokens and anthropic-version from the request and parameters', async () => {
    fake = await startAnthropicFake({ answer: () => 'a b c d' });
    const adapter = createProvider(config(fake.url, { parameters: { 'anthropic-version': '2024-01-01' } }));
    const response = await adapter.complete({ ...request, maxOutputTokens: 2 });
    expect(fake.lastRequest().headers['anthropic-version']).toBe('2024-01-01');
    expect(fake.lastRequest().body).toMatchObject({ max_tokens: 2 });
    expect(response).toMatchObject({ text: 'a b ', finishReason: 'length', usage: { outputTokens: 2 } });
  });

  it('streams the event types and reassembles text, usage and stop reason', async () => {
    fake = await startAnthropicFake({ answer: () => 'one two three', chunkDelayMs: 5 });
    const response = await createProvider(config(fake.url)).complete({ ...request, stream: true });
    expect(fake.lastRequest().body).toMatchObject({ stream: true });
    expect(response).toMatchObject({
      text: 'one two three',
      usage: { inputTokens: 12, outputTokens: 3 },
      finishReason: 'stop',
    });
    expect(response.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(response.timeToFirstTokenMs).toBeLessThan(response.latencyMs);
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'other'],
  ] as const)('maps stop_reason %s to %s, streamed or not', async (wireReason, normalized) => {
    fake = await startAnthropicFake({ answer: () => ({ text: 'x', finishReason: wireReason }) });
    const adapter = createProvider(config(fake.url));
    expect((await adapter.complete(request)).finishReason).toBe(normalized);
    expect((await adapter.complete({ ...request, stream: true })).finishReason).toBe(normalized);
  });

  it('counts cached prompt tokens as input', async () => {
    fake = await startAnthropicFake();
    fake.inject({
      type: 'raw',
      status: 200,
      body: JSON.stringify({
        content: [{ type: 'text', text: 'hi' }],
        stop_reason: 'end_turn',
        usage: {
          input_tokens: 5,
          cache_creation_input_tokens: 100,
          cache_read_input_tokens: 20,
          output_tokens: 1,
        },
      }),
    });
    const response = await createProvider(config(fake.url)).complete(request);
    expect(response.usage).toEqual({ inputTokens: 125, outputTokens: 1 });
  });

  it('529 overloaded is unavailable, and so is an overloaded_error event mid-stream', async () => {
    fake = await startAnthropicFake();
    const adapter = createProvider(config(fake.url));
    fake.inject({ type: 'error', status: 529 });
    const overloaded = await providerError(adapter.complete(request));
    expect(overloaded).toMatchObject({ kind: 'unavailable', status: 529 });
    expect(overloaded.message).toMatch(/overloaded_error/);
    fake.inject({
      type: 'raw',
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    });
    const midStream = await providerError(adapter.complete({ ...request, stream: true }));
    expect(midStream).toMatchObject({
      kind: 'unavailable',
      message: expect.stringMatching(/Overloaded/) as unknown,
    });
  });

  it('takes the wait from the exhausted anthropic-ratelimit-*-reset time when Retry-After is absent', async () => {
    fake = await startAnthropicFake();
    const reset = new Date(Date.now() + 60_000).toISOString();
    fake.inject({
      type: 'rate-limit',
      headers: {
        'anthropic-ratelimit-requests-remaining': '5',
        'anthropic-ratelimit-requests-reset': new Date(Date.now() + 600_000).toISOString(),
        'anthropic-ratelimit-output-tokens-remaining': '0',
        'anthropic-ratelimit-output-tokens-reset': reset,
      },
    });
    const error = await providerError(createProvider(config(fake.url)).complete(request));
    expect(error.retryAfterMs).toBeGreaterThan(30_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('needs a key', () => {
    expect(() => createProvider(config('http://127.0.0.1:1', { apiKey: undefined }))).toThrow(
      expect.objectContaining({ kind: 'auth' }),
    );
  });
});

describeFailureClassification('anthropic', {
  startFake: startAnthropicFake,
  adapter: (endpoint, apiKey) => createProvider({ type: 'anthropic', endpoint, apiKey, parameters: {} }),
  request,
  apiKey: 'sk-ant-api03-SECRET0123456789',
});
