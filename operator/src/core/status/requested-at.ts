import { createHash } from 'node:crypto';

/** status.lastHandledRequestedAt's maxLength in the CRD (an annotation's value may hold 256 KiB). */
export const REQUESTED_AT_MAX_LENGTH = 256;

/**
 * A `bench.dev/requested-at` value in the form status.lastHandledRequestedAt holds it, and the form
 * the annotation is compared in with what status holds: the value itself when it fits, else
 * `sha256:` and the hex digest of its UTF-8. Both sides go through this, so a long value starts one
 * round, not one on every pass, and its status write is never refused. A digest rather than a cut
 * value: two values that differ only past the cut are two requests. The digest fits, so it is its
 * own form, and the one in status compares equal to the annotation it came from.
 */
export function requestedAtToken(value: string): string {
  const whole = value.toWellFormed();
  // A string's UTF-16 length is never below its number of code points.
  if (whole.length <= REQUESTED_AT_MAX_LENGTH || [...whole].length <= REQUESTED_AT_MAX_LENGTH) return whole;
  return `sha256:${createHash('sha256').update(whole, 'utf8').digest('hex')}`;
}
