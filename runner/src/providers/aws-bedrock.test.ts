import { afterEach, describe, expect, it } from 'vitest';
import { eventStreamException, eventStreamMessage, startBedrockFake } from '../../test/fakes/aws-bedrock.ts';
import type { FakeProvider } from '../../test/fakes/core.ts';
import { describeFailureClassification, providerError } from '../../test/fakes/provider-contract.ts';
import { parseCredentials } from './aws-bedrock.ts';
import { createProvider } from './index.ts';
import type { CompletionRequest, ProviderConfig } from './types.ts';

const apiKey = 'AKIDEXAMPLE:wJalrXUtnFEMIEXAMPLEKEY';
const model = 'anthropic.claude-3-haiku-20240307-v1:0';
const request: CompletionRequest = {
  model,
  messages: [
    { role: 'system', content: 'Answer briefly.' },
    { role: 'user', content: 'What is two plus two?' },
  ],
};

function config(endpoint: string, extra: Partial<ProviderConfig> = {}): ProviderConfig {
  return { type: 'aws-bedrock', endpoint, apiKey, parameters: { region: 'us-west-2' }, ...extra };
}

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('aws-bedrock adapter', () => {
  it('calls Converse signed with SigV4 for the region, and normalizes the reply', async () => {
    fake = await startBedrockFake({ apiKey, answer: () => 'Four.' });
    const response = await createProvider(config(fake.url)).complete({
      ...request,
      maxOutputTokens: 30,
      temperature: 0.1,
      topP: 0.9,
      stop: ['END'],
    });

    const sent = fake.lastRequest();
    expect(sent).toMatchObject({
      method: 'POST',
      path: `/model/${encodeURIComponent(model)}/converse`,
      query: {},
    });
    expect(sent.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-west-2\/bedrock\/aws4_request, SignedHeaders=\S+, Signature=[0-9a-f]{64}$/,
    );
    expect(sent.headers.authorization).not.toContain('wJalrXUtnFEMIEXAMPLEKEY');
    expect(sent.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(sent.body).toEqual({
      messages: [{ role: 'user', content: [{ text: 'What is two plus two?' }] }],
      system: [{ text: 'Answer briefly.' }],
      inferenceConfig: { maxTokens: 30, temperature: 0.1, topP: 0.9, stopSequences: ['END'] },
    });
    expect(response).toMatchObject({
      text: 'Four.',
      usage: { inputTokens: 7, outputTokens: 1 },
      finishReason: 'stop',
    });
    expect(response.timeToFirstTokenMs).toBeUndefined();
  });

  it('streams through ConverseStream (binary event stream) with time to first token', async () => {
    fake = await startBedrockFake({ apiKey, answer: () => 'one two three', chunkDelayMs: 5 });
    const response = await createProvider(config(fake.url)).complete({ ...request, stream: true });
    expect(fake.lastRequest().path).toBe(`/model/${encodeURIComponent(model)}/converse-stream`);
    expect(response).toMatchObject({
      text: 'one two three',
      usage: { inputTokens: 7, outputTokens: 3 },
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
    ['guardrail_intervened', 'content_filter'],
    ['content_filtered', 'content_filter'],
  ] as const)('maps stopReason %s to %s, streamed or not', async (wireReason, normalized) => {
    fake = await startBedrockFake({ answer: () => ({ text: 'x', finishReason: wireReason }) });
    const adapter = createProvider(config(fake.url));
    expect((await adapter.complete(request)).finishReason).toBe(normalized);
    expect((await adapter.complete({ ...request, stream: true })).finishReason).toBe(normalized);
  });

  it.each([
    ['ServiceQuotaExceededException', 400, 'rate_limited'],
    ['ModelNotReadyException', 429, 'unavailable'],
    ['ModelTimeoutException', 408, 'unavailable'],
    ['ModelErrorException', 424, 'unavailable'],
    ['ExpiredTokenException', 400, 'auth'],
    ['ResourceNotFoundException', 404, 'invalid_request'],
    ['ValidationException', 400, 'invalid_request'],
  ] as const)('classifies %s (HTTP %i) as %s', async (type, status, kind) => {
    fake = await startBedrockFake();
    fake.inject({
      type: 'raw',
      status,
      headers: { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` },
      body: JSON.stringify({ message: 'something went wrong' }),
    });
    const error = await providerError(createProvider(config(fake.url)).complete(request));
    expect(error).toMatchObject({ kind, status });
    if (kind !== 'auth') expect(error.message).toContain(`${type}: something went wrong`);
  });

  it('classifies a throttling exception inside the stream as rate_limited', async () => {
    fake = await startBedrockFake();
    fake.inject({
      type: 'raw',
      status: 200,
      headers: { 'content-type': 'application/vnd.amazon.eventstream' },
      body: Buffer.concat([
        eventStreamMessage('messageStart', { role: 'assistant' }),
        eventStreamException('throttlingException', 'Too many tokens, please wait'),
      ]),
    });
    const error = await providerError(
      createProvider(config(fake.url)).complete({ ...request, stream: true }),
    );
    expect(error).toMatchObject({
      kind: 'rate_limited',
      message: expect.stringMatching(/Too many tokens/) as unknown,
    });
  });

  it('classifies a stream that ends without messageStop as unavailable', async () => {
    fake = await startBedrockFake();
    fake.inject({
      type: 'raw',
      status: 200,
      headers: { 'content-type': 'application/vnd.amazon.eventstream' },
      body: eventStreamMessage('messageStart', { role: 'assistant' }),
    });
    const error = await providerError(
      createProvider(config(fake.url)).complete({ ...request, stream: true }),
    );
    expect(error).toMatchObject({
      kind: 'unavailable',
      message: expect.stringMatching(/ended before/) as unknown,
    });
  });

  it('reads credentials as accessKeyId:secretAccessKey[:sessionToken], and needs a region', () => {
    expect(parseCredentials('AKID:SECRET')).toEqual({ accessKeyId: 'AKID', secretAccessKey: 'SECRET' });
    expect(parseCredentials('AKID:SECRET:TOKEN')).toEqual({
      accessKeyId: 'AKID',
      secretAccessKey: 'SECRET',
      sessionToken: 'TOKEN',
    });
    expect(parseCredentials('')).toBeUndefined();
    expect(() => parseCredentials('just-a-key')).toThrow(
      expect.objectContaining({ kind: 'invalid_request' }),
    );
    const previous = { region: process.env.AWS_REGION, defaultRegion: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      expect(() => createProvider(config('', { parameters: {} }))).toThrow(/region/);
    } finally {
      if (previous.region !== undefined) process.env.AWS_REGION = previous.region;
      if (previous.defaultRegion !== undefined) process.env.AWS_DEFAULT_REGION = previous.defaultRegion;
    }
  });
});

describeFailureClassification('aws-bedrock', {
  startFake: startBedrockFake,
  adapter: (endpoint, key) =>
    createProvider({ type: 'aws-bedrock', endpoint, apiKey: key, parameters: { region: 'us-east-1' } }),
  request,
  apiKey: 'AKIASECRETID0123:SECRETaccessKEY0123456789',
});
