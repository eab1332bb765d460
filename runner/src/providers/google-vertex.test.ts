import { afterEach, describe, expect, it } from 'vitest';
import type { FakeProvider } from '../../test/fakes/core.ts';
import { startVertexFake } from '../../test/fakes/google-vertex.ts';
import { describeFailureClassification, providerError } from '../../test/fakes/provider-contract.ts';
import { VERTEX_DEFAULT_LOCATION, vertexBaseUrl } from './google-vertex.ts';
import { createProvider } from './index.ts';
import type { CompletionRequest, ProviderConfig } from './types.ts';

const request: CompletionRequest = {
  model: 'gemini-test',
  messages: [
    { role: 'system', content: 'Answer briefly.' },
    { role: 'user', content: 'What is two plus two?' },
    { role: 'assistant', content: 'Four.' },
    { role: 'user', content: 'And three plus three?' },
  ],
};

const parameters = { project: 'bench-project', location: 'europe-west4' };

function config(endpoint: string, extra: Partial<ProviderConfig> = {}): ProviderConfig {
  return { type: 'google-vertex', endpoint, apiKey: 'ya29.token', parameters, ...extra };
}

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('google-vertex adapter', () => {
  it('calls generateContent under the project and location with contents, systemInstruction and generationConfig', async () => {
    fake = await startVertexFake({ apiKey: 'ya29.token', answer: () => 'Six.' });
    const response = await createProvider(config(fake.url)).complete({
      ...request,
      maxOutputTokens: 64,
      temperature: 0,
      topP: 0.95,
      stop: ['END'],
    });

    const sent = fake.lastRequest();
    expect(sent).toMatchObject({
      method: 'POST',
      path: '/v1/projects/bench-project/locations/europe-west4/publishers/google/models/gemini-test:generateContent',
      query: {},
    });
    expect(sent.headers.authorization).toBe('Bearer ya29.token');
    expect(sent.body).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'What is two plus two?' }] },
        { role: 'model', parts: [{ text: 'Four.' }] },
        { role: 'user', parts: [{ text: 'And three plus three?' }] },
      ],
      systemInstruction: { parts: [{ text: 'Answer briefly.' }] },
      generationConfig: { maxOutputTokens: 64, temperature: 0, topP: 0.95, stopSequences: ['END'] },
    });
    expect(response).toMatchObject({
      text: 'Six.',
      usage: { inputTokens: 12, outputTokens: 1 },
      finishReason: 'stop',
    });
  });

  it('streams with streamGenerateContent?alt=sse, reassembling text and usage', async () => {
    fake = await startVertexFake({ answer: () => 'one two three', chunkDelayMs: 5 });
    const response = await createProvider(config(fake.url)).complete({ ...request, stream: true });
    expect(fake.lastRequest()).toMatchObject({
      path: '/v1/projects/bench-project/locations/europe-west4/publishers/google/models/gemini-test:streamGenerateContent',
      query: { alt: 'sse' },
    });
    expect(response).toMatchObject({
      text: 'one two three',
      usage: { inputTokens: 12, outputTokens: 3 },
      finishReason: 'stop',
    });
    expect(response.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(response.timeToFirstTokenMs).toBeLessThan(response.latencyMs);
  });

  it.each([
    ['STOP', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', 'other'],
  ] as const)('maps finishReason %s to %s, streamed or not', async (wireReason, normalized) => {
    fake = await startVertexFake({ answer: () => ({ text: 'x y', finishReason: wireReason }) });
    const adapter = createProvider(config(fake.url));
    expect((await adapter.complete(request)).finishReason).toBe(normalized);
    expect((await adapter.complete({ ...request, stream: true })).finishReason).toBe(normalized);
  });

  it('leaves thoughts out of the text, counts thinking tokens as output, and reads a blocked prompt', async () => {
    fake = await startVertexFake();
    fake.inject({
      type: 'raw',
      status: 200,
      body: JSON.stringify({
        candidates: [
          {
            content: { parts: [{ text: 'let me think', thought: true }, { text: 'Six.' }] },
            finishReason: 'STOP',
          },
        ],
        usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 1, thoughtsTokenCount: 40 },
      }),
    });
    const adapter = createProvider(config(fake.url));
    expect(await adapter.complete(request)).toMatchObject({
      text: 'Six.',
      usage: { inputTokens: 9, outputTokens: 41 },
    });
    fake.inject({
      type: 'raw',
      status: 200,
      body: JSON.stringify({
        promptFeedback: { blockReason: 'SAFETY' },
        usageMetadata: { promptTokenCount: 9 },
      }),
    });
    expect(await adapter.complete(request)).toMatchObject({ text: '', finishReason: 'content_filter' });
  });

  it('takes the wait from the RetryInfo detail of a RESOURCE_EXHAUSTED error', async () => {
    fake = await startVertexFake();
    fake.inject({
      type: 'raw',
      status: 429,
      body: JSON.stringify({
        error: {
          code: 429,
          message: 'Resource exhausted',
          status: 'RESOURCE_EXHAUSTED',
          details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '12.5s' }],
        },
      }),
    });
    const error = await providerError(createProvider(config(fake.url)).complete(request));
    expect(error).toMatchObject({ kind: 'rate_limited', retryAfterMs: 12_500 });
    expect(error.message).toMatch(/RESOURCE_EXHAUSTED: Resource exhausted/);
  });

  it('needs the project parameter and a token; defaults the location; global has no regional host', () => {
    expect(() => createProvider(config('', { parameters: {} }))).toThrow(
      expect.objectContaining({
        kind: 'invalid_request',
        message: expect.stringMatching(/project/) as unknown,
      }),
    );
    expect(() => createProvider(config('', { apiKey: '' }))).toThrow(
      expect.objectContaining({ kind: 'auth' }),
    );
    expect(VERTEX_DEFAULT_LOCATION).toBe('us-central1');
    expect(vertexBaseUrl('us-central1')).toBe('https://us-central1-aiplatform.googleapis.com');
    expect(vertexBaseUrl('global')).toBe('https://aiplatform.googleapis.com');
  });

  it('uses the default location in the path when none is given', async () => {
    fake = await startVertexFake();
    await createProvider(config(fake.url, { parameters: { project: 'p' } })).complete(request);
    expect(fake.lastRequest().path).toBe(
      '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-test:generateContent',
    );
  });
});

describeFailureClassification('google-vertex', {
  startFake: startVertexFake,
  adapter: (endpoint, apiKey) => createProvider({ type: 'google-vertex', endpoint, apiKey, parameters }),
  request,
  apiKey: 'ya29.SECRET-access-token-0123456789',
});
