import { afterEach, describe, expect, it } from 'vitest';
import { startCohereFake } from '../../test/fakes/cohere.ts';
import type { FakeProvider } from '../../test/fakes/core.ts';
import { describeFailureClassification, providerError } from '../../test/fakes/provider-contract.ts';
import { createProvider } from './index.ts';
import type { CompletionRequest, ProviderConfig } from './types.ts';

const request: CompletionRequest = {
  model: 'command-test',
  messages: [
    { role: 'system', content: 'Answer briefly.' },
    { role: 'user', content: 'What is two plus two?' },
  ],
};

function config(endpoint: string, extra: Partial<ProviderConfig> = {}): ProviderConfig {
  return { type: 'cohere', endpoint, apiKey: 'co-test', parameters: {}, ...extra };
}

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('cohere adapter', () => {
  it('sends a Chat v2 request and counts billed units', async () => {
    fake = await startCohereFake({ apiKey: 'co-test', answer: () => 'Four.' });
    const response = await createProvider(config(`${fake.url}/`)).complete({
      ...request,
      maxOutputTokens: 20,
      temperature: 0.3,
      topP: 0.8,
      stop: ['END'],
    });
    const sent = fake.lastRequest();
    expect(sent).toMatchObject({ method: 'POST', path: '/v2/chat', query: {} });
    expect(sent.headers.authorization).toBe('Bearer co-test');
    expect(sent.body).toEqual({
      model: 'command-test',
      messages: request.messages,
      max_tokens: 20,
      temperature: 0.3,
      p: 0.8,
      stop_sequences: ['END'],
    });
    // The fake's `tokens` include 10 preamble tokens; billed_units do not.
    expect(response).toMatchObject({
      text: 'Four.',
      usage: { inputTokens: 7, outputTokens: 1 },
      finishReason: 'stop',
    });
  });

  it('streams content-delta events up to message-end', async () => {
    fake = await startCohereFake({ answer: () => 'one two three', chunkDelayMs: 5 });
    const response = await createProvider(config(fake.url)).complete({ ...request, stream: true });
    expect(fake.lastRequest().body).toMatchObject({ stream: true });
    expect(response).toMatchObject({
      text: 'one two three',
      usage: { inputTokens: 7, outputTokens: 3 },
      finishReason: 'stop',
    });
    expect(response.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(response.timeToFirstTokenMs).toBeLessThan(response.latencyMs);
  });

  it.each([
    ['COMPLETE', 'stop'],
    ['STOP_SEQUENCE', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['TOOL_CALL', 'tool_calls'],
    ['ERROR', 'other'],
  ] as const)('maps finish_reason %s to %s, streamed or not', async (wireReason, normalized) => {
    fake = await startCohereFake({ answer: () => ({ text: 'x', finishReason: wireReason }) });
    const adapter = createProvider(config(fake.url));
    expect((await adapter.complete(request)).finishReason).toBe(normalized);
    expect((await adapter.complete({ ...request, stream: true })).finishReason).toBe(normalized);
  });

  it('falls back to tokens when no billed units are given', async () => {
    fake = await startCohereFake();
    fake.inject({
      type: 'raw',
      status: 200,
      body: JSON.stringify({
        message: { content: [{ type: 'text', text: 'hi' }] },
        finish_reason: 'COMPLETE',
        usage: { tokens: { input_tokens: 30, output_tokens: 2 } },
      }),
    });
    expect((await createProvider(config(fake.url)).complete(request)).usage).toEqual({
      inputTokens: 30,
      outputTokens: 2,
    });
  });

  it("classifies Cohere's 498 invalid token as auth", async () => {
    fake = await startCohereFake();
    fake.inject({ type: 'error', status: 498 });
    expect(await providerError(createProvider(config(fake.url)).complete(request))).toMatchObject({
      kind: 'auth',
    });
  });
});

describeFailureClassification('cohere', {
  startFake: startCohereFake,
  adapter: (endpoint, apiKey) => createProvider({ type: 'cohere', endpoint, apiKey, parameters: {} }),
  request,
  apiKey: 'co-SECRET0123456789abcdef',
});
