/**
 * The one request/response shape every provider adapter speaks, so the runner's benchmark,
 * scoring, rate limiting and retry code never knows which provider it talks to.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface CompletionRequest {
  model: string;
  messages: ChatMessage[];
  /** Sampling parameters; an adapter maps the ones its API knows and ignores the rest. */
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  /** Ask for a streamed answer (time to first token is measured only then). */
  stream?: boolean;
  /**
   * Aborts the request (per-request timeout, SIGTERM). An abort whose reason is a TimeoutError
   * (AbortSignal.timeout) is the provider not answering in time: the adapter throws
   * ProviderError('unavailable'). Any other abort rejects with the signal's own reason, unchanged.
   */
  signal?: AbortSignal;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface CompletionResponse {
  text: string;
  usage: Usage;
  /** Normalized: 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'other'. */
  finishReason: 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'other';
  /** Milliseconds from sending the request to the last byte of the answer. */
  latencyMs: number;
  /** Milliseconds to the first streamed token; absent when not streamed. */
  timeToFirstTokenMs?: number;
}

/**
 * Why a provider call failed, as the runner contract's exit codes need it:
 * unavailable → 10, rate_limited → 11, auth → 12, invalid_request → 2.
 */
export type ProviderErrorKind = 'unavailable' | 'rate_limited' | 'auth' | 'invalid_request';

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  /** HTTP status when there was a response. */
  readonly status: number | undefined;
  /** Milliseconds the provider asked to wait (Retry-After), when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(
    kind: ProviderErrorKind,
    message: string,
    options: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ProviderError';
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The provider types of ProviderPolicy's `spec.provider`. */
export type ProviderType =
  | 'openai'
  | 'anthropic'
  | 'azure-openai'
  | 'google-vertex'
  | 'aws-bedrock'
  | 'mistral'
  | 'cohere'
  | 'groq'
  | 'together'
  | 'openai-compatible';

export interface ProviderConfig {
  type: ProviderType;
  /** BENCH_ENDPOINT; empty means the provider's public default. */
  endpoint: string | undefined;
  /**
   * BENCH_API_KEY; never logged, never part of an error message. For aws-bedrock it is
   * `accessKeyId:secretAccessKey[:sessionToken]` (empty: the AWS SDK's default credential chain); for
   * google-vertex an OAuth 2 access token.
   */
  apiKey: string | undefined;
  /** BENCH_PARAMETERS (target parameters), e.g. api-version, region, project, location. */
  parameters: Record<string, string>;
}

export interface ProviderAdapter {
  readonly type: ProviderType;
  /** One completion; throws ProviderError for every failure it can classify. Does not retry. */
  complete(request: CompletionRequest): Promise<CompletionResponse>;
}
