import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringBytes } from './json-size.ts';
import { shorten, shortenBytes } from './text.ts';

const points = (text: string) => [...text].length;

describe('shorten', () => {
  it('keeps text that fits as it is', () => {
    expect(shorten('abc', 3)).toBe('abc');
    // Three characters in six UTF-16 units: within a maxLength of 3 (the API server counts characters).
    expect(shorten('😀😀😀', 3)).toBe('😀😀😀');
  });

  it('cuts on a character boundary and ends with an ellipsis', () => {
    expect(shorten('abcdef', 4)).toBe('abc…');
    expect(shorten('a😀😀😀', 3)).toBe('a😀…');
    expect(shorten('abcdef', 4, '')).toBe('abcd');
    expect(shorten('abcdef', 1)).toBe('…');
    expect(shorten('abcdef', 0)).toBe('');
  });

  it('replaces lone surrogates as the API server’s JSON decoder does', () => {
    expect(shorten('a\ud83db', 10)).toBe('a\ufffdb');
  });

  it('is always well-formed, within the limit, and a prefix of the text when cut', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.integer({ min: 0, max: 200 }),
        (text, max) => {
          const short = shorten(text, max);
          expect(short.isWellFormed()).toBe(true);
          expect(points(short)).toBeLessThanOrEqual(max);
          const whole = text.toWellFormed();
          if (points(whole) <= max) expect(short).toBe(whole);
          else if (max > 0) expect(whole.startsWith(short.slice(0, -1))).toBe(true);
        },
      ),
    );
  });
});

describe('shortenBytes', () => {
  it('cuts by what the characters take as stored, too', () => {
    expect(shortenBytes('abc', 10, 3)).toBe('abc');
    expect(shortenBytes('<<<<', 10, 15)).toBe('<<…');
    expect(shortenBytes('<<<<', 10, 14)).toBe('<…');
    expect(shortenBytes('😀😀😀', 10, 11)).toBe('😀😀…');
    expect(shortenBytes('abcdef', 4, 100)).toBe('abc…');
    expect(shortenBytes('abcdef', 10, 2)).toBe('');
  });

  it('is shorten’s text within the bytes as well: well-formed, within both limits, a prefix (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 600 }),
        (text, max, bytes) => {
          const short = shortenBytes(text, max, bytes);
          expect(short.isWellFormed()).toBe(true);
          expect(points(short)).toBeLessThanOrEqual(max);
          expect(stringBytes(short)).toBeLessThanOrEqual(bytes);
          const whole = text.toWellFormed();
          if (stringBytes(shorten(text, max)) <= bytes) expect(short).toBe(shorten(text, max));
          else expect(whole.startsWith(short.slice(0, -1))).toBe(true);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
