/**
 * The one HTTP call every fetch-based adapter makes: send the provider's request, time it, read a
 * JSON or streamed (SSE) answer through the provider's wire format, and classify every failure.
 * Wire formats only say how their provider's requests, replies, stream events and errors look.
 */
import type { EventSourceMessage } from 'eventsource-parser';
import { httpError, kindForStatus, transportError } from './errors.ts';
import { standardRetryAfterMs } from './retry-after.ts';
import { readServerSentEvents } from './sse.ts';
import {
  ProviderError,
  type CompletionRequest,
  type CompletionResponse,
  type ProviderAdapter,
  type ProviderErrorKind,
  type ProviderType,
} from './types.ts';

/** A completion before timing is added. */
export type Completion = Pick<CompletionResponse, 'text' | 'usage' | 'finishReason'>;
export type FinishReason = CompletionResponse['finishReason'];

/** Folds one streamed reply's events into a completion. One decoder per request. */
export interface StreamDecoder {
  /** Takes one event and returns the text it adds ('' for none). Throws ProviderError for an error event. */
  event(message: EventSourceMessage): string;
  /** Whether the provider's final event arrived; a stream ending before it was cut short. */
  readonly finished: boolean;
  result(): Omit<Completion, 'text'>;
}

export interface HttpWire {
  request(request: CompletionRequest): { url: string; headers: Record<string, string>; body: unknown };
  parseReply(body: unknown): Completion;
  streamDecoder(): StreamDecoder;
  /** The provider's message in its error body, if it has one. */
  errorMessage(body: unknown): string | undefined;
  /** The wait the provider asks for in its own way, when it sends no Retry-After. */
  retryAfterMs?(headers: Headers, body: unknown, nowMs: number): number | undefined;
  /** A kind for a status this provider gives its own meaning; undefined keeps the HTTP default. */
  kindForStatus?(status: number): ProviderErrorKind | undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function createHttpAdapter(
  type: ProviderType,
  wire: HttpWire,
  secrets: readonly string[],
): ProviderAdapter {
  async function failure(response: Response): Promise<ProviderError> {
    const text = await response.text();
    const body = parseJson(text);
    const now = Date.now();
    return httpError(type, response.status, wire.errorMessage(body) ?? text, {
      secrets,
      retryAfterMs:
        standardRetryAfterMs(response.headers, now) ?? wire.retryAfterMs?.(response.headers, body, now),
      kind: wire.kindForStatus?.(response.status) ?? kindForStatus(response.status),
    });
  }

  async function readStream(body: ReadableStream<Uint8Array>, started: number): Promise<CompletionResponse> {
    const decoder = wire.streamDecoder();
    let text = '';
    let timeToFirstTokenMs: number | undefined;
    // Read to the end even after the final event, so the connection goes back to the pool.
    for await (const message of readServerSentEvents(body)) {
      if (decoder.finished) continue;
      const piece = decoder.event(message);
      if (piece === '') continue;
      timeToFirstTokenMs ??= performance.now() - started;
      text += piece;
    }
    if (!decoder.finished) {
      throw new ProviderError('unavailable', `${type}: the stream ended before the reply was complete`);
    }
    const latencyMs = performance.now() - started;
    // An empty answer has no first token; its time to first token is the whole reply's.
    return { text, ...decoder.result(), latencyMs, timeToFirstTokenMs: timeToFirstTokenMs ?? latencyMs };
  }

  return {
    type,
    async complete(request) {
      const started = performance.now();
      const call = wire.request(request);
      try {
        const response = await fetch(call.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...call.headers },
          body: JSON.stringify(call.body),
          signal: request.signal,
          // A redirect would take the key headers along (fetch drops only Authorization across
          // origins, not x-api-key or api-key) to wherever it points: never followed.
          redirect: 'manual',
        });
        if (response.status >= 300 && response.status < 400) throw redirected(type, call.url, response);
        if (!response.ok) throw await failure(response);
        // A server that ignores the stream flag answers with one JSON reply: take it as it is.
        if (
          request.stream &&
          response.body &&
          response.headers.get('content-type')?.includes('text/event-stream')
        ) {
          return await readStream(response.body, started);
        }
        const body = parseJson(await response.text());
        if (body === undefined) {
          throw new ProviderError('unavailable', `${type}: the reply is not JSON`, {
            status: response.status,
          });
        }
        return { ...wire.parseReply(body), latencyMs: performance.now() - started };
      } catch (error) {
        throw transportError(type, error, request.signal, secrets);
      }
    },
  };
}

/** A provider API never redirects its requests: say where it pointed, without following it. */
function redirected(type: ProviderType, url: string, response: Response): ProviderError {
  const location = response.headers.get('location');
  let target = 'elsewhere';
  try {
    if (location) target = new URL(location, url).origin;
  } catch {
    // An unparsable Location still is a redirect.
  }
  return new ProviderError(
    'invalid_request',
    `${type}: the endpoint answered ${response.status} with a redirect to ${target}; bench-runner does not follow redirects, which would send the API key there: set the ProviderPolicy's endpoint to the URL that answers`,
    { status: response.status },
  );
}

/** BENCH_ENDPOINT, or the provider's default when it is empty, without a trailing slash. */
export function baseUrl(endpoint: string | undefined, fallback: string): string {
  return (endpoint || fallback).replace(/\/+$/, '');
}

/** For wire formats: the error for a reply in a shape the provider never sends (a broken proxy, a cut body). */
export function malformed(type: ProviderType, what: string): ProviderError {
  return new ProviderError('unavailable', `${type}: malformed reply: ${what}`);
}

/** For stream decoders: one event's JSON data. */
export function eventJson<T>(type: ProviderType, message: EventSourceMessage): T {
  const data = parseJson(message.data);
  if (typeof data !== 'object' || data === null) throw malformed(type, 'a stream event is not a JSON object');
  return data as T;
}
