import { describe, expect, it } from 'vitest';
import { exhaustedLimitResetMs, parseDurationMs, standardRetryAfterMs } from './retry-after.ts';

const now = Date.parse('2026-01-01T12:00:00Z');

describe('standardRetryAfterMs', () => {
  it.each([
    [{ 'retry-after': '30' }, 30_000],
    [{ 'retry-after': '1.5' }, 1500],
    [{ 'retry-after': 'Thu, 01 Jan 2026 12:00:20 GMT' }, 20_000],
    [{ 'retry-after': 'Thu, 01 Jan 2026 11:59:00 GMT' }, 0],
    [{ 'retry-after-ms': '250', 'retry-after': '1' }, 250],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('%o -> %s', (headers, expected) => {
    expect(standardRetryAfterMs(new Headers(headers), now)).toBe(expected);
  });
});

describe('parseDurationMs', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['1m30.5s', 90_500],
    ['20ms', 20],
    ['1h', 3_600_000],
    ['12.5s', 12_500],
    ['', undefined],
    ['5 minutes', undefined],
    ['3x', undefined],
  ])('%s -> %s', (value, expected) => {
    expect(parseDurationMs(value)).toBe(expected);
  });
});

describe('exhaustedLimitResetMs', () => {
  const limits = [
    ['remaining-requests', 'reset-requests'],
    ['remaining-tokens', 'reset-tokens'],
  ] as const;

  it('takes the longest reset among the limits used up, ignoring the others', () => {
    const headers = new Headers({
      'remaining-requests': '0',
      'reset-requests': '2s',
      'remaining-tokens': '0',
      'reset-tokens': '7s',
    });
    expect(exhaustedLimitResetMs(headers, limits, parseDurationMs)).toBe(7000);
    headers.set('remaining-tokens', '500');
    expect(exhaustedLimitResetMs(headers, limits, parseDurationMs)).toBe(2000);
  });

  it('is undefined when no limit is used up or its reset is unreadable', () => {
    expect(
      exhaustedLimitResetMs(
        new Headers({ 'remaining-requests': '3', 'reset-requests': '1s' }),
        limits,
        parseDurationMs,
      ),
    ).toBeUndefined();
    expect(
      exhaustedLimitResetMs(
        new Headers({ 'remaining-requests': '0', 'reset-requests': '?' }),
        limits,
        parseDurationMs,
      ),
    ).toBeUndefined();
  });
});
