/**
 * Cohere's Chat v2 on the wire: POST /v2/chat with a bearer key, messages with system/user/assistant
 * roles, replies with `message.content[]`, `finish_reason` (COMPLETE, MAX_TOKENS...) and usage both
 * billed and as tokens, streams of named events (message-start, content-delta, message-end), and
 * errors as `{ message }`.
 */
import {
  FakeBadRequest,
  sseFrame,
  startFakeProvider,
  type FakeProvider,
  type FakeProviderOptions,
  type ResolvedAnswer,
  type WireFormat,
} from './core.ts';

/** Cohere counts a few tokens of its own preamble in `tokens` but bills only the prompt. */
const PREAMBLE_TOKENS = 10;

function textOf(content: unknown, where: string): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content.map((part: { text?: unknown }) => String(part?.text ?? '')).join('');
  throw new FakeBadRequest(`${where}: content must be a string or a list of content parts`);
}

function usage(answer: ResolvedAnswer) {
  return {
    billed_units: { input_tokens: answer.inputTokens, output_tokens: answer.outputTokens },
    tokens: { input_tokens: answer.inputTokens + PREAMBLE_TOKENS, output_tokens: answer.outputTokens },
  };
}

const cohereWire: WireFormat = {
  finishReasons: { stop: 'COMPLETE', length: 'MAX_TOKENS' },

  parse({ method, url, body }) {
    if (method !== 'POST' || url.pathname !== '/v2/chat') return undefined;
    const request = (body ?? {}) as Record<string, unknown>;
    if (typeof request.model !== 'string')
      throw new FakeBadRequest('invalid request: model must be specified');
    if (!Array.isArray(request.messages) || request.messages.length === 0) {
      throw new FakeBadRequest('invalid request: messages must not be empty');
    }
    const messages = (request.messages as { role?: unknown; content?: unknown }[]).map((message, index) => {
      if (!['system', 'user', 'assistant', 'tool'].includes(String(message.role))) {
        throw new FakeBadRequest(`invalid request: messages[${index}].role is invalid`);
      }
      return { role: String(message.role), content: textOf(message.content, `messages[${index}]`) };
    });
    return {
      model: request.model,
      messages,
      stream: request.stream === true,
      maxOutputTokens: typeof request.max_tokens === 'number' ? request.max_tokens : undefined,
    };
  },

  presentedKey: (headers) => /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1],

  reply(answer, prompt) {
    if (!prompt.stream) {
      return {
        contentType: 'application/json',
        body: JSON.stringify({
          id: 'cohere-fake',
          finish_reason: answer.finishReason,
          message: { role: 'assistant', content: [{ type: 'text', text: answer.text }] },
          usage: usage(answer),
        }),
      };
    }
    const event = (type: string, data: object) => sseFrame(JSON.stringify({ type, ...data }), type);
    return {
      contentType: 'text/event-stream',
      chunks: [
        event('message-start', { id: 'cohere-fake', delta: { message: { role: 'assistant', content: [] } } }),
        event('content-start', { index: 0, delta: { message: { content: { type: 'text', text: '' } } } }),
        ...answer.pieces.map((text) =>
          event('content-delta', { index: 0, delta: { message: { content: { text } } } }),
        ),
        event('content-end', { index: 0 }),
        event('message-end', { delta: { finish_reason: answer.finishReason, usage: usage(answer) } }),
      ],
    };
  },

  error(_status, message) {
    return { body: JSON.stringify({ id: 'cohere-fake-error', message }) };
  },
};

export function startCohereFake(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  return startFakeProvider(cohereWire, options);
}
