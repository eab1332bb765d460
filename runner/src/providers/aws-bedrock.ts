/**
 * Amazon Bedrock's Converse and ConverseStream APIs through the AWS SDK, which signs every request
 * with SigV4. BENCH_API_KEY holds `accessKeyId:secretAccessKey` (optionally `:sessionToken`); when it
 * is empty the SDK's default credential chain applies (IRSA / Pod Identity, instance role, AWS_* env).
 */
import http from 'node:http';
import https from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ConverseRequest, StopReason } from '@aws-sdk/client-bedrock-runtime';
import { httpError, kindForStatus, transportError } from './errors.ts';
import type { FinishReason } from './http-adapter.ts';
import { standardRetryAfterMs } from './retry-after.ts';
import {
  ProviderError,
  type CompletionRequest,
  type CompletionResponse,
  type ProviderAdapter,
  type ProviderConfig,
  type ProviderErrorKind,
} from './types.ts';

const FINISH_REASONS: Partial<Record<StopReason, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
};

/** Bedrock's exceptions by name; others fall back to their HTTP status. */
const EXCEPTION_KINDS: Record<string, ProviderErrorKind> = {
  ThrottlingException: 'rate_limited',
  ServiceQuotaExceededException: 'rate_limited',
  InternalServerException: 'unavailable',
  ServiceUnavailableException: 'unavailable',
  ModelErrorException: 'unavailable',
  ModelNotReadyException: 'unavailable',
  ModelTimeoutException: 'unavailable',
  ModelStreamErrorException: 'unavailable',
  AccessDeniedException: 'auth',
  UnrecognizedClientException: 'auth',
  InvalidSignatureException: 'auth',
  ExpiredTokenException: 'auth',
  ValidationException: 'invalid_request',
  ResourceNotFoundException: 'invalid_request',
  ConflictException: 'invalid_request',
};

function finishReason(value: string | undefined): FinishReason {
  return (value !== undefined && FINISH_REASONS[value as StopReason]) || 'other';
}

