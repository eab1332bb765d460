import { codePointBytes, stringBytes } from './json-size.ts';

/**
 * Text that fits a string field of a CRD's schema: `maxLength` counts Unicode code points (as the
 * API server counts them), so the text is cut on a code-point boundary, never inside a surrogate
 * pair, and ends with `ellipsis` when it was cut (`''` cuts without a mark).
 *
 * Lone surrogates are replaced by U+FFFD first, as Go's JSON decoder replaces them: a status
 * written with one would be stored with U+FFFD and never equal what the operator computes, which
 * would then write it again on every pass.
 */
export function shorten(text: string, maxLength: number, ellipsis = '…'): string {
  const whole = text.toWellFormed();
  // A string's UTF-16 length is never below its number of code points.
  if (whole.length <= maxLength) return whole;
  const points = [...whole];
  if (points.length <= maxLength) return whole;
  const mark = [...ellipsis];
  if (mark.length >= maxLength) return mark.slice(0, Math.max(0, maxLength)).join('');
  return points.slice(0, maxLength - mark.length).join('') + ellipsis;
}

/**
 * Text as `shorten` makes it that also takes at most `maxBytes` bytes in the stored object
 * (json-size.ts): where a bound on characters alone does not bound a status's size, since one
 * character may take 6 bytes there (`<` is written `\u003c`).
 */
export function shortenBytes(text: string, maxLength: number, maxBytes: number, ellipsis = '…'): string {
  const short = shorten(text, maxLength, ellipsis);
  if (stringBytes(short) <= maxBytes) return short;
  const room = { points: maxLength - [...ellipsis].length, bytes: maxBytes - stringBytes(ellipsis) };
  if (room.points < 0 || room.bytes < 0) return '';
  let kept = '';
  for (const char of text.toWellFormed()) {
    const bytes = codePointBytes(char.codePointAt(0)!);
    if (room.points < 1 || bytes > room.bytes) break;
    kept += char;
    room.points -= 1;
    room.bytes -= bytes;
  }
  return kept + ellipsis;
}
