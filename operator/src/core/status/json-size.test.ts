import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codePointBytes, jsonBytes, storedBytes, stringBytes } from './json-size.ts';

describe('sizes as the API server stores them', () => {
  it('counts UTF-8, and the escapes Go writes where JSON.stringify does not', () => {
    expect(jsonBytes({ a: 'b' })).toBe(9);
    expect(jsonBytes('é')).toBe(2 + 2);
    expect(jsonBytes('€')).toBe(2 + 3);
    expect(jsonBytes('😀')).toBe(2 + 4);
    // Go's encoding/json writes <, > and & as \u003c, \u003e, \u0026, and U+2028, U+2029 escaped.
    expect(jsonBytes('<a&b>')).toBe(2 + 6 + 1 + 6 + 1 + 6);
    expect(jsonBytes('\u2028\u2029')).toBe(2 + 12);
    // Escaped alike by both.
    expect(jsonBytes('"\\\n\t\b\f\r')).toBe(2 + 14);
    expect(jsonBytes('\u0000\u001f')).toBe(2 + 12);
    expect(jsonBytes('\ud800')).toBe(2 + 6);
    expect(jsonBytes(-1.2345678901234568e-300)).toBe(24);
    expect(storedBytes('')).toBe(0);
  });

  it('a string’s content is its characters’ bytes (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        const points = [...text].reduce((sum, char) => sum + codePointBytes(char.codePointAt(0)!), 0);
        expect(stringBytes(text)).toBe(points);
        expect(jsonBytes(text)).toBe(points + 2);
        // Never more than 6 bytes a UTF-16 unit of JSON.stringify's text (what fittedRuns relies on).
        expect(jsonBytes(text)).toBeLessThanOrEqual(6 * JSON.stringify(text).length);
      }),
      { numRuns: 1_000 },
    );
  });
});