/** `accessKeyId:secretAccessKey[:sessionToken]`; undefined (the SDK's default chain) when empty. */
export function parseCredentials(apiKey: string | undefined) {
  if (!apiKey) return undefined;
  const [accessKeyId, secretAccessKey, sessionToken] = apiKey.split(':');
  if (!accessKeyId || !secretAccessKey) {
    throw new ProviderError(
      'invalid_request',
      'aws-bedrock: BENCH_API_KEY must be accessKeyId:secretAccessKey[:sessionToken], or empty for the default credential chain',
    );
  }
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

function converseInput(request: CompletionRequest): ConverseRequest {
  const system = request.messages.filter((m) => m.role === 'system');
  const inferenceConfig = {
    ...(request.maxOutputTokens !== undefined ? { maxTokens: request.maxOutputTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { topP: request.topP } : {}),
    ...(request.stop?.length ? { stopSequences: request.stop } : {}),
  };
  return {
    modelId: request.model,
    messages: request.messages
      .filter((m) => m.role !== 'system')
      .map((m) => ({ role: m.role as 'user' | 'assistant', content: [{ text: m.content }] })),
    ...(system.length > 0 ? { system: system.map((m) => ({ text: m.content })) } : {}),
    ...(Object.keys(inferenceConfig).length > 0 ? { inferenceConfig } : {}),
  };
}

interface SdkError {
  name?: string;
  message?: string;
  /** Set on the SDK's service exceptions, including those that arrive inside an event stream. */
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string> };
}

/**
 * An SDK service exception (from an HTTP error, or an exception event inside ConverseStream, which
 * has no status) as a ProviderError; anything else, such as a refused connection, as a transport failure.
 */
function classify(error: unknown, signal: AbortSignal | undefined, secrets: readonly string[]): unknown {
  const sdkError = error as SdkError | undefined;
  if (sdkError?.$fault === undefined || signal?.aborted)
    return transportError('aws-bedrock', error, signal, secrets);
  const name = sdkError.name ?? 'UnknownError';
  const status = sdkError.$metadata?.httpStatusCode;
  const headers = new Headers(sdkError.$response?.headers ?? {});
  const kind =
    EXCEPTION_KINDS[name] ??
    (status !== undefined
      ? kindForStatus(status)
      : sdkError.$fault === 'server'
        ? 'unavailable'
        : 'invalid_request');
  return httpError('aws-bedrock', status, `${name}: ${sdkError.message ?? ''}`, {
    secrets,
    retryAfterMs: standardRetryAfterMs(headers, Date.now()),
    kind,
  });
}

export function createBedrockAdapter(config: ProviderConfig): ProviderAdapter {
  const region = config.parameters.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ProviderError(
      'invalid_request',
      'aws-bedrock: the target parameter `region` (or AWS_REGION) is required',
    );
  }
  const credentials = parseCredentials(config.apiKey);
  const secrets = config.apiKey ? config.apiKey.split(':') : [];
  // Loaded here, not at the top: the SDK takes ~0.2 s to import, which runs for other providers need not pay.
  const sdk = import('@aws-sdk/client-bedrock-runtime').then((module) => ({
    ...module,
    // The runner retries and paces requests itself; the SDK's own retries would hide failures from it.
    // Keep-alive agents without the default socket cap, so concurrency is the runner's to choose.
    client: new module.BedrockRuntimeClient({
      region,
      maxAttempts: 1,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      ...(credentials ? { credentials } : {}),
      // HTTP/1.1: the runtime client's default HTTP/2 handler opens a session per request.
      requestHandler: new NodeHttpHandler({
        httpAgent: new http.Agent({ keepAlive: true, maxSockets: Infinity }),
        httpsAgent: new https.Agent({ keepAlive: true, maxSockets: Infinity }),
      }),
    }),
  }));

  async function converse(request: CompletionRequest, started: number): Promise<CompletionResponse> {
    const { client, ConverseCommand } = await sdk;
    const output = await client.send(new ConverseCommand(converseInput(request)), {
      abortSignal: request.signal,
    });
    return {
      text: (output.output?.message?.content ?? []).map((block) => block.text ?? '').join(''),
      usage: { inputTokens: output.usage?.inputTokens ?? 0, outputTokens: output.usage?.outputTokens ?? 0 },
      finishReason: finishReason(output.stopReason),
      latencyMs: performance.now() - started,
    };
  }

  async function converseStream(request: CompletionRequest, started: number): Promise<CompletionResponse> {
    const { client, ConverseStreamCommand } = await sdk;
    const output = await client.send(new ConverseStreamCommand(converseInput(request)), {
      abortSignal: request.signal,
    });
    let text = '';
    let timeToFirstTokenMs: number | undefined;
    let reason: FinishReason | undefined;
    const usage = { inputTokens: 0, outputTokens: 0 };
    for await (const event of output.stream ?? []) {
      const piece = event.contentBlockDelta?.delta?.text;
      if (piece) {
        timeToFirstTokenMs ??= performance.now() - started;
        text += piece;
      }
      if (event.messageStop) reason = finishReason(event.messageStop.stopReason);
      if (event.metadata?.usage) {
        usage.inputTokens = event.metadata.usage.inputTokens ?? 0;
        usage.outputTokens = event.metadata.usage.outputTokens ?? 0;
      }
    }
    if (reason === undefined) {
      throw new ProviderError('unavailable', 'aws-bedrock: the stream ended before the reply was complete');
    }
    const latencyMs = performance.now() - started;
    return {
      text,
      usage,
      finishReason: reason,
      latencyMs,
      timeToFirstTokenMs: timeToFirstTokenMs ?? latencyMs,
    };
  }

  return {
    type: 'aws-bedrock',
    async complete(request) {
      const started = performance.now();
      try {
        return await (request.stream ? converseStream(request, started) : converse(request, started));
      } catch (error) {
        throw error instanceof ProviderError ? error : classify(error, request.signal, secrets);
      }
    },
  };
}
