/**
 * OpenAI chat completions on the wire, as api.openai.com and the compatible servers (vLLM, Ollama,
 * llama.cpp, Groq, Together, Mistral) and Azure OpenAI speak it: POST `.../chat/completions`,
 * JSON or SSE `data:` chunks ending in `data: [DONE]`, usage in a last chunk with empty choices when
 * `stream_options.include_usage` is set, errors as `{ error: { message, type, code } }`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  FakeBadRequest,
  sseFrame,
  startFakeProvider,
  type FakePrompt,
  type FakeProvider,
  type FakeProviderOptions,
  type ResolvedAnswer,
  type WireFormat,
} from './core.ts';

export interface OpenAIFakeOptions extends FakeProviderOptions {
  /**
   * `bearer` (`Authorization: Bearer <key>`, OpenAI and the compatible family) or `api-key`
   * (the `api-key` header, Azure OpenAI, whose deployments also take the model from the path).
   */
  auth?: 'bearer' | 'api-key';
}

const ERROR_TYPES: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
};

function asMessages(value: unknown): FakePrompt['messages'] {
  if (!Array.isArray(value) || value.length === 0)
    throw new FakeBadRequest("'messages' must be a non-empty array");
  return value.map((message: unknown, index) => {
    const { role, content } = (message ?? {}) as { role?: unknown; content?: unknown };
    if (typeof role !== 'string' || typeof content !== 'string') {
      throw new FakeBadRequest(`messages[${index}] needs a string 'role' and 'content'`);
    }
    return { role, content };
  });
}

function openAIWire(auth: 'bearer' | 'api-key'): WireFormat {
  return {
    finishReasons: { stop: 'stop', length: 'length' },

    parse({ method, url, body }) {
      if (method !== 'POST' || !url.pathname.endsWith('/chat/completions')) return undefined;
      if (typeof body !== 'object' || body === null)
        throw new FakeBadRequest('the body must be a JSON object');
      const request = body as Record<string, unknown>;
      const deployment = /\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(url.pathname)?.[1];
      if (auth === 'api-key' && !url.searchParams.get('api-version')) {
        throw new FakeBadRequest('api-version query parameter is required');
      }
      const model = typeof request.model === 'string' ? request.model : deployment;
      if (model === undefined) throw new FakeBadRequest("you must provide a 'model' parameter");
      const maxTokens = request.max_completion_tokens ?? request.max_tokens;
      const streamOptions = request.stream_options as { include_usage?: unknown } | undefined;
      return {
        model: deployment ?? model,
        messages: asMessages(request.messages),
        stream: request.stream === true,
        maxOutputTokens: typeof maxTokens === 'number' ? maxTokens : undefined,
        wireOptions: { includeUsage: streamOptions?.include_usage === true },
      };
    },

    presentedKey(headers: IncomingHttpHeaders) {
      if (auth === 'api-key') return headers['api-key'] as string | undefined;
      return /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
    },

    reply(answer: ResolvedAnswer, prompt: FakePrompt) {
      const id = 'chatcmpl-fake';
      const created = Math.floor(Date.now() / 1000);
      const usage = {
        prompt_tokens: answer.inputTokens,
        completion_tokens: answer.outputTokens,
        total_tokens: answer.inputTokens + answer.outputTokens,
      };
      if (!prompt.stream) {
        return {
          contentType: 'application/json',
          body: JSON.stringify({
            id,
            object: 'chat.completion',
            created,
            model: prompt.model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: answer.text },
                logprobs: null,
                finish_reason: answer.finishReason,
              },
            ],
            usage,
          }),
        };
      }
      const includeUsage = prompt.wireOptions?.includeUsage === true;
      const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
        sseFrame(
          JSON.stringify({
            id,
            object: 'chat.completion.chunk',
            created,
            model: prompt.model,
            choices,
            ...extra,
          }),
        );
      const withUsage = includeUsage ? { usage: null } : {};
      return {
        contentType: 'text/event-stream',
        chunks: [
          chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], withUsage),
          ...answer.pieces.map((piece) =>
            chunk([{ index: 0, delta: { content: piece }, finish_reason: null }], withUsage),
          ),
          chunk([{ index: 0, delta: {}, finish_reason: answer.finishReason }], withUsage),
          ...(includeUsage ? [chunk([], { usage })] : []),
          sseFrame('[DONE]'),
        ],
      };
    },

    error(status, message) {
      const { type, code } = ERROR_TYPES[status] ?? { type: 'server_error', code: null };
      return { body: JSON.stringify({ error: { message, type, param: null, code } }) };
    },
  };
}

/** Starts a fake OpenAI-compatible chat completions server (Azure OpenAI with `auth: 'api-key'`). */
export function startOpenAICompatibleFake(options: OpenAIFakeOptions = {}): Promise<FakeProvider> {
  return startFakeProvider(openAIWire(options.auth ?? 'bearer'), options);
}
