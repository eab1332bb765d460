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
