/**
 * OpenAI chat completions, and the providers that speak it with small differences: the
 * OpenAI-compatible servers (vLLM, Ollama, llama.cpp), Groq, Together, Mistral, and Azure OpenAI
 * (deployment URLs, `api-key` header, api-version).
 */
import {
  baseUrl,
  createHttpAdapter,
  eventJson,
  malformed,
  type FinishReason,
  type HttpWire,
} from './http-adapter.ts';
import { exhaustedLimitResetMs, parseDurationMs } from './retry-after.ts';
import { ProviderError, type CompletionRequest, type ProviderAdapter, type ProviderConfig } from './types.ts';

export type OpenAIFamily = 'openai' | 'openai-compatible' | 'groq' | 'together' | 'mistral' | 'azure-openai';

interface Flavor {
  /** Base URL the path `/chat/completions` is appended to; undefined: BENCH_ENDPOINT is required. */
  defaultBaseUrl: string | undefined;
  keyRequired: boolean;
  /** OpenAI deprecated max_tokens; servers that predate max_completion_tokens only know max_tokens. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** Whether to ask for usage in the stream (Mistral rejects stream_options and sends usage anyway). */
  streamOptions: boolean;
}

const FLAVORS: Record<OpenAIFamily, Flavor> = {
  openai: {
    defaultBaseUrl: 'https://api.openai.com/v1',
    keyRequired: true,
    maxTokensField: 'max_completion_tokens',
    streamOptions: true,
  },
  'openai-compatible': {
    defaultBaseUrl: undefined,
    keyRequired: false,
    maxTokensField: 'max_tokens',
    streamOptions: true,
  },
  groq: {
    defaultBaseUrl: 'https://api.groq.com/openai/v1',
    keyRequired: true,
    maxTokensField: 'max_completion_tokens',
    streamOptions: true,
  },
  together: {
    defaultBaseUrl: 'https://api.together.xyz/v1',
    keyRequired: true,
    maxTokensField: 'max_tokens',
    streamOptions: true,
  },
  mistral: {
    defaultBaseUrl: 'https://api.mistral.ai/v1',
    keyRequired: true,
    maxTokensField: 'max_tokens',
    streamOptions: false,
  },
  'azure-openai': {
    defaultBaseUrl: undefined,
    keyRequired: true,
    maxTokensField: 'max_completion_tokens',
    streamOptions: true,
  },
};

/** The GA api-version of Azure OpenAI's data plane used when the target's parameters name none. */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  model_length: 'length', // Mistral: the model's context window was reached
  content_filter: 'content_filter',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
};

function finishReason(value: unknown): FinishReason {
  return (typeof value === 'string' && FINISH_REASONS[value]) || 'other';
}

interface ChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

interface ChatChunk {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  usage?: ChatUsage | null;
  /** Groq's place for usage in streams that did not ask for stream_options. */
  x_groq?: { usage?: ChatUsage };
  error?: { message?: string };
}

function usageOf(usage: ChatUsage | null | undefined) {
  return { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 };
}

function chatUrl(
  family: OpenAIFamily,
  base: string,
  parameters: Record<string, string>,
  model: string,
): string {
  if (family !== 'azure-openai') return `${base}/chat/completions`;
  const deployment = encodeURIComponent(parameters.deployment || model);
  const apiVersion = encodeURIComponent(parameters['api-version'] || DEFAULT_AZURE_API_VERSION);
  return `${base}/openai/deployments/${deployment}/chat/completions?api-version=${apiVersion}`;
}

function requestBody(family: OpenAIFamily, request: CompletionRequest): Record<string, unknown> {
  const flavor = FLAVORS[family];
  return {
    // Azure takes the model from the deployment in the URL.
    ...(family === 'azure-openai' ? {} : { model: request.model }),
    messages: request.messages.map(({ role, content }) => ({ role, content })),
    ...(request.maxOutputTokens !== undefined ? { [flavor.maxTokensField]: request.maxOutputTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { top_p: request.topP } : {}),
    ...(request.stop?.length ? { stop: request.stop } : {}),
    ...(request.stream
      ? { stream: true, ...(flavor.streamOptions ? { stream_options: { include_usage: true } } : {}) }
      : {}),
  };
}

function openAIWire(family: OpenAIFamily, config: ProviderConfig, base: string): HttpWire {
  const key = config.apiKey;
  const auth: Record<string, string> = !key
    ? {}
    : family === 'azure-openai'
      ? { 'api-key': key }
      : { authorization: `Bearer ${key}` };
  return {
    request(request) {
      const url = chatUrl(family, base, config.parameters, request.model);
      return { url, headers: auth, body: requestBody(family, request) };
    },

    parseReply(body) {
      const reply = body as ChatChunk & {
        choices?: { message?: { content?: string | null }; finish_reason?: string }[];
      };
      const choice = reply.choices?.[0];
      if (!choice) throw malformed(family, 'no choices');
      return {
        text: choice.message?.content ?? '',
        usage: usageOf(reply.usage),
        finishReason: finishReason(choice.finish_reason),
      };
    },

    streamDecoder() {
      let done = false;
      let reason: FinishReason | undefined;
      let usage: ChatUsage | undefined;
      return {
        get finished() {
          // Some compatible servers end the stream after the finish reason without `[DONE]`.
          return done || (reason !== undefined && usage !== undefined);
        },
        event(message) {
          if (message.data === '[DONE]') {
            done = true;
            return '';
          }
          const chunk = eventJson<ChatChunk>(family, message);
          if (chunk.error) {
            throw new ProviderError(
              'unavailable',
              `${family}: error in the stream: ${chunk.error.message ?? 'unknown'}`,
            );
          }
          usage = chunk.usage ?? chunk.x_groq?.usage ?? usage;
          const choice = chunk.choices?.[0];
          if (choice?.finish_reason) reason = finishReason(choice.finish_reason);
          return choice?.delta?.content ?? '';
        },
        result() {
          return { usage: usageOf(usage), finishReason: reason ?? 'other' };
        },
      };
    },

    errorMessage(body) {
      const message = (body as { error?: { message?: unknown }; message?: unknown } | undefined)?.error
        ?.message;
      return typeof message === 'string' ? message : undefined;
    },

    retryAfterMs(headers) {
      return exhaustedLimitResetMs(
        headers,
        [
          ['x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'],
          ['x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'],
        ],
        parseDurationMs,
      );
    },
  };
}

export function createOpenAIAdapter(family: OpenAIFamily, config: ProviderConfig): ProviderAdapter {
  if (FLAVORS[family].keyRequired && !config.apiKey) {
    throw new ProviderError('auth', `${family}: BENCH_API_KEY is empty; the provider needs an API key`);
  }
  const fallback = FLAVORS[family].defaultBaseUrl;
  if (!config.endpoint && !fallback) {
    throw new ProviderError(
      'invalid_request',
      `${family}: BENCH_ENDPOINT is required (the server's base URL)`,
    );
  }
  const wire = openAIWire(family, config, baseUrl(config.endpoint, fallback ?? ''));
  return createHttpAdapter(family, wire, config.apiKey ? [config.apiKey] : []);
}
