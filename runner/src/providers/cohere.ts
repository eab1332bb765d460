/**
 * Cohere's Chat v2 (`/v2/chat`): messages with system/user/assistant roles, usage as billed units
 * (what spend and budgets count) or tokens, streams of named events ending in message-end.
 */
import {
  baseUrl,
  createHttpAdapter,
  eventJson,
  malformed,
  type FinishReason,
  type HttpWire,
} from './http-adapter.ts';
import { ProviderError, type ProviderAdapter, type ProviderConfig } from './types.ts';

export const COHERE_DEFAULT_ENDPOINT = 'https://api.cohere.com';

const FINISH_REASONS: Record<string, FinishReason> = {
  COMPLETE: 'stop',
  STOP_SEQUENCE: 'stop',
  MAX_TOKENS: 'length',
  TOOL_CALL: 'tool_calls',
};

interface CohereCounts {
  input_tokens?: number;
  output_tokens?: number;
}

interface CohereUsage {
  billed_units?: CohereCounts;
  tokens?: CohereCounts;
}

interface CohereEvent {
  type?: string;
  delta?: { message?: { content?: { text?: string } }; finish_reason?: string; usage?: CohereUsage };
}

function finishReason(value: unknown): FinishReason {
  return (typeof value === 'string' && FINISH_REASONS[value]) || 'other';
}

/** Billed units are what the account is charged; tokens (which include Cohere's own preamble) otherwise. */
function usageOf(usage: CohereUsage | undefined) {
  const counts = usage?.billed_units ?? usage?.tokens;
  return { inputTokens: counts?.input_tokens ?? 0, outputTokens: counts?.output_tokens ?? 0 };
}

function cohereWire(config: ProviderConfig, url: string): HttpWire {
  const headers = { authorization: `Bearer ${config.apiKey}` };
  return {
    request(request) {
      return {
        url,
        headers,
        body: {
          model: request.model,
          messages: request.messages.map(({ role, content }) => ({ role, content })),
          ...(request.maxOutputTokens !== undefined ? { max_tokens: request.maxOutputTokens } : {}),
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          ...(request.topP !== undefined ? { p: request.topP } : {}),
          ...(request.stop?.length ? { stop_sequences: request.stop } : {}),
          ...(request.stream ? { stream: true } : {}),
        },
      };
    },

    parseReply(body) {
      const reply = body as {
        message?: { content?: { type?: string; text?: string }[] };
        finish_reason?: string;
        usage?: CohereUsage;
      };
      if (!reply.message) throw malformed('cohere', 'no message');
      return {
        text: (reply.message.content ?? [])
          .map((part) => (part.type === 'text' ? (part.text ?? '') : ''))
          .join(''),
        usage: usageOf(reply.usage),
        finishReason: finishReason(reply.finish_reason),
      };
    },

    streamDecoder() {
      let finished = false;
      let reason: FinishReason = 'other';
      let usage: CohereUsage | undefined;
      return {
        get finished() {
          return finished;
        },
        event(message) {
          if (message.data === '[DONE]') return '';
          const event = eventJson<CohereEvent>('cohere', message);
          if (event.type === 'content-delta') return event.delta?.message?.content?.text ?? '';
          if (event.type === 'message-end') {
            finished = true;
            reason = finishReason(event.delta?.finish_reason);
            usage = event.delta?.usage;
          }
          return '';
        },
        result() {
          return { usage: usageOf(usage), finishReason: reason };
        },
      };
    },

    errorMessage(body) {
      const message = (body as { message?: unknown } | undefined)?.message;
      return typeof message === 'string' ? message : undefined;
    },

    kindForStatus(status) {
      // Cohere's own codes: 498 an invalid token, 499 a request cancelled on its side.
      if (status === 498) return 'auth';
      if (status === 499) return 'unavailable';
      return undefined;
    },
  };
}

export function createCohereAdapter(config: ProviderConfig): ProviderAdapter {
  if (!config.apiKey)
    throw new ProviderError('auth', 'cohere: BENCH_API_KEY is empty; the provider needs an API key');
  const url = `${baseUrl(config.endpoint, COHERE_DEFAULT_ENDPOINT)}/v2/chat`;
  return createHttpAdapter('cohere', cohereWire(config, url), [config.apiKey]);
}
