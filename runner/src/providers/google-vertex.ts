/**
 * Gemini on Vertex AI: `generateContent` and `streamGenerateContent?alt=sse` under the project and
 * location from the target's parameters, with the key sent as a bearer (OAuth 2 access) token.
 */
import {
  baseUrl,
  createHttpAdapter,
  eventJson,
  malformed,
  type Completion,
  type FinishReason,
  type HttpWire,
} from './http-adapter.ts';
import { parseDurationMs } from './retry-after.ts';
import { ProviderError, type ProviderAdapter, type ProviderConfig } from './types.ts';

export const VERTEX_DEFAULT_LOCATION = 'us-central1';

const FINISH_REASONS: Record<string, FinishReason> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
};

interface GeminiResponse {
  candidates?: { content?: { parts?: { text?: string; thought?: boolean }[] }; finishReason?: string }[];
  promptFeedback?: { blockReason?: string };
  usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number; thoughtsTokenCount?: number };
  error?: GoogleError;
}

interface GoogleError {
  code?: number;
  message?: string;
  status?: string;
  details?: { '@type'?: string; retryDelay?: string }[];
}

/** The host of a location: `global` has no regional prefix. */
export function vertexBaseUrl(location: string): string {
  return location === 'global'
    ? 'https://aiplatform.googleapis.com'
    : `https://${location}-aiplatform.googleapis.com`;
}

function finishReason(value: string | undefined): FinishReason {
  return (value !== undefined && FINISH_REASONS[value]) || 'other';
}

/** Thinking models send their thoughts as parts marked `thought`; they are not the answer. */
function textOf(response: GeminiResponse): string {
  const parts = response.candidates?.[0]?.content?.parts ?? [];
  return parts.map((part) => (part.thought ? '' : (part.text ?? ''))).join('');
}

/** Thinking tokens are billed as output. */
function usageOf(usage: GeminiResponse['usageMetadata']): Completion['usage'] {
  return {
    inputTokens: usage?.promptTokenCount ?? 0,
    outputTokens: (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0),
  };
}

/** Google sends errors as an object, or, from streaming calls without alt=sse, as an array of them. */
function googleError(body: unknown): GoogleError | undefined {
  const first = (Array.isArray(body) ? body[0] : body) as { error?: GoogleError } | undefined;
  return first?.error;
}

function vertexWire(config: ProviderConfig, modelsUrl: string): HttpWire {
  const headers = { authorization: `Bearer ${config.apiKey}` };
  return {
    request(request) {
      const system = request.messages.filter((m) => m.role === 'system').map((m) => m.content);
      const generationConfig = {
        ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(request.topP !== undefined ? { topP: request.topP } : {}),
        ...(request.stop?.length ? { stopSequences: request.stop } : {}),
      };
      const method = request.stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
      return {
        url: `${modelsUrl}/${encodeURIComponent(request.model)}:${method}`,
        headers,
        body: {
          contents: request.messages
            .filter((m) => m.role !== 'system')
            .map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: m.content }] })),
          ...(system.length > 0 ? { systemInstruction: { parts: [{ text: system.join('\n\n') }] } } : {}),
          ...(Object.keys(generationConfig).length > 0 ? { generationConfig } : {}),
        },
      };
    },

    parseReply(body) {
      const response = body as GeminiResponse;
      if (response.promptFeedback?.blockReason) {
        return { text: '', usage: usageOf(response.usageMetadata), finishReason: 'content_filter' };
      }
      const candidate = response.candidates?.[0];
      if (!candidate) throw malformed('google-vertex', 'no candidates');
      return {
        text: textOf(response),
        usage: usageOf(response.usageMetadata),
        finishReason: finishReason(candidate.finishReason),
      };
    },

    streamDecoder() {
      let reason: FinishReason | undefined;
      let usage: GeminiResponse['usageMetadata'];
      return {
        get finished() {
          return reason !== undefined;
        },
        event(message) {
          const chunk = eventJson<GeminiResponse>('google-vertex', message);
          if (chunk.error) {
            throw new ProviderError(
              'unavailable',
              `google-vertex: error in the stream: ${chunk.error.message ?? ''}`,
            );
          }
          usage = chunk.usageMetadata ?? usage;
          if (chunk.promptFeedback?.blockReason) reason = 'content_filter';
          const finish = chunk.candidates?.[0]?.finishReason;
          if (finish) reason = finishReason(finish);
          return textOf(chunk);
        },
        result() {
          return { usage: usageOf(usage), finishReason: reason ?? 'other' };
        },
      };
    },

    errorMessage(body) {
      const error = googleError(body);
      return error?.message === undefined ? undefined : `${error.status ?? error.code}: ${error.message}`;
    },

    retryAfterMs(_headers, body) {
      const retryInfo = googleError(body)?.details?.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'));
      return retryInfo?.retryDelay === undefined ? undefined : parseDurationMs(retryInfo.retryDelay);
    },
  };
}

export function createVertexAdapter(config: ProviderConfig): ProviderAdapter {
  const project = config.parameters.project;
  if (!project)
    throw new ProviderError('invalid_request', 'google-vertex: the target parameter `project` is required');
  if (!config.apiKey) {
    throw new ProviderError(
      'auth',
      'google-vertex: BENCH_API_KEY is empty; it must hold an OAuth 2 access token',
    );
  }
  const location = config.parameters.location || VERTEX_DEFAULT_LOCATION;
  const base = baseUrl(config.endpoint, vertexBaseUrl(location));
  const modelsUrl = `${base}/v1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/google/models`;
  return createHttpAdapter('google-vertex', vertexWire(config, modelsUrl), [config.apiKey]);
}
