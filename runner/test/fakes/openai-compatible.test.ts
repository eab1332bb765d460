import { afterEach, describe, expect, it } from 'vitest';
import type { FakeProvider } from './core.ts';
import { startOpenAICompatibleFake } from './openai-compatible.ts';

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function post(path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) {
  return fetch(`${fake!.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
    body: JSON.stringify(body),
    signal,
  });
}

/** The parts of an OpenAI reply these tests read. */
interface Completion {
  model: string;
  choices: { message: { role: string; content: string }; finish_reason: string }[];
  usage: Record<string, number>;
  error: { code: string };
}
const json = async (response: Response | Promise<Response>) => (await (await response).json()) as Completion;

/** The parts of a streamed OpenAI chunk these tests read. */
interface Chunk {
  choices: { delta: { content?: string }; finish_reason: string | null }[];
}

const chat = { model: 'gpt-test', messages: [{ role: 'user', content: 'What is two plus two?' }] };

describe('the OpenAI-compatible fake', () => {
  it('answers chat completions from the answer function and records the request', async () => {
    fake = await startOpenAICompatibleFake({
      apiKey: 'sk-test',
      answer: (prompt) => (prompt.messages[0]!.content.includes('two plus two') ? 'It is 4' : 'no idea'),
    });
    const response = await post('/v1/chat/completions?x=1', chat);
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.model).toBe('gpt-test');
    expect(body.choices[0]?.message).toEqual({ role: 'assistant', content: 'It is 4' });
    expect(body.choices[0]?.finish_reason).toBe('stop');
    expect(body.usage).toEqual({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
    const recorded = fake.lastRequest();
    expect(recorded).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      query: { x: '1' },
      body: chat,
    });
    expect(recorded.headers.authorization).toBe('Bearer sk-test');
  });

  it('streams data: chunks ending in [DONE], with usage last when include_usage is set', async () => {
    fake = await startOpenAICompatibleFake({ answer: () => 'one two three' });
    const response = await post('/v1/chat/completions', {
      ...chat,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const frames = (await response.text()).split('\n\n').filter(Boolean);
    expect(frames.at(-1)).toBe('data: [DONE]');
    const chunks = frames.slice(0, -1).map((frame) => JSON.parse(frame.replace(/^data: /, '')) as Chunk);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('one two three');
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 3 } });
  });

  it('truncates at max_tokens with finish_reason length', async () => {
    fake = await startOpenAICompatibleFake({ answer: () => 'a b c d e' });
    const body = await json(post('/v1/chat/completions', { ...chat, max_tokens: 2 }));
    expect(body.choices[0]).toMatchObject({ message: { content: 'a b ' }, finish_reason: 'length' });
  });

  it('rejects a wrong key with 401 echoing it, and a request without messages with 400', async () => {
    fake = await startOpenAICompatibleFake({ apiKey: 'sk-right' });
    const denied = await post('/v1/chat/completions', chat, { authorization: 'Bearer sk-wrong' });
    expect(denied.status).toBe(401);
    expect(await denied.text()).toContain('sk-wrong');
    const bad = await post('/v1/chat/completions', { model: 'm' }, { authorization: 'Bearer sk-right' });
    expect(bad.status).toBe(400);
  });

  it('serves Azure deployments with the api-key header and the model from the path', async () => {
    fake = await startOpenAICompatibleFake({ apiKey: 'azure-key', auth: 'api-key' });
    const path = '/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21';
    const response = await post(path, { messages: chat.messages }, { 'api-key': 'azure-key' });
    expect((await json(response)).model).toBe('my-gpt');
  });

  it('plays injected faults in order, then answers again', async () => {
    fake = await startOpenAICompatibleFake();
    fake.inject({ type: 'rate-limit', retryAfter: '3' });
    fake.inject({ type: 'error', status: 503 }, 2);
    const limited = await post('/v1/chat/completions', chat);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect((await json(limited)).error.code).toBe('rate_limit_exceeded');
    expect((await post('/v1/chat/completions', chat)).status).toBe(503);
    expect((await post('/v1/chat/completions', chat)).status).toBe(503);
    expect((await post('/v1/chat/completions', chat)).status).toBe(200);
    expect(fake.requests).toHaveLength(4);
  });

  it('hangs until the client aborts, and drops connections when told', async () => {
    fake = await startOpenAICompatibleFake();
    fake.inject({ type: 'hang' });
    const controller = new AbortController();
    const pending = post('/v1/chat/completions', chat, {}, controller.signal);
    await expect.poll(() => fake!.requests.length, { timeout: 10_000 }).toBe(1);
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    fake.inject({ type: 'disconnect' });
    await expect(post('/v1/chat/completions', chat)).rejects.toThrow(/fetch failed/);
  });

  it('records nothing in instant mode', async () => {
    fake = await startOpenAICompatibleFake({ instant: true });
    for (let i = 0; i < 3; i++) expect((await post('/v1/chat/completions', chat)).status).toBe(200);
    expect(fake.requests).toHaveLength(0);
  });
});
