/**
 * Anthropic's Messages API: system prompt separate from the messages, `max_tokens` required,
 * `x-api-key` and `anthropic-version` headers, SSE events (message_start, content_block_delta,
 * message_delta, message_stop, error).
 */
import {
  baseUrl,
  createHttpAdapter,
  eventJson,
  malformed,
  type FinishReason,
  type HttpWire,
} from './http-adapter.ts';
import { exhaustedLimitResetMs } from './retry-after.ts';
import { ProviderError, type ProviderAdapter, type ProviderConfig, type ProviderErrorKind } from './types.ts';

export const ANTHROPIC_DEFAULT_ENDPOINT = 'https://api.anthropic.com';
export const ANTHROPIC_DEFAULT_VERSION = '2023-06-01';
/** The Messages API requires max_tokens; every current Claude model can produce at least this many. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

const FINISH_REASONS: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/** Kinds for the error types Anthropic sends inside a stream, after the 200 status. */
const STREAM_ERROR_KINDS: Record<string, ProviderErrorKind> = {
  overloaded_error: 'unavailable',
  api_error: 'unavailable',
  rate_limit_error: 'rate_limited',
  authentication_error: 'auth',
  permission_error: 'auth',
};

interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

interface AnthropicEvent {
  type?: string;
  message?: { usage?: AnthropicUsage };
  delta?: { type?: string; text?: string; stop_reason?: string | null };
  usage?: AnthropicUsage;
  error?: { type?: string; message?: string };
}

function finishReason(value: unknown): FinishReason {
  return (typeof value === 'string' && FINISH_REASONS[value]) || 'other';
}

/** Cached prompt tokens are counted apart from input_tokens; all of them are input the run consumed. */
function inputTokens(usage: AnthropicUsage | undefined): number | undefined {
  if (usage?.input_tokens === undefined) return undefined;
  return usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
}

/** Milliseconds until an RFC 3339 time, as Anthropic's anthropic-ratelimit-*-reset headers send it. */
function untilMs(nowMs: number) {
  return (value: string) => {
    const time = Date.parse(value);
    return Number.isNaN(time) ? undefined : Math.max(0, time - nowMs);
  };
}

function anthropicWire(config: ProviderConfig, baseUrl: string): HttpWire {
  const url = `${baseUrl}/v1/messages`;
  const headers = {
    'x-api-key': config.apiKey ?? '',
    'anthropic-version': config.parameters['anthropic-version'] || ANTHROPIC_DEFAULT_VERSION,
  };
  return {
    request(request) {
      const system = request.messages.filter((m) => m.role === 'system').map((m) => m.content);
      return {
        url,
        headers,
        body: {
          model: request.model,
          max_tokens: request.maxOutputTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
          ...(system.length > 0 ? { system: system.join('\n\n') } : {}),
          messages: request.messages
            .filter((m) => m.role !== 'system')
            .map(({ role, content }) => ({ role, content })),
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          ...(request.topP !== undefined ? { top_p: request.topP } : {}),
          ...(request.stop?.length ? { stop_sequences: request.stop } : {}),
          ...(request.stream ? { stream: true } : {}),
        },
      };
    },

    parseReply(body) {
      const reply = body as {
        content?: { type?: string; text?: string }[];
        stop_reason?: string;
        usage?: AnthropicUsage;
      };
      if (!Array.isArray(reply.content)) throw malformed('anthropic', 'no content');
      return {
        text: reply.content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join(''),
        usage: { inputTokens: inputTokens(reply.usage) ?? 0, outputTokens: reply.usage?.output_tokens ?? 0 },
        finishReason: finishReason(reply.stop_reason),
      };
    },

    streamDecoder() {
      let finished = false;
      let input: number | undefined;
      let output = 0;
      let reason: FinishReason = 'other';
      return {
        get finished() {
          return finished;
        },
        event(message) {
          const event = eventJson<AnthropicEvent>('anthropic', message);
          switch (event.type) {
            case 'message_start':
              input = inputTokens(event.message?.usage);
              output = event.message?.usage?.output_tokens ?? output;
              return '';
            case 'content_block_delta':
              return event.delta?.type === 'text_delta' ? (event.delta.text ?? '') : '';
            case 'message_delta':
              // Counts here are cumulative; newer API versions repeat the input count too.
              input = inputTokens(event.usage) ?? input;
              output = event.usage?.output_tokens ?? output;
              if (event.delta?.stop_reason) reason = finishReason(event.delta.stop_reason);
              return '';
            case 'message_stop':
              finished = true;
              return '';
            case 'error': {
              const type = event.error?.type ?? 'unknown';
              throw new ProviderError(
                STREAM_ERROR_KINDS[type] ?? 'invalid_request',
                `anthropic: ${type} in the stream: ${event.error?.message ?? ''}`,
              );
            }
            default:
              return ''; // ping, content_block_start/stop, and event types added later
          }
        },
        result() {
          return { usage: { inputTokens: input ?? 0, outputTokens: output }, finishReason: reason };
        },
      };
    },

    errorMessage(body) {
      const error = (body as { error?: { type?: unknown; message?: unknown } } | undefined)?.error;
      return typeof error?.message === 'string' ? `${String(error.type)}: ${error.message}` : undefined;
    },

    retryAfterMs(headers, _body, nowMs) {
      const limits = ['requests', 'tokens', 'input-tokens', 'output-tokens'].map(
        (limit) => [`anthropic-ratelimit-${limit}-remaining`, `anthropic-ratelimit-${limit}-reset`] as const,
      );
      return exhaustedLimitResetMs(headers, limits, untilMs(nowMs));
    },
  };
}

export function createAnthropicAdapter(config: ProviderConfig): ProviderAdapter {
  if (!config.apiKey)
    throw new ProviderError('auth', 'anthropic: BENCH_API_KEY is empty; the provider needs an API key');
  const wire = anthropicWire(config, baseUrl(config.endpoint, ANTHROPIC_DEFAULT_ENDPOINT));
  return createHttpAdapter('anthropic', wire, [config.apiKey]);
}
