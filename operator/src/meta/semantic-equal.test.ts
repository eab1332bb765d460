import { describe, expect, it } from 'vitest';
import { semanticEqual } from './semantic-equal.ts';

describe('semanticEqual', () => {
  it('ignores key order and undefined properties', () => {
    expect(semanticEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(semanticEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
  });

  it('sees value, array order and type differences', () => {
    expect(semanticEqual({ a: 1 }, { a: 2 })).toBe(false);
    expect(semanticEqual([1, 2], [2, 1])).toBe(false);
    expect(semanticEqual({ a: [] }, { a: {} })).toBe(false);
    expect(semanticEqual({ a: null }, { a: undefined })).toBe(false);
    expect(semanticEqual(undefined, {})).toBe(false);
  });
});
