/**
 * Sizes as the API server stores a custom resource: JSON from Go's encoding/json, which writes
 * UTF-8 and escapes `<`, `>` and `&` (6 bytes each, `\u003c`) and U+2028, U+2029 (6 bytes) where
 * JavaScript's JSON.stringify writes them as they are. Other escapes (quotes, backslashes, control
 * characters, lone surrogates) take as many bytes in both, and numbers are written alike.
 */

/** etcd's default limit on one request (--max-request-bytes), which bounds a whole stored object. */
export const OBJECT_MAX_BYTES = 1_572_864;

/** The bytes JSON text written by JSON.stringify takes once the API server writes it. */
export function storedBytes(json: string): number {
  let bytes = 0;
  for (let i = 0; i < json.length; i++) {
    const unit = json.charCodeAt(i);
    if (unit < 0x80) bytes += unit === 0x3c || unit === 0x3e || unit === 0x26 ? 6 : 1;
    else if (unit < 0x800) bytes += 2;
    // Two units of a surrogate pair: one 4-byte character (JSON.stringify escapes lone ones).
    else if (unit >= 0xd800 && unit <= 0xdfff) bytes += 2;
    else bytes += unit === 0x2028 || unit === 0x2029 ? 6 : 3;
  }
  return bytes;
}

/** The bytes a value takes in the stored object. */
export function jsonBytes(value: unknown): number {
  return storedBytes(JSON.stringify(value) ?? '');
}

const SHORT_ESCAPES = new Set([0x22, 0x5c, 0x08, 0x0c, 0x0a, 0x0d, 0x09]);

/** The bytes one character (a code point) takes inside a string there. */
export function codePointBytes(point: number): number {
  if (SHORT_ESCAPES.has(point)) return 2;
  if (point < 0x20 || point === 0x3c || point === 0x3e || point === 0x26) return 6;
  if (point < 0x80) return 1;
  if (point < 0x800) return 2;
  if (point === 0x2028 || point === 0x2029 || (point >= 0xd800 && point <= 0xdfff)) return 6;
  return point < 0x10000 ? 3 : 4;
}

/** The bytes a string's content (without its quotes) takes there. */
export function stringBytes(text: string): number {
  let bytes = 0;
  for (const char of text) bytes += codePointBytes(char.codePointAt(0)!);
  return bytes;
}
