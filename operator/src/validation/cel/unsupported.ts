import { isCelError } from '@bufbuild/cel';

const MARKER = 'not evaluated offline: ';

/**
 * Thrown by an offline function when it cannot be sure to answer as the API server's CEL library
 * would (e.g. a URL Go's net/url might parse differently). The evaluator turns it into a CEL error,
 * so CEL's own rules decide: `false && <unsupported>` is still `false`, as on the server, and a
 * result that depends on it is reported as a skipped rule, never as a verdict.
 */
export class Unsupported extends Error {
  constructor(reason: string) {
    super(`${MARKER}${reason}`);
    this.name = 'Unsupported';
  }
}

/** The reason an error (or one of the errors CEL merged into it) could not be evaluated offline. */
export function unsupportedReason(error: unknown, depth = 0): string | undefined {
  if (depth > 16 || typeof error !== 'object' || error === null) return undefined;
  if (Array.isArray(error)) {
    for (const item of error) {
      const reason = unsupportedReason(item, depth + 1);
      if (reason !== undefined) return reason;
    }
    return undefined;
  }
  if (error instanceof Error || isCelError(error)) {
    const message = (error as Error).message;
    if (message.startsWith(MARKER)) return message.slice(MARKER.length);
    return unsupportedReason((error as Error).cause, depth + 1);
  }
  return undefined;
}
