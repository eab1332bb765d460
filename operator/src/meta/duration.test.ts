import { describe, expect, it } from 'vitest';
import { durationSeconds, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it.each([
    ['45m', 2_700_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['300ms', 300],
    ['0', 0],
    ['2h45m30s', 9_930_000],
    ['-5s', -5000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', 'm', '5 m', '5d', 'abc', '1h-3m'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });

  it('rounds seconds up', () => {
    expect(durationSeconds('1500ms')).toBe(2);
    expect(durationSeconds('45m')).toBe(2700);
  });
});
