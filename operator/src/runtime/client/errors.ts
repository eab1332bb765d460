/** A non-2xx answer from the API server, carrying its metav1.Status. */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string | undefined;
  readonly status: unknown;

  constructor(code: number, method: string, path: string, status: unknown) {
    const body = status as { message?: string; reason?: string } | undefined;
    super(`${method} ${path}: ${code} ${body?.reason ?? ''} ${body?.message ?? ''}`.trim());
    this.name = 'ApiError';
    this.code = code;
    this.reason = body?.reason;
    this.status = status;
  }
}

/**
 * A request given up because its caller's signal aborted (shutdown past its drain deadline, lost
 * leadership): never resent, and not a failure of the API server. The server may still have
 * applied a write whose answer was not awaited.
 */
export class RequestAbortedError extends Error {
  constructor(method: string, path: string, reason: unknown) {
    super(`${method} ${path}: aborted: ${reason instanceof Error ? reason.message : String(reason)}`, {
      cause: reason,
    });
    this.name = 'AbortError';
  }
}

function codeOf(error: unknown): number | undefined {
  return error instanceof ApiError ? error.code : undefined;
}

export const isNotFound = (error: unknown): boolean => codeOf(error) === 404;
export const isConflict = (error: unknown): boolean =>
  codeOf(error) === 409 && (error as ApiError).reason !== 'AlreadyExists';
export const isAlreadyExists = (error: unknown): boolean =>
  (error as ApiError | undefined)?.reason === 'AlreadyExists';
/** 410 Gone or reason Expired: the resourceVersion is too old and the caller must relist. */
export const isGone = (error: unknown): boolean =>
  codeOf(error) === 410 ||
  (error instanceof ApiError && (error.reason === 'Expired' || error.reason === 'Gone'));

/**
 * The API server refused the request for what it is: a 4xx other than those that say "not now"
 * (401 credentials, 408 timeout, 409 conflict, 429 too many requests). Sent again unchanged it is
 * refused again: 422 Invalid, 403 Forbidden (an admission policy, webhook or ResourceQuota, or a
 * namespace being deleted), 400, 404, 413. Anything else (5xx, a network error) may pass next time.
 */
export function isRefusal(error: unknown): error is ApiError {
  const code = codeOf(error);
  return code !== undefined && code >= 400 && code < 500 && ![401, 408, 409, 429].includes(code);
}

/** The API server's own words for a failed request (its metav1.Status message), else the error's. */
export function serverMessage(error: unknown): string {
  if (error instanceof ApiError) {
    const message = (error.status as { message?: unknown } | undefined)?.message;
    if (typeof message === 'string' && message !== '') return message;
  }
  return error instanceof Error ? error.message : String(error);
}
