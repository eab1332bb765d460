/**
 * Turning failed provider calls into ProviderErrors: the kind the runner's exit codes need, the
 * wait the provider asked for, and a message that helps debugging but never carries a secret.
 */
import { ProviderError, type ProviderErrorKind, type ProviderType } from './types.ts';

/** Longest slice of a provider's own error message kept in ours. */
const MAX_PROVIDER_MESSAGE = 300;

export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate_limited';
  // 408 is the provider's own timeout: the same as ours, a provider that could not answer in time.
  if (status === 408 || status >= 500) return 'unavailable';
  return 'invalid_request';
}

/** Replaces every occurrence of each secret in `text`. */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length > 0) result = result.replaceAll(secret, '[redacted]');
  return result;
}

/**
 * The error for a provider's error answer: an HTTP status, or (status undefined) an error the
 * provider sent inside a stream after its 200. For credential failures the provider's message is
 * left out entirely: providers echo the presented key (whole or in part) in them.
 */
export function httpError(
  provider: ProviderType,
  status: number | undefined,
  providerMessage: string | undefined,
  options: { secrets: readonly string[]; retryAfterMs?: number | undefined; kind?: ProviderErrorKind },
): ProviderError {
  const kind = options.kind ?? (status === undefined ? 'unavailable' : kindForStatus(status));
  const detail =
    kind === 'auth'
      ? 'the provider rejected the credentials'
      : redact((providerMessage ?? '').slice(0, MAX_PROVIDER_MESSAGE), options.secrets) || 'no error message';
  const retryAfter =
    options.retryAfterMs !== undefined ? ` (retry after ${Math.ceil(options.retryAfterMs)} ms)` : '';
  const where = status === undefined ? 'error in the stream' : `HTTP ${status}`;
  return new ProviderError(kind, `${provider}: ${where}: ${detail}${retryAfter}`, {
    ...(status !== undefined ? { status } : {}),
    ...(options.retryAfterMs !== undefined ? { retryAfterMs: options.retryAfterMs } : {}),
  });
}

function isTimeout(reason: unknown): boolean {
  return reason instanceof Error && reason.name === 'TimeoutError';
}

/**
 * The error for a call that got no (complete) answer. An abort whose reason is a timeout
 * (AbortSignal.timeout) is the provider not answering in time: `unavailable`. Any other abort is the
 * caller's decision (e.g. SIGTERM), not a provider failure: its reason is rethrown as it is.
 */
export function transportError(
  provider: ProviderType,
  error: unknown,
  signal: AbortSignal | undefined,
  secrets: readonly string[],
): unknown {
  if (error instanceof ProviderError) return error;
  if (signal?.aborted) {
    if (!isTimeout(signal.reason)) return signal.reason;
    return new ProviderError('unavailable', `${provider}: no answer before the request timed out`, {
      cause: error,
    });
  }
  if (isTimeout(error)) {
    return new ProviderError('unavailable', `${provider}: no answer before the request timed out`, {
      cause: error,
    });
  }
  return new ProviderError('unavailable', `${provider}: ${redact(describe(error), secrets)}`);
}

/** "connection failed (ECONNREFUSED)" from fetch's TypeError and its cause, without URLs or bodies. */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return `connection failed (${code})`;
  return error instanceof Error ? `request failed: ${error.message}` : 'request failed';
}
