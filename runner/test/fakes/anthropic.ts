/**
 * Anthropic's Messages API on the wire: POST /v1/messages with `x-api-key` and `anthropic-version`,
 * the system prompt outside the messages, `max_tokens` required, SSE events message_start,
 * content_block_start/delta/stop, message_delta (stop reason, output tokens), message_stop, and
 * errors as `{ type: "error", error: { type, message } }` (529 overloaded_error).
 */
import {
  FakeBadRequest,
  sseFrame,
  startFakeProvider,
  type FakePrompt,
  type FakeProvider,
  type FakeProviderOptions,
  type WireFormat,
} from './core.ts';

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

/** A string, or text content blocks, as Anthropic accepts for both `system` and message content. */
function textOf(content: unknown, where: string): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((block: { type?: unknown; text?: unknown }) => {
        if (block?.type !== 'text' || typeof block.text !== 'string')
          throw new FakeBadRequest(`${where}: text blocks only`);
        return block.text;
      })
      .join('');
  }
  throw new FakeBadRequest(`${where}: Input should be a valid string or list of content blocks`);
}

const anthropicWire: WireFormat = {
  finishReasons: { stop: 'end_turn', length: 'max_tokens' },

  parse({ method, url, headers, body }) {
    if (method !== 'POST' || url.pathname !== '/v1/messages') return undefined;
    if (!headers['anthropic-version']) throw new FakeBadRequest('anthropic-version: header is required');
    const request = (body ?? {}) as Record<string, unknown>;
    if (typeof request.model !== 'string') throw new FakeBadRequest('model: Field required');
    if (typeof request.max_tokens !== 'number') throw new FakeBadRequest('max_tokens: Field required');
    if (!Array.isArray(request.messages) || request.messages.length === 0) {
      throw new FakeBadRequest('messages: at least one message is required');
    }
    const messages = (request.messages as { role?: unknown; content?: unknown }[]).map((message, index) => {
      if (message.role !== 'user' && message.role !== 'assistant') {
        throw new FakeBadRequest(`messages.${index}.role: Input should be 'user' or 'assistant'`);
      }
      return { role: message.role, content: textOf(message.content, `messages.${index}.content`) };
    });
    const system =
      request.system === undefined ? [] : [{ role: 'system', content: textOf(request.system, 'system') }];
    return {
      model: request.model,
      messages: [...system, ...messages],
      stream: request.stream === true,
      maxOutputTokens: request.max_tokens,
    };
  },

  presentedKey: (headers) => headers['x-api-key'] as string | undefined,

  reply(answer, prompt: FakePrompt) {
    const message = {
      id: 'msg_fake',
      type: 'message',
      role: 'assistant',
      model: prompt.model,
      stop_sequence: null,
    };
    if (!prompt.stream) {
      return {
        contentType: 'application/json',
        body: JSON.stringify({
          ...message,
          content: [{ type: 'text', text: answer.text }],
          stop_reason: answer.finishReason,
          usage: { input_tokens: answer.inputTokens, output_tokens: answer.outputTokens },
        }),
      };
    }
    const event = (type: string, data: object) => sseFrame(JSON.stringify({ type, ...data }), type);
    return {
      contentType: 'text/event-stream',
      chunks: [
        event('message_start', {
          message: {
            ...message,
            content: [],
            stop_reason: null,
            usage: { input_tokens: answer.inputTokens, output_tokens: 1 },
          },
        }),
        event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
        event('ping', {}),
        ...answer.pieces.map((text) =>
          event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
        ),
        event('content_block_stop', { index: 0 }),
        event('message_delta', {
          delta: { stop_reason: answer.finishReason, stop_sequence: null },
          usage: { output_tokens: answer.outputTokens },
        }),
        event('message_stop', {}),
      ],
    };
  },

  error(status, message) {
    const type = ERROR_TYPES[status] ?? 'api_error';
    return { body: JSON.stringify({ type: 'error', error: { type, message } }) };
  },
};

export function startAnthropicFake(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  return startFakeProvider(anthropicWire, options);
}
